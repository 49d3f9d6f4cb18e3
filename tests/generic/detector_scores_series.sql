{#-
  Generic test on metric_anomalies, severity warn: the series that hold at
  least min_history_hours of buckets and of which the detector has scored
  none. The robust method scores a bucket once the UTC days before it hold
  min_history_hours of residuals, each from a baseline of at least two
  earlier blocks: about two days after a series' first bucket. On a first
  day of one's own logs it scored nothing, and the build, notify and the
  report said nothing, so a team trusted a detector that was not yet
  watching (operator trial). It warns, naming the series, how much history
  they hold and what pages meanwhile. Series with fewer buckets (a sparse
  function, the shipped gateway log's four hours) are not expected to be
  scored, and are left out.
-#}
{% test detector_scores_series(model) %}
{{ config(severity='warn') }}
{%- set min_history_hours = oncall_analytics.var_integer('min_history_hours', 1, 336) -%}
{%- set grain_minutes = oncall_analytics.var_integer('detection_grain_minutes', 1, 60) -%}
{%- set min_buckets = ((min_history_hours | int) * 60 / (grain_minutes | int)) | round(0, 'ceil') | int -%}
{#- one query for the test's rows and for the warning that names them -#}
{%- set never_scored_series -%}
    with anomalies as (
        select * from {{ model }}
    ),

    series as (
        select
            service_name,
            metric_name,
            count(*) as buckets,
            min(observed_at) as first_bucket_at,
            count(case when is_scored then 1 end) as scored_buckets
        from anomalies
        group by service_name, metric_name
    ),

    never_scored as (
        select
            service_name,
            metric_name,
            buckets,
            first_bucket_at
        from series
        where buckets >= {{ min_buckets }} and scored_buckets = 0
    )

    select * from never_scored
{%- endset -%}

{%- if execute and adapter.get_relation(model.database, model.schema, model.identifier) is not none -%}
    {%- set found = run_query('select *, count(*) over () from (' ~ never_scored_series ~ ') as never_scored '
        ~ 'order by first_bucket_at, service_name, metric_name limit 5').rows -%}
    {%- if found -%}
        {%- set named = [] -%}
        {%- for service, metric, buckets, first_at, total in found -%}
            {%- do named.append(service ~ " " ~ metric ~ " (" ~ buckets ~ " buckets since " ~ first_at ~ ")") -%}
        {%- endfor -%}
        {%- do exceptions.warn("detector: none of the buckets of " ~ found[0][4] ~ " series is scored yet, though each holds "
            ~ min_history_hours ~ " hours (min_history_hours) of buckets or more: " ~ named | join(', ')
            ~ (", ..." if found[0][4] > found | length else "") ~ ". "
            ~ ("The robust method scores a bucket once the UTC days before it hold min_history_hours of residuals, each from "
               ~ "a baseline of earlier blocks: about two days after a series' first bucket. "
               if var('anomaly_method') == 'robust' else "The notebook method needs half its window of history before a bucket. ")
            ~ "Until then these series page nobody; SLO burn-rate alerts and metric_staleness still work.") -%}
    {%- endif -%}
{%- endif %}

{{ never_scored_series }}
{% endtest %}
