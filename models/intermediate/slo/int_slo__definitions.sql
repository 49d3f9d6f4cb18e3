-- The SLOs (var `slos`) as rows: one per SLO with what it counts, its
-- objective and its rolling window; the marts read the SLOs' parameters from
-- here. Ephemeral: a few literal rows, inlined where they are read, so the
-- hourly run spends no model on them; the var is validated by
-- slo_definitions() at compile time.
{{ config(materialized='ephemeral') }}
{%- set slos = slo_definitions() %}

with definitions as (
    {%- for slo in slos %}
        select
            {{ sql_literal(slo.name) }} as slo_name,
            {{ sql_literal(slo.service) }} as service_name,
            {{ sql_literal(slo.description) }} as description,
            '{{ slo.sli_kind }}' as sli_kind,
            '{{ slo.event_source }}' as event_source,
            cast({{ sql_literal(slo.environment) if slo.environment is not none else 'null' }} as {{ dbt.type_string() }}) as environment,
            cast({{ sql_literal(slo.region) if slo.region is not none else 'null' }} as {{ dbt.type_string() }}) as region,
            cast({{ slo.latency_threshold_ms if slo.latency_threshold_ms is not none else 'null' }} as double) as latency_threshold_ms,
            {{ sql_literal(slo_event_predicates(slo).total_text) }} as total_events_definition,
            {{ sql_literal(slo_event_predicates(slo).good_text) }} as good_events_definition,
            cast({{ slo.objective_pct }} as double) as objective_pct,
            -- (100 - objective) / 100 in exact decimals first, then a double: 0.001 for 99.9
            cast((100 - {{ slo.objective_pct }}) / 100 as double) as error_budget_ratio,
            {{ sql_literal(slo.time_window) }} as time_window,
            {{ slo.time_window_minutes }} as time_window_minutes
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select * from definitions
