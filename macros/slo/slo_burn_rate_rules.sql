{#-
  The multi-window, multi-burn-rate alert rules (the `slo_burn_rate_rules`
  var), validated: a rule fires at a 5-minute step when the burn rates over
  its long and its short window both exceed its threshold, and its long
  window holds at least min_bad_events bad events (optional, default 1).
  keep_firing_for (optional, none by default) keeps an alert firing that
  long after the rule stops holding, as Prometheus's keep_firing_for: a
  rule that holds again meanwhile goes on the same alert. Fails at compile
  time naming the rule and the field.
-#}
{% macro slo_burn_rate_rules() -%}
    {%- set value = var('slo_burn_rate_rules', none) -%}
    {%- if value is none or value is string or value is mapping or value is not iterable or value | length == 0 -%}
        {{ oncall_analytics._var_error('slo_burn_rate_rules', value, "a non-empty list of rules {name, severity, long_window, short_window, burn_rate_threshold, min_bad_events and keep_firing_for (optional)}") }}
    {%- endif -%}
    {%- set required_fields = ['name', 'severity', 'long_window', 'short_window', 'burn_rate_threshold'] -%}
    {%- set allowed_fields = required_fields + ['min_bad_events', 'keep_firing_for'] -%}
    {%- set rules = [] -%}
    {%- set seen = [] -%}
    {%- for item in value -%}
        {%- set name = item.get('name') if item is mapping else none -%}
        {%- if name is not string or not modules.re.match('^[a-z][a-z0-9_]*\\Z', name) or name in seen -%}
            {{ oncall_analytics._var_error('slo_burn_rate_rules', item, "each rule to be a mapping with a unique lower-case identifier as its name (rule " ~ loop.index ~ ")") }}
        {%- endif -%}
        {%- do seen.append(name) -%}
        {%- for field in required_fields -%}
            {%- if item.get(field) is none -%}
                {{ oncall_analytics._slo_rule_error(name, field, none, "a value (the field is required)") }}
            {%- endif -%}
        {%- endfor -%}
        {%- for field in item -%}
            {%- if field not in allowed_fields -%}
                {{ oncall_analytics._slo_rule_error(name, field, item[field], "no such field (known: " ~ allowed_fields | join(', ') ~ ")") }}
            {%- endif -%}
        {%- endfor -%}
        {%- if item['severity'] not in ['page', 'ticket'] -%}
            {{ oncall_analytics._slo_rule_error(name, 'severity', item['severity'], "page or ticket") }}
        {%- endif -%}
        {%- set window_form = "a window <n>m, <n>h, <n>d or <n>w, a positive multiple of 5 minutes, at most 366d" -%}
        {%- set long_minutes = oncall_analytics.slo_duration_minutes(item['long_window']) -%}
        {%- if long_minutes is none -%}
            {{ oncall_analytics._slo_rule_error(name, 'long_window', item['long_window'], window_form) }}
        {%- endif -%}
        {%- set short_minutes = oncall_analytics.slo_duration_minutes(item['short_window']) -%}
        {%- if short_minutes is none or short_minutes >= long_minutes -%}
            {{ oncall_analytics._slo_rule_error(name, 'short_window', item['short_window'], window_form ~ ", shorter than long_window") }}
        {%- endif -%}
        {%- set threshold = oncall_analytics._slo_number(item['burn_rate_threshold'], 0, none) -%}
        {%- if threshold is none -%}
            {{ oncall_analytics._slo_rule_error(name, 'burn_rate_threshold', item['burn_rate_threshold'], "a burn rate > 0, e.g. 14.4") }}
        {%- endif -%}
        {%- set min_bad_events = 1 if item.get('min_bad_events') is none else item['min_bad_events'] -%}
        {%- if min_bad_events is boolean or not modules.re.match('^[0-9]{1,9}\\Z', min_bad_events | string | trim)
            or (min_bad_events | string | trim | int) < 1 -%}
            {{ oncall_analytics._slo_rule_error(name, 'min_bad_events', item.get('min_bad_events'), "a whole number of bad events >= 1 (optional, default 1)") }}
        {%- endif -%}
        {%- set keep_firing_for = item.get('keep_firing_for') -%}
        {%- set keep_firing_minutes = 0 if keep_firing_for is none else oncall_analytics.slo_duration_minutes(keep_firing_for) -%}
        {%- if keep_firing_minutes is none -%}
            {{ oncall_analytics._slo_rule_error(name, 'keep_firing_for', keep_firing_for, window_form ~ " (optional, none by default)") }}
        {%- endif -%}
        {%- do rules.append({
            'name': name,
            'severity': item['severity'],
            'long_window': item['long_window'] | trim,
            'long_window_minutes': long_minutes,
            'short_window': item['short_window'] | trim,
            'short_window_minutes': short_minutes,
            'burn_rate_threshold': threshold,
            'min_bad_events': min_bad_events | string | trim | int,
            'keep_firing_minutes': keep_firing_minutes,
        }) -%}
    {%- endfor -%}
    {{ return(rules) }}
{%- endmacro %}

{% macro _slo_rule_error(rule_name, field, value, expected) -%}
    {%- set shown = 'missing' if value is none else 'is ' ~ oncall_analytics.shown_value(value) -%}
    {{ exceptions.raise_compiler_error("Invalid rule '" ~ rule_name ~ "' in var 'slo_burn_rate_rules': field '" ~ field ~ "' " ~ shown ~ "; expected " ~ expected ~ ".") }}
{%- endmacro %}

{#- The window of slo_status's current burn rate (`slo_status_burn_rate_window`), in minutes. -#}
{% macro slo_status_burn_rate_window_minutes() -%}
    {%- set value = var('slo_status_burn_rate_window', none) -%}
    {%- set minutes = oncall_analytics.slo_duration_minutes(value) -%}
    {%- if minutes is none -%}
        {{ oncall_analytics._var_error('slo_status_burn_rate_window', value, "a window <n>m, <n>h, <n>d or <n>w, a positive multiple of 5 minutes, at most 366d, e.g. 1h") }}
    {%- endif -%}
    {{ return(minutes) }}
{%- endmacro %}
