{#-
  Typed readers for project vars. Each validates the value and fails at
  compile time with a message naming the var and the expected form, then
  returns SQL-safe text (a number, or a quoted literal). Models never put
  `var()` into SQL directly.
-#}

{% macro _var_error(name, value, expected) -%}
    {#- named as given: a var whose default is null takes null, but not an empty value (operator trial) -#}
    {%- set given = 'null' if value is none else ('an empty value' if value is string and value | trim == '' else none) -%}
    {%- set expected = expected ~ " (" ~ given ~ " is no value here, and does not fall back to the project's default: leave the var out of --vars for that)" if given else expected -%}
    {{ exceptions.raise_compiler_error("Invalid var '" ~ name ~ "': got " ~ oncall_analytics.shown_value(value) ~ "; expected " ~ expected ~ ". Pass it as --vars '{" ~ name ~ ": ...}'.") }}
{%- endmacro %}

{#- A value as an error message shows it: text in double quotes with
    backslashes, quotes and line breaks escaped (Jinja's tojson would show a
    quote as \u0027), anything else as JSON (null, 100, true, [3, 4]). -#}
{% macro shown_value(value) -%}
    {%- if value is not string -%}
        {{ return(value | tojson) }}
    {%- endif -%}
    {{ return('"' ~ (value | string | replace('\\', '\\\\') | replace('"', '\\"') | replace('\n', '\\n') | replace('\r', '\\r')) ~ '"') }}
{%- endmacro %}

{#- A required var, or a clear error when it is missing. -#}
{% macro required_var(name) -%}
    {%- set value = var(name, none) -%}
    {%- if value is none or (value is string and value | trim == '') -%}
        {{ oncall_analytics._var_error(name, value, "a value") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- A non-empty string var, returned as a quoted SQL literal. -#}
{% macro var_string_literal(name) -%}
    {%- set value = oncall_analytics.required_var(name) -%}
    {%- if value is not string -%}
        {{ oncall_analytics._var_error(name, value, "a string") }}
    {%- endif -%}
    {{ return(oncall_analytics.sql_literal(value | trim)) }}
{%- endmacro %}

{#- Parse a `YYYY-MM-DD HH:MM:SS[.ffffff]` var into a Python datetime, within
    the years 1900-2199: a real date outside them (0001, 9999) is a typo, and
    would fail deep in SQL or in pandas (whose timestamps end in 2262) once a
    window is moved by hours. -#}
{% macro var_datetime(name) -%}
    {%- set value = oncall_analytics.required_var(name) | string | trim -%}
    {%- set expected = "a UTC timestamp 'YYYY-MM-DD HH:MM:SS[.ffffff]' between 1900-01-01 00:00:00 and 2199-12-31 23:59:59" -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,6})?$', value) -%}
        {{ oncall_analytics._var_error(name, value, expected) }}
    {%- endif -%}
    {%- set normalised = value.replace('T', ' ') -%}
    {%- set fmt = '%Y-%m-%d %H:%M:%S.%f' if '.' in normalised else '%Y-%m-%d %H:%M:%S' -%}
    {%- if not oncall_analytics._is_valid_datetime(normalised) -%}
        {{ oncall_analytics._var_error(name, value, expected ~ " that is a real date and time") }}
    {%- endif -%}
    {%- if (normalised[:4] | int) < 1900 or (normalised[:4] | int) > 2199 -%}
        {{ oncall_analytics._var_error(name, value, expected) }}
    {%- endif -%}
    {{ return(modules.datetime.datetime.strptime(normalised, fmt)) }}
{%- endmacro %}

{% macro _is_valid_datetime(text) -%}
    {#- strptime raises on 2023-02-30; Jinja cannot catch, so check the fields. -#}
    {%- set parts = modules.re.match('^([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})', text) -%}
    {%- set y, m, d = parts.group(1) | int, parts.group(2) | int, parts.group(3) | int -%}
    {%- set hh, mm, ss = parts.group(4) | int, parts.group(5) | int, parts.group(6) | int -%}
    {%- if m < 1 or m > 12 or d < 1 or hh > 23 or mm > 59 or ss > 59 -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set leap = (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 -%}
    {%- set days_in_month = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] -%}
    {{ return(d <= days_in_month[m - 1]) }}
{%- endmacro %}

{#- A timestamp var as a SQL timestamp literal. -#}
{% macro var_timestamp(name) -%}
    {{ return(oncall_analytics.timestamp_literal(oncall_analytics.var_datetime(name))) }}
{%- endmacro %}

{#- Fail unless the window [start_name, end_name] is ordered. -#}
{% macro assert_var_window(start_name, end_name) -%}
    {%- set window_start = oncall_analytics.var_datetime(start_name) -%}
    {%- set window_end = oncall_analytics.var_datetime(end_name) -%}
    {%- if window_start > window_end -%}
        {{ exceptions.raise_compiler_error("Invalid vars: '" ~ start_name ~ "' (" ~ window_start ~ ") is after '" ~ end_name ~ "' (" ~ window_end ~ "); the window must start before it ends.") }}
    {%- endif -%}
{%- endmacro %}

{#- Fail unless the number var `name` (SQL number text `value`, as var_number
    returned it) is at most the var `upper_name` (`upper_value`); `why` says
    what an inverted pair would silently do. -#}
{% macro assert_var_at_most(name, value, upper_name, upper_value, why) -%}
    {%- if value | float > upper_value | float -%}
        {{ oncall_analytics._var_error(name, value, "a number at most " ~ upper_name ~ " (" ~ upper_value ~ "): " ~ why) }}
    {%- endif -%}
{%- endmacro %}

{#- A numeric var within [min_value, max_value], returned as SQL number text.
    Every number must also be finite and at most 1e15 in size (a var with no
    upper bound of its own included): '1e400' reads as infinity and a huge
    integer overflows the SQL it lands in. -#}
{% macro var_number(name, min_value=none, max_value=none, integer=false, exclusive=false) -%}
    {%- set value = oncall_analytics.required_var(name) -%}
    {%- set kind = oncall_analytics._number_kind(min_value, max_value, integer, exclusive) -%}
    {%- set number = oncall_analytics._parse_number(name, value, kind, integer) -%}
    {%- if (min_value is not none and (number < min_value or (exclusive and number == min_value)))
          or (max_value is not none and (number > max_value or (exclusive and number == max_value))) -%}
        {{ oncall_analytics._var_error(name, value, kind) }}
    {%- endif -%}
    {{ return(number | string) }}
{%- endmacro %}

{#- How the error names a var's accepted numbers. -#}
{% macro _number_kind(min_value, max_value, integer, exclusive=false) -%}
    {%- set kind = "an integer" if integer else "a number" -%}
    {%- set low, high = ("> ", "< ") if exclusive else (">= ", "<= ") -%}
    {%- set bounds = (" " ~ low ~ min_value if min_value is not none else "") ~ (" and" if min_value is not none and max_value is not none else "") ~ (" " ~ high ~ max_value if max_value is not none else "") -%}
    {{ return(kind ~ bounds ~ " (finite, at most 1e15 in size)") }}
{%- endmacro %}

{#- One number of a var (or of a list var), parsed: plain decimal text, finite,
    at most 1e15 in size; `expected` is the error's accepted form. -#}
{% macro _parse_number(name, value, expected, integer=false, item=none) -%}
    {%- set raw = value if item is none else item -%}
    {%- set text = raw | string | trim -%}
    {%- set pattern = '^-?[0-9]+$' if integer else '^-?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?$' -%}
    {%- if raw is boolean or not modules.re.match(pattern, text) -%}
        {{ oncall_analytics._var_error(name, value, expected) }}
    {%- endif -%}
    {%- set number = text | int if integer else text | float -%}
    {%- if (number | string) in ['inf', '-inf', 'nan'] or number > 1e15 or number < -1e15 -%}
        {{ oncall_analytics._var_error(name, value, expected) }}
    {%- endif -%}
    {{ return(number) }}
{%- endmacro %}

{% macro var_integer(name, min_value=none, max_value=none) -%}
    {{ return(oncall_analytics.var_number(name, min_value, max_value, integer=true)) }}
{%- endmacro %}
