{#-
  Generic test on int_function_invocations__canary_window, severity warn:
  when the run's --vars name the canary (canary_function_name or its window)
  and the window holds no invocation of that function, canary_version_comparison
  and the canary SRM check answer with no row, and the build passed silently
  (operator trial: a function name the log did not hold). It warns, naming
  the functions that did run in the window (a typo shows), or the log's first
  and last invocation when none did. The shipped canary, or vars left at their
  defaults on one's own logs (no canary asked for), say nothing.
-#}
{% test canary_window_has_invocations(model, invocations) %}
{{ config(severity='warn') }}
{%- set canary_vars = ['canary_function_name', 'canary_window_start', 'canary_window_end'] -%}
{%- set asked = canary_vars | select('in', oncall_analytics.given_vars()) | list | length > 0 -%}
{%- set window_start = oncall_analytics.var_timestamp('canary_window_start') -%}
{%- set window_end = oncall_analytics.var_timestamp('canary_window_end') -%}
{%- if execute and asked and adapter.get_relation(model.database, model.schema, model.identifier) is not none -%}
    {%- if run_query('select count(*) from ' ~ model).rows[0][0] == 0 -%}
        {%- set running = run_query(
            'select function_name, count(*) from ' ~ invocations ~ ' where start_timestamp >= ' ~ window_start
            ~ ' and start_timestamp <= ' ~ window_end ~ ' group by function_name order by 2 desc, 1 limit 5').rows -%}
        {%- set listed = [] -%}
        {%- for name, count in running -%}{%- do listed.append("'" ~ name ~ "' (" ~ count ~ ")") -%}{%- endfor -%}
        {%- set span = run_query('select min(start_timestamp), max(start_timestamp) from ' ~ invocations).rows[0] -%}
        {%- do exceptions.warn("canary: no invocation of '" ~ (var('canary_function_name') | string | trim) ~ "'"
            ~ " started between " ~ var('canary_window_start') ~ " and " ~ var('canary_window_end')
            ~ ", so canary_version_comparison has no row. "
            ~ ("Functions invoked then: " ~ listed | join(', ') ~ "." if listed else
               "No function was invoked then: the log's invocations run from " ~ span[0] ~ " to " ~ span[1] ~ ".")
            ~ " Check canary_function_name and the window.") -%}
    {%- endif -%}
{%- endif %}

with window_invocations as (
    select count(*) as invocation_count from {{ model }}
)

select invocation_count from window_invocations
where invocation_count = 0 and {{ 'true' if asked else 'false' }}
{% endtest %}
