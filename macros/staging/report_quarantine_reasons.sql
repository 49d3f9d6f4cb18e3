{#- The quarantined_share test's words, in the run's output, when more than
    warn_pct % of the rows it judges (scope: quarantine_share_scope) are
    quarantined. -#}
{% macro report_quarantine_reasons(model, warn_pct, scope) -%}
    {#- the test is compiled by `dbt compile` and `dbt docs generate` too, on a warehouse that may not hold it -#}
    {%- if adapter.get_relation(model.database, model.schema, model.identifier) is none -%}{{ return('') }}{%- endif -%}
    {%- set scoped = "select quarantine_reason from " ~ model ~ " where " ~ scope.rows -%}
    {%- set totals = run_query("select count(*), count(quarantine_reason) from (" ~ scoped ~ ") as scoped").rows[0] -%}
    {%- if totals[0] == 0 or totals[0] < scope.min_rows or 100 * totals[1] <= (warn_pct | int) * totals[0] -%}{{ return('') }}{%- endif -%}
    {%- set reasons = run_query("select quarantine_reason, count(*) from (" ~ scoped ~ ") as scoped where quarantine_reason is not null"
        ~ " group by quarantine_reason order by 2 desc, 1 limit 3").rows -%}
    {%- set listed = [] -%}
    {%- for reason, rows in reasons -%}{%- do listed.append(reason ~ " (" ~ rows ~ ")") -%}{%- endfor -%}
    {%- set epoch_hint = " A time that is not a timestamp may be epoch numbers: declare their unit (epoch_unit, README"
        ~ " \"Your own logs\")." if 'is not a timestamp' in listed | join(' ') else "" -%}
    {%- do exceptions.warn(model.identifier ~ ": " ~ totals[1] ~ " of its " ~ totals[0] ~ " " ~ scope.words ~ " ("
        ~ ((100 * totals[1] / totals[0]) | round(1)) ~ " %) are quarantined; most often: " ~ listed | join('; ')
        ~ ". The rows, with their reasons: " ~ model ~ " where quarantine_reason is not null." ~ epoch_hint) -%}
{%- endmacro %}
