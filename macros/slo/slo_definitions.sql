{#-
  The SLOs as code: the `slos` var (dbt_project.yml, shaped after OpenSLO)
  read, validated and normalised. Every model that needs an SLO's fields
  calls slo_definitions(); a malformed definition fails at compile time with
  the SLO's name and the field. Names, services and filter values reach SQL
  only through sql_literal; numbers only after they parsed as numbers.
-#}

{#- The event sources an SLI can count, and the filter keys each accepts. -#}
{% macro slo_sources() -%}
    {{ return({
        'gateway_requests': ['environment', 'region'],
        'function_invocations': [],
    }) }}
{%- endmacro %}

{#- What an SLO counts, as SQL over its source's staging model (columns of
    stg_gateway__api_gateway_logs or stg_serverless__function_invocations)
    and as text for people: {total_sql, good_sql, total_text, good_text}.
    A total event is a row of the SLO's scope; a good one also meets the SLI. -#}
{% macro slo_event_predicates(slo) -%}
    {%- if slo.event_source == 'gateway_requests' -%}
        {%- set scope = ['not is_test_traffic', 'service_name = ' ~ oncall_analytics.sql_literal(slo.service)] -%}
        {%- set scope_words = ["real (not test) requests of " ~ slo.service] -%}
        {%- for key in ['environment', 'region'] if slo[key] is not none -%}
            {%- do scope.append(key ~ ' = ' ~ oncall_analytics.sql_literal(slo[key])) -%}
            {#- a list, not `set` in the loop: Jinja's loop scope dropped the filters from the words -#}
            {%- do scope_words.append(key ~ " " ~ slo[key]) -%}
        {%- endfor -%}
        {%- set scope_text = scope_words | join(", ") -%}
        {%- set good_sql = 'status_code < 500' if slo.sli_kind == 'availability' else 'latency_ms < ' ~ slo.latency_threshold_ms -%}
        {%- set good_text = 'no 5xx status' if slo.sli_kind == 'availability' else 'latency_ms < ' ~ slo.latency_threshold_ms -%}
    {%- else -%}
        {%- set scope = ['function_name = ' ~ oncall_analytics.sql_literal(slo.service)] -%}
        {%- set scope_text = "invocations of " ~ slo.service -%}
        {%- set good_sql = 'not is_error' if slo.sli_kind == 'availability' else 'duration_ms < ' ~ slo.latency_threshold_ms -%}
        {%- set good_text = 'status not ERROR' if slo.sli_kind == 'availability' else 'duration_ms < ' ~ slo.latency_threshold_ms -%}
    {%- endif -%}
    {%- set total_sql = '(' ~ scope | join(' and ') ~ ')' -%}
    {{ return({
        'total_sql': total_sql,
        'good_sql': '(' ~ total_sql ~ ' and coalesce(' ~ good_sql ~ ', false))',
        'total_text': scope_text,
        'good_text': good_text,
    }) }}
{%- endmacro %}

{% macro _slo_error(slo_name, field, value, expected) -%}
    {%- set shown = 'missing' if value is none else 'is ' ~ oncall_analytics.shown_value(value) -%}
    {{ exceptions.raise_compiler_error("Invalid SLO '" ~ slo_name ~ "' in var 'slos': field '" ~ field ~ "' " ~ shown ~ "; expected " ~ expected ~ ".") }}
{%- endmacro %}

{#- A duration `<n>m|h|d|w` (OpenSLO style: 5m, 1h, 28d, 4w) in minutes, or
    none when it is not one, not a positive multiple of the 5-minute bucket
    or longer than a year (366 days). -#}
{% macro slo_duration_minutes(value) -%}
    {%- set parsed = modules.re.match('^([0-9]{1,9})([mhdw])$', value | trim) if value is string else none -%}
    {%- if parsed is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set minutes = (parsed.group(1) | int) * {'m': 1, 'h': 60, 'd': 1440, 'w': 10080}[parsed.group(2)] -%}
    {#- at most a year (366 days), as the lookback vars -#}
    {{ return(minutes if 0 < minutes <= 527040 and minutes % 5 == 0 else none) }}
{%- endmacro %}

{#- A number strictly within (low, high) (high none: at most 1e15, as every
    number var) as SQL number text, or none: plain ASCII decimal text, finite
    (1e400 would read as infinity). -#}
{% macro _slo_number(value, low, high) -%}
    {%- set text = value | string | trim -%}
    {%- if value is boolean or value is none or not modules.re.match('^([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]+)?$', text) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set number = text | float -%}
    {{ return(text if number > low and number <= 1e15 and (high is none or number < high) else none) }}
{%- endmacro %}

{#- The validated SLOs: a list of mappings with
    name, service, description, sli_kind, event_source, environment, region
    (none when unfiltered), latency_threshold_ms (none for availability),
    objective_pct (number text), time_window (as written) and
    time_window_minutes. -#}
{% macro slo_definitions() -%}
    {%- set value = var('slos', none) -%}
    {%- if value is none or value is string or value is mapping or value is not iterable or value | length == 0 -%}
        {{ oncall_analytics._var_error('slos', value, "a non-empty list of SLO definitions (see the slo_vars docs)") }}
    {%- endif -%}
    {%- set sources = oncall_analytics.slo_sources() -%}
    {%- set allowed_fields = ['name', 'service', 'description', 'indicator', 'objective_pct', 'time_window'] -%}
    {%- set slos = [] -%}
    {%- set seen = [] -%}
    {%- for item in value -%}
        {%- set position = 'number ' ~ loop.index -%}
        {%- if item is not mapping -%}
            {{ oncall_analytics._var_error('slos', item, "each SLO to be a mapping (SLO " ~ position ~ ")") }}
        {%- endif -%}
        {%- set name = item.get('name') -%}
        {#- \Z, not $: $ also matches before a final line break ("gw_avail\n") -#}
        {%- if name is not string or not modules.re.match('^[a-z][a-z0-9_]*\\Z', name) -%}
            {{ oncall_analytics._slo_error(position, 'name', name, "a lower-case identifier (letters, digits, _), unique") }}
        {%- endif -%}
        {%- if name in seen -%}
            {{ oncall_analytics._slo_error(name, 'name', name, "a name no other SLO has") }}
        {%- endif -%}
        {%- do seen.append(name) -%}
        {%- for field in item -%}
            {%- if field not in allowed_fields -%}
                {{ oncall_analytics._slo_error(name, field, item[field], "no such field (known: " ~ allowed_fields | join(', ') ~ ")") }}
            {%- endif -%}
        {%- endfor -%}
        {%- for field in ['service', 'indicator', 'objective_pct', 'time_window'] -%}
            {%- if item.get(field) is none -%}
                {{ oncall_analytics._slo_error(name, field, none, "a value (the field is required)") }}
            {%- endif -%}
        {%- endfor -%}
        {%- set service = item['service'] -%}
        {%- if service is not string or service | trim == '' -%}
            {{ oncall_analytics._slo_error(name, 'service', service, "a non-empty service name") }}
        {%- endif -%}
        {%- set description = item.get('description', '') -%}
        {%- if description is not string -%}
            {{ oncall_analytics._slo_error(name, 'description', description, "text") }}
        {%- endif -%}
        {%- set indicator = item['indicator'] -%}
        {%- if indicator is not mapping -%}
            {{ oncall_analytics._slo_error(name, 'indicator', indicator, "a mapping with kind, source, and threshold_ms for latency") }}
        {%- endif -%}
        {%- for field in indicator -%}
            {%- if field not in ['kind', 'source', 'filter', 'threshold_ms'] -%}
                {{ oncall_analytics._slo_error(name, 'indicator.' ~ field, indicator[field], "no such field (known: kind, source, filter, threshold_ms)") }}
            {%- endif -%}
        {%- endfor -%}
        {%- set kind = indicator.get('kind') -%}
        {%- if kind not in ['availability', 'latency'] -%}
            {{ oncall_analytics._slo_error(name, 'indicator.kind', kind, "availability or latency") }}
        {%- endif -%}
        {%- set source = indicator.get('source') -%}
        {%- if source is not string or source not in sources -%}
            {{ oncall_analytics._slo_error(name, 'indicator.source', source, "one of " ~ (sources.keys() | sort | join(', '))) }}
        {%- endif -%}
        {%- set threshold = indicator.get('threshold_ms') -%}
        {%- if kind == 'latency' -%}
            {%- if oncall_analytics._slo_number(threshold, 0, none) is none -%}
                {{ oncall_analytics._slo_error(name, 'indicator.threshold_ms', threshold, "a latency in ms > 0 (required for kind latency)") }}
            {%- endif -%}
            {%- set threshold = oncall_analytics._slo_number(threshold, 0, none) -%}
        {%- elif threshold is not none -%}
            {{ oncall_analytics._slo_error(name, 'indicator.threshold_ms', threshold, "nothing: only a latency SLI has a threshold") }}
        {%- endif -%}
        {#- absent or null: no filter; anything else must be a mapping ([] or '' would read as none) -#}
        {%- set filter = indicator.get('filter') if indicator.get('filter') is not none else {} -%}
        {%- if filter is not mapping -%}
            {{ oncall_analytics._slo_error(name, 'indicator.filter', filter, "a mapping of column to value") }}
        {%- endif -%}
        {%- for key in filter -%}
            {%- if key not in sources[source] -%}
                {{ oncall_analytics._slo_error(name, 'indicator.filter.' ~ key, filter[key], "no such filter for source " ~ source ~ " (known: " ~ (sources[source] | join(', ') or 'none') ~ ")") }}
            {%- endif -%}
            {%- if filter[key] is not string or filter[key] | trim == '' -%}
                {{ oncall_analytics._slo_error(name, 'indicator.filter.' ~ key, filter[key], "a non-empty text value") }}
            {%- endif -%}
        {%- endfor -%}
        {%- set objective = oncall_analytics._slo_number(item['objective_pct'], 0, 100) -%}
        {%- if objective is none -%}
            {{ oncall_analytics._slo_error(name, 'objective_pct', item['objective_pct'], "a percentage strictly between 0 and 100, e.g. 99.9") }}
        {%- endif -%}
        {%- set window_minutes = oncall_analytics.slo_duration_minutes(item['time_window']) -%}
        {%- if window_minutes is none -%}
            {{ oncall_analytics._slo_error(name, 'time_window', item['time_window'], "a rolling window <n>m, <n>h, <n>d or <n>w, a positive multiple of 5 minutes, at most 366d, e.g. 28d") }}
        {%- endif -%}
        {#- filter values lower-cased as staging writes both columns (case: lower): PROD counts prod's requests -#}
        {%- do slos.append({
            'name': name,
            'service': service | trim,
            'description': description | trim,
            'sli_kind': kind,
            'event_source': source,
            'environment': (filter.get('environment') | trim | lower) if filter.get('environment') is not none else none,
            'region': (filter.get('region') | trim | lower) if filter.get('region') is not none else none,
            'latency_threshold_ms': threshold,
            'objective_pct': objective,
            'time_window': item['time_window'] | trim,
            'time_window_minutes': window_minutes,
        }) -%}
    {%- endfor -%}
    {{ return(slos) }}
{%- endmacro %}
