{#-
  Every check of a declared log, as [condition_sql, reason] pairs for
  quarantine_reason, in contract column order, duplicates last. The one
  wording of every reason (README, "Bad input"):
    <column> is missing                  required, empty or absent
    <column> is not an integer | a number | a boolean | a timestamp
    <column> is not finite               NaN or an infinity
    <column> is below <min> | is above <max>
    <column> is not one of A, B, C
    <column> is too far in the past (accepted_time_floor)
    <column> is too far in the future (accepted_time_max_hours_ahead)
    <column> is not on the hour          grain: hour
    <column> is before <other column>    not_before
    <key columns> repeated with different values
    exact duplicate of another row
  Runs over the `typed` step of a base model: staged columns by their staged
  names, raw values as raw_<column>. Where a value parsed (almost every row)
  a CASE on it settles the check; the raw text is only looked at where the
  staged value is null, which at log scale is most of what staging saves.
-#}
{% macro staging_checks(log) -%}
    {%- set checks = [] -%}
    {%- set time_range = oncall_analytics.accepted_time_range() -%}
    {%- for column in log.columns -%}
        {%- set label = column.name -%}
        {%- set value = column.staged_as -%}
        {%- set raw_text = oncall_analytics.clean_text('raw_' ~ column.name) -%}
        {%- if column.type == 'text' -%}
            {%- if column.required -%}
                {%- do checks.append([value ~ ' is null', label ~ ' is missing']) -%}
            {%- endif -%}
        {%- elif column.type == 'boolean' and column.empty_means is not none -%}
            {#- never null once staged: the raw text tells an invalid value from an empty one -#}
            {%- do checks.append([oncall_analytics.is_invalid_boolean('raw_' ~ column.name), label ~ ' is not a boolean']) -%}
        {%- else -%}
            {%- set what = {'boolean': 'a boolean', 'integer': 'an integer', 'bigint': 'an integer', 'double': 'a number',
                            'timestamp': 'a timestamp'}[column.type] -%}
            {#- a typed raw column has no empty text: absent is null (and the SQL stays short) -#}
            {%- set raw_is_text = oncall_analytics.raw_type_class((log.raw_types.get(column.name | lower) or '') | lower) == 'text' -%}
            {%- set raw_present = raw_text ~ ' is not null' if raw_is_text else 'raw_' ~ column.name ~ ' is not null' -%}
            {%- if column.required -%}
                {%- do checks.append(['case when ' ~ value ~ ' is null then not (' ~ raw_present ~ ') else false end', label ~ ' is missing']) -%}
            {%- endif -%}
            {%- if column.type == 'double' -%}
                {%- set not_finite = oncall_analytics.is_not_finite('raw_' ~ column.name) -%}
                {%- do checks.append(['case when ' ~ value ~ ' is null then ' ~ raw_present ~ ' and not ' ~ not_finite ~ ' else false end', label ~ ' is not ' ~ what]) -%}
                {%- do checks.append(['case when ' ~ value ~ ' is null then ' ~ not_finite ~ ' else false end', label ~ ' is not finite']) -%}
            {%- else -%}
                {%- do checks.append(['case when ' ~ value ~ ' is null then ' ~ raw_present ~ ' else false end', label ~ ' is not ' ~ what]) -%}
            {%- endif -%}
        {%- endif -%}
        {%- if column.accepted_values -%}
            {%- set literals = [] -%}
            {%- for accepted in column.accepted_values -%}{%- do literals.append(oncall_analytics.sql_literal(accepted)) -%}{%- endfor -%}
            {%- do checks.append([value ~ ' not in (' ~ literals | join(', ') ~ ')', label ~ ' is not one of ' ~ column.accepted_values | join(', ')]) -%}
        {%- endif -%}
        {%- if column.min_value is not none -%}
            {%- do checks.append([value ~ ' < ' ~ oncall_analytics.declared_number(column.min_value, log, column), label ~ ' is below ' ~ column.min_value]) -%}
        {%- endif -%}
        {%- if column.max_value is not none -%}
            {%- do checks.append([value ~ ' > ' ~ oncall_analytics.declared_number(column.max_value, log, column), label ~ ' is above ' ~ column.max_value]) -%}
        {%- endif -%}
        {%- if column.type == 'timestamp' -%}
            {%- do checks.append([value ~ ' < ' ~ time_range.floor, label ~ ' is too far in the past (accepted_time_floor)']) -%}
            {%- do checks.append([value ~ ' > ' ~ time_range.horizon, label ~ ' ' ~ oncall_analytics.too_far_in_the_future_reason()]) -%}
            {%- if column.grain == 'hour' -%}
                {%- do checks.append([value ~ ' != ' ~ dbt.date_trunc('hour', value), label ~ ' is not on the hour']) -%}
            {%- endif -%}
        {%- endif -%}
        {%- if column.not_before -%}
            {%- set other = oncall_analytics.staging_column(log, column.not_before) -%}
            {%- do checks.append([value ~ ' < ' ~ other.staged_as, label ~ ' is before ' ~ other.name]) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(checks + oncall_analytics.duplicate_checks(log)) }}
{%- endmacro %}

{#- A declared bound as SQL number text; anything else is an error in the declaration. -#}
{% macro declared_number(value, log, column) -%}
    {%- if value is boolean or not modules.re.match('^-?[0-9]+([.][0-9]+)?$', value | string) -%}
        {{ exceptions.raise_compiler_error("Invalid bound " ~ oncall_analytics.shown_value(value) ~ " declared on seed " ~ log.table ~ ", column " ~ column.name ~ ": expected a plain number") }}
    {%- endif -%}
    {{ return(value | string) }}
{%- endmacro %}

{#- The text of the one reason for a timestamp later than the accepted range
    (incremental_log_slice reloads the keys of such rows: they may be
    accepted by a later run). -#}
{% macro too_far_in_the_future_reason() -%}
    {{ return('is too far in the future (accepted_time_max_hours_ahead)') }}
{%- endmacro %}
