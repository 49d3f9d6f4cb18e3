{#-
  Shared by the checks that an incremental run appends rows made the way the
  stored ones were (check_same_log_input, check_same_bucketing,
  check_same_slo_counting): each incremental model records the setting on
  every row, and each check compares it with this run's.
  recorded_setting_to_check(column): true on an incremental run of a table
    that records `column`; false on a full refresh or at parse time (nothing
    stored to mix with), and for a command that writes no model (compile,
    docs generate, show: `make docs` on a warehouse built with other vars);
    an error when the table predates the column.
  command_writes_models(): whether this dbt command can write a model's
    rows (build, run, seed, snapshot; `dbt retry` runs as the command it
    retries); the checks above are for those.
  mixed_setting_ways_out(setting): the error's last sentence, the three ways
    out.
-#}
{% macro recorded_setting_to_check(column) -%}
    {%- if not (execute and is_incremental() and oncall_analytics.command_writes_models()) -%}{{ return(false) }}{%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {%- if column not in columns -%}
        {{ exceptions.raise_compiler_error(this.identifier ~ " was built by an earlier version of the project (no " ~ column
            ~ " column): rebuild it once with `dbt build --full-refresh` and the vars it was built with"
            ~ " (on a schedule, run the README's daily line now: Upgrading).") }}
    {%- endif -%}
    {{ return(true) }}
{%- endmacro %}

{% macro command_writes_models() -%}
    {{ return(flags.WHICH in ['build', 'run', 'seed', 'snapshot']) }}
{%- endmacro %}

{% macro mixed_setting_ways_out(setting) -%}
    {{ return(" Run with the " ~ setting ~ " the warehouse was built with, rebuild it with `dbt build --full-refresh`, "
              ~ "or use another warehouse file (DBT_DUCKDB_PATH).") }}
{%- endmacro %}
