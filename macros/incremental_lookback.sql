{#-
  Incremental loads of the log-scale layers. On an incremental run a model
  reprocesses the rows whose `timestamp_column` is at most
  `incremental_lookback_hours` before the newest `target_column` it already
  holds (default: the same column), or before the run's start when that is
  earlier (rows from a clock running ahead do not move it), so rows that
  arrive late (up to that many hours) are picked up; the daily full refresh
  catches anything later. On a full refresh: no filter.
  `target_filter` restricts the rows whose time counts (a base model: its
  accepted rows only, so that a quarantined row dated 2999 cannot become the
  watermark and freeze loading).
  The bound is looked up first and written into the SQL as a literal: a
  subquery there keeps DuckDB from pruning the log's files and row groups by
  their time statistics (bench/README.md). An empty table has no bound:
  every row is reprocessed.
-#}
{% macro incremental_lookback_filter(timestamp_column, target_column=none, target_filter=none) -%}
    {%- if is_incremental() -%}
        {%- set bound = oncall_analytics.incremental_lookback_bound(target_column or timestamp_column, target_filter) -%}
        {%- if bound is none -%}
            1 = 1
        {%- else -%}
            {{ timestamp_column }} >= {{ bound }}
        {%- endif -%}
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- The lookback bound of an incremental run as SQL: a timestamp literal
    (newest `target_column` of the model's rows matching `target_filter`,
    minus incremental_lookback_hours), none for an empty model, or the
    lookup as a subquery while dbt parses. -#}
{% macro incremental_lookback_bound(target_column, target_filter=none) -%}
    {%- set bound_sql -%}
        {#- never past when the run started: a few rows from a clock hours ahead (accepted up to the horizon)
            would otherwise move the watermark, and the rows of the hours behind it would wait for the daily
            full refresh (operator trial: 1,200 invocations of two hours not loaded) -#}
        {#- and none for a table without a time: least() skips nulls, and capped alone an empty table's bound was
            the run's start, so a log first empty (a gateway-only team's function log) loaded only its last hours -#}
        {%- set newest = 'case when max(' ~ target_column ~ ') is not null then least(max(' ~ target_column ~ '), '
            ~ oncall_analytics.timestamp_literal(run_started_at.replace(tzinfo=none)) ~ ') end' %}
        select {{ dbt.dateadd('hour', '-' ~ oncall_analytics.var_integer('incremental_lookback_hours', 0, 8760), newest) }}
        from {{ this }}
        {%- if target_filter %}
        where {{ target_filter }}
        {%- endif %}
    {%- endset -%}
    {%- if not execute -%}
        {{ return('(' ~ bound_sql ~ ')') }}
    {%- endif -%}
    {%- set bound = run_query(bound_sql).columns[0].values()[0] -%}
    {%- if bound is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(oncall_analytics.timestamp_literal(bound)) }}
{%- endmacro %}
