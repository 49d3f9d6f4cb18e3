{#-
  The hours an incremental run of an hourly aggregate recomputes, so that it
  ends equal to a full refresh:
    - every hour from incremental_lookback_hours before the newest hour the
      model holds (late rows), as before;
    - and the older hours of every key the staging base just reloaded with
      a repeat (rows_with_key > 1): a conflicting copy arriving within the
      lookback, or an id re-sent with another time, quarantines rows whose
      hour may lie before the lookback, and that hour must lose them.
  Returned as {'bound': timestamp literal or none, 'old_hours': [literals]}.
  Looked up before the model runs and written into its SQL as literals, so
  the usual run (no such repeat) reads the same pruned slice as before.
    base        the staging base model (ref), which marks repeats
    key         its key column
    time_column its typed event-time column
-#}
{% macro hours_to_recompute(base, key, time_column) -%}
    {%- do oncall_analytics.var_integer('incremental_lookback_hours', 0, 8760) -%}
    {%- if not is_incremental() -%}
        {{ return({'bound': none, 'old_hours': []}) }}
    {%- endif -%}
    {%- set bound = oncall_analytics.incremental_lookback_bound('observed_at') -%}
    {%- if not execute or bound is none -%}
        {{ return({'bound': bound, 'old_hours': []}) }}
    {%- endif -%}
    {%- set hour = dbt.date_trunc('hour', time_column) -%}
    {%- set old_hours_sql -%}
        with repeated as (
            select {{ key }}, {{ time_column }} from {{ base }}
            where rows_with_key > 1 and {{ key }} is not null
        ),

        reloaded_keys as (
            select {{ key }} from repeated
            where {{ time_column }} >= {{ bound }} or {{ time_column }} is null
        )

        select distinct {{ hour }} as hour_start from repeated
        where {{ key }} in (select {{ key }} from reloaded_keys) and {{ time_column }} < {{ bound }}
        order by 1
    {%- endset -%}
    {%- set old_hours = [] -%}
    {%- for hour_start in run_query(old_hours_sql).columns[0].values() -%}
        {%- do old_hours.append(oncall_analytics.timestamp_literal(hour_start)) -%}
    {%- endfor -%}
    {{ return({'bound': bound, 'old_hours': old_hours}) }}
{%- endmacro %}

{#- The rows of the hours to recompute (hours_to_recompute), by their time
    column: a filter for the model's import CTE. Each older hour reaches
    `old_hour_span_hours` from its start (1: the hour itself). -#}
{% macro in_hours_to_recompute(time_column, hours, old_hour_span_hours=1) -%}
    {%- if hours.bound is none -%}
        1 = 1
    {%- else -%}
        ({{ time_column }} >= {{ hours.bound }}
        {%- for hour_start in hours.old_hours %}
            or ({{ time_column }} >= {{ hour_start }} and {{ time_column }} < {{ dbt.dateadd('hour', old_hour_span_hours, hour_start) }})
        {%- endfor -%})
    {%- endif -%}
{%- endmacro %}

{#- The pre-hook of an incremental hourly aggregate: delete the hours it is
    about to recompute, so an hour that lost all its rows does not stay
    behind (delete+insert only replaces the keys it inserts). Nothing on a
    full refresh. -#}
{% macro delete_hours_to_recompute(base, key, time_column, count_metric=none) -%}
    {%- set hours = oncall_analytics.hours_to_recompute(base, key, time_column) -%}
    {%- if hours.bound is not none -%}
        delete from {{ this }} where {{ oncall_analytics.in_hours_to_recompute('observed_at', hours) }}
        {%- if count_metric is not none %}
            or (metric_name = '{{ count_metric }}' and value = 0 and {{ oncall_analytics.in_silences_to_recompute('observed_at', hours) }})
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- The silent buckets (a count's 0, silent_bucket_ctes) an incremental run
    recomputes: those of the hours to recompute, and the zero_fill_max_hours
    after each older hour it recomputes: an older hour that lost its rows
    may have been the start of a silence, whose zeros now follow an earlier
    bucket with events, or none. A filter; true on a full refresh. -#}
{% macro in_silences_to_recompute(time_column, hours) -%}
    {%- set max_hours = oncall_analytics.var_integer('zero_fill_max_hours', 0, 8760) | int -%}
    {{ oncall_analytics.in_hours_to_recompute(time_column, hours, 1 + max_hours) }}
{%- endmacro %}
