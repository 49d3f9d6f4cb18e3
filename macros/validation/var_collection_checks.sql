{#-
  Typed readers for vars that hold several values (detection, issue 4). Like
  the readers in var_checks.sql they fail at compile time naming the var and
  the expected form.
-#}

{#- A non-empty list of numbers (YAML list or "3,4,5"), each within bounds;
    returned as a list of SQL number texts, sorted and without repeats. -#}
{% macro var_number_list(name, min_value=none, max_value=none, integer=false) -%}
    {%- set value = oncall_analytics.required_var(name) -%}
    {%- set kind = "a non-empty list of " ~ ("integers" if integer else "numbers") ~ (" >= " ~ min_value if min_value is not none else "") ~ (" <= " ~ max_value if max_value is not none else "") ~ " (finite, at most 1e15 in size)" -%}
    {%- set items = value.split(',') if value is string else value -%}
    {%- if items is string or items is mapping or items is not iterable or items | length == 0 -%}
        {{ oncall_analytics._var_error(name, value, kind) }}
    {%- endif -%}
    {%- set numbers = [] -%}
    {%- for item in items -%}
        {%- set number = oncall_analytics._parse_number(name, value, kind, integer, item) -%}
        {%- if (min_value is not none and number < min_value) or (max_value is not none and number > max_value) -%}
            {{ oncall_analytics._var_error(name, value, kind) }}
        {%- endif -%}
        {%- if number not in numbers -%}{%- do numbers.append(number) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(numbers | sort | map('string') | list) }}
{%- endmacro %}

{#- A mapping integer key -> positive weight (YAML mapping or "1:50,2:50");
    returned as a list of [key, weight] SQL number texts, sorted by key. -#}
{% macro var_weight_map(name) -%}
    {%- set value = oncall_analytics.required_var(name) -%}
    {%- set kind = "a non-empty mapping of integer keys to positive weights, e.g. {1: 50, 2: 50} or '1:50,2:50'" -%}
    {%- set pairs = [] -%}
    {%- if value is mapping -%}
        {%- for key, weight in value.items() -%}{%- do pairs.append([key | string | trim, weight | string | trim]) -%}{%- endfor -%}
    {%- elif value is string -%}
        {%- for item in value.split(',') -%}
            {%- set parts = item.split(':') -%}
            {%- if parts | length != 2 -%}{{ oncall_analytics._var_error(name, value, kind) }}{%- endif -%}
            {%- do pairs.append([parts[0] | trim, parts[1] | trim]) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if pairs | length == 0 -%}
        {{ oncall_analytics._var_error(name, value, kind) }}
    {%- endif -%}
    {%- set parsed = [] -%}
    {%- set seen = [] -%}
    {%- for key, weight in pairs -%}
        {%- if not modules.re.match('^-?[0-9]+$', key) or key | int in seen or not modules.re.match('^([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?$', weight)
            or weight | float <= 0 or weight | float > 1e15 or (key | int) | abs > 1e15 -%}
            {{ oncall_analytics._var_error(name, value, kind) }}
        {%- endif -%}
        {%- do seen.append(key | int) -%}
        {%- do parsed.append([key | int, weight | float]) -%}
    {%- endfor -%}
    {%- set result = [] -%}
    {%- for key, weight in parsed | sort(attribute='0') -%}
        {%- do result.append([key | string, weight | string]) -%}
    {%- endfor -%}
    {{ return(result) }}
{%- endmacro %}
