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
    {#- epoch_unit is read with log_source external only: a seed's epoch numbers cannot be declared (operator trial) -#}
    {%- set epoch_hint = "" if 'is not a timestamp' not in listed | join(' ') else (
        " A time that is not a timestamp may be epoch numbers: declare their unit (epoch_unit, README \"Your own logs\")."
        if var('log_source', 'seeds') == 'external' else
        " A time that is not a timestamp may be epoch numbers, which a seed cannot declare: write ISO 8601 times in the"
        ~ " CSV, or load the log as Parquet with log_source external and declare their unit (epoch_unit, README \"Your own logs\").") -%}
    {#- hourly rollups on the local hours of a zone with a :30 or :45 offset fall off the UTC hour (operator trial:
        pandas' resample('h') on an Asia/Kolkata index) -#}
    {%- set hour_hint = "" if 'is not on the hour' not in listed | join(' ') else
        " An hourly metric must be on the UTC hour: a rollup on the local hours of a zone with a :30 or :45 offset"
        ~ " (Asia/Kolkata) is not; roll up on UTC hours, or give the raw samples as the service_metrics log, which the"
        ~ " project buckets on UTC hours itself." -%}
    {%- do exceptions.warn(model.identifier ~ ": " ~ totals[1] ~ " of its " ~ totals[0] ~ " " ~ scope.words ~ " ("
        ~ ((100 * totals[1] / totals[0]) | round(1)) ~ " %) are quarantined; most often: " ~ listed | join('; ')
        ~ ". The rows, with their reasons: " ~ model ~ " where quarantine_reason is not null." ~ epoch_hint ~ hour_hint) -%}
{%- endmacro %}
