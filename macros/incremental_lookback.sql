{#-
  Incremental loads of the log-scale layers. On an incremental run a model
  reprocesses the rows whose `timestamp_column` is at most
  `incremental_lookback_hours` before the newest `target_column` it already
  holds (default: the same column), so rows that arrive late (up to that many
  hours) are picked up; the daily full refresh catches anything later. On a
  full refresh: no filter.
-#}
{% macro incremental_lookback_filter(timestamp_column, target_column=none) -%}
    {%- if is_incremental() -%}
        {{ timestamp_column }} >= (
            select {{ dbt.dateadd('hour', '-' ~ var_integer('incremental_lookback_hours', 0), 'max(' ~ (target_column or timestamp_column) ~ ')') }}
            from {{ this }}
        )
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}
