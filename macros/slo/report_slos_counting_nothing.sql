{#- The slo_counts_events test's words, in the run's output: each SLO of var
    `slos` that counts no event in `model` (slo_status), with its log and
    service. -#}
{% macro report_slos_counting_nothing(model) -%}
    {#- compiled by `dbt compile` and `docs generate` too, on a warehouse that may not hold the model -#}
    {%- if adapter.get_relation(model.database, model.schema, model.identifier) is none -%}{{ return('') }}{%- endif -%}
    {%- set counting = run_query("select distinct slo_name from " ~ model ~ " where total_events > 0").columns[0].values() -%}
    {%- set listed = [] -%}
    {%- for slo in oncall_analytics.slo_definitions() if slo.name not in counting -%}
        {%- do listed.append(slo.name ~ " (" ~ slo.event_source ~ ", service " ~ slo.service ~ ")") -%}
    {%- endfor -%}
    {%- if listed -%}
        {%- do exceptions.warn(listed | length ~ " SLO(s) of var 'slos' count no event: " ~ listed | join(', ')
            ~ ". Its service or filter matches nothing in the log (the service is matched as written, case included),"
            ~ " or the log has no event yet.") -%}
    {%- endif -%}
{%- endmacro %}
