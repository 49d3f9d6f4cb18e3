-- Every metric the project knows, in one long table for the detector, at the
-- detection grain (detection_grain_minutes, an hour by default; the model
-- keeps its name from the hourly-only days).
--
-- Extension point: each model in one of the two lists of the macro
-- metric_models yields (service_name, metric_name, observed_at, value). A
-- model of `at_grain` computes its metrics per bucket itself (counts,
-- rates and percentiles cannot be averaged from finer buckets), with
-- metric_bucket; a model of `to_bucket` is a log of readings at
-- any resolution, averaged here per bucket (the mean of the readings whose
-- time falls in the bucket; an hourly reading at a 5-minute grain stays one
-- reading, in the bucket starting on its hour). To watch another log, build
-- an int_ or stg_ model of that shape and add its name to the right list;
-- nothing else changes. A series (service and metric) may come from several
-- models, but each of its buckets from one: readings of one bucket in two
-- logs (hourly rollups beside raw samples of the same hours) cannot be told
-- apart, and the run stops naming the series, the bucket and both models.
--
-- A share or a percentile of a model at the grain (bad events among the
-- bucket's events; a quantile of their latencies) carries its bucket's
-- events as `sample_size`: the count metric of the same model, service and
-- bucket named in `bucket_event_counts`; a percentile also carries its
-- level as `quantile_level`. The robust detector weighs them by it (one 5xx
-- in 7 requests is not one in 7,000; the p99 of 7 requests is the slowest
-- of them); every other row has neither. Those counts themselves are
-- `is_event_count`: a 0 of theirs is a silent bucket (the at-grain models
-- fill them), which the robust detector reads as a silence of events.
{%- set bucket_event_counts = {
    'server_error_rate': 'requests',
    'error_rate': 'invocations',
    'p99_latency_ms': 'requests',
    'p99_duration_ms': 'invocations',
} %}
{%- set quantile_levels = {
    'p99_latency_ms': 0.99,
    'p99_duration_ms': 0.99,
} %}
{%- set event_count_metrics = bucket_event_counts.values() | unique | sort %}
{%- set metric_models_at_grain = metric_models()['at_grain'] %}
{%- set metric_models_to_bucket = metric_models()['to_bucket'] %}

with
{% for model_name in metric_models_at_grain + metric_models_to_bucket %}
    {{ model_name }} as (
        select * from {{ ref(model_name) }}
    ),
{% endfor %}

{% for model_name in metric_models_at_grain %}
    {{ model_name }}_with_sample_size as (
        select
            metrics.service_name,
            metrics.metric_name,
            metrics.observed_at,
            metrics.value,
            sample_sizes.value as sample_size,
            case metrics.metric_name
                {%- for quantile, level in quantile_levels.items() %}
                    when '{{ quantile }}' then {{ level }}
                {%- endfor %}
            end as quantile_level,
            metrics.metric_name in (
                {%- for count in event_count_metrics %}'{{ count }}'{{ ', ' if not loop.last }}{% endfor -%}
            ) as is_event_count
        from {{ model_name }} as metrics
        left join {{ model_name }} as sample_sizes
            on
                metrics.service_name = sample_sizes.service_name
                and metrics.observed_at = sample_sizes.observed_at
                and sample_sizes.metric_name = case metrics.metric_name
                    {%- for metric, count in bucket_event_counts.items() %}
                        when '{{ metric }}' then '{{ count }}'
                    {%- endfor %}
                end
    ),
{% endfor %}

{% for model_name in metric_models_to_bucket %}
    {{ model_name }}_bucketed as (
        select
            service_name,
            metric_name,
            {{ metric_bucket('observed_at') }} as observed_at,
            -- in a fixed order: the same mean to the last bit on every run, however the log's files are read
            {{ deterministic_aggregate('avg', 'cast(value as double)') }} as value,
            -- readings carry no count of events
            cast(null as bigint) as sample_size,
            cast(null as double) as quantile_level,
            false as is_event_count
        from {{ model_name }}
        group by service_name, metric_name, {{ metric_bucket('observed_at') }}
    ),
{% endfor %}

unioned as (
    {%- for model_name in metric_models_at_grain + metric_models_to_bucket %}
        {%- set relation = model_name ~ ('_bucketed' if model_name in metric_models_to_bucket else '_with_sample_size') %}
        select
            service_name,
            metric_name,
            cast(observed_at as {{ dbt.type_timestamp() }}) as observed_at,
            cast(value as double) as value,
            cast(sample_size as {{ dbt.type_bigint() }}) as sample_size,
            cast(quantile_level as double) as quantile_level,
            cast(is_event_count as boolean) as is_event_count,
            '{{ model_name }}' as source_model
        from {{ relation }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

buckets_from_two_models as (
    select
        service_name,
        metric_name,
        observed_at,
        min(source_model) as first_model,
        max(source_model) as second_model
    from unioned
    group by service_name, metric_name, observed_at
    -- two rows of one model are the unique test's to report
    having count(distinct source_model) > 1
),

first_overlap as (
    select
        service_name,
        metric_name,
        observed_at,
        first_model,
        second_model,
        row_number() over (order by observed_at, service_name, metric_name) as overlap_rank,
        count(*) over () as overlapping_buckets
    from buckets_from_two_models
),

overlap_summary as (
    -- one row, overlaps or not
    select
        coalesce(max(overlapping_buckets), 0) as overlapping_buckets,
        max(
            cast(overlapping_buckets as {{ dbt.type_string() }}) || ' bucket(s) hold readings of one series from two models, e.g. service '
            || service_name || ', metric ' || metric_name || ' at ' || cast(observed_at as {{ dbt.type_string() }})
            || ' from ' || first_model || ' and ' || second_model
            || ': which to trust cannot be told. Keep each hour of a series in one log (e.g. drop the hourly rollups'
            || ' of hours the raw samples cover).'
        ) as message
    from first_overlap
    where overlap_rank = 1
),

checked as (
    select unioned.*
    from unioned
    cross join overlap_summary
    where {{ fail_unless('overlap_summary.overlapping_buckets = 0', 'overlap_summary.message') }}
)

select * from checked
