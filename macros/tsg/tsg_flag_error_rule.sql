{#-
  Step 3's HIGH_ERROR_RATE rule. The guide's query says error rate > 15 % with
  more than 500 requests; its prose says > 8 % with more than 1000. The var
  `tsg_flag_threshold_source` picks one of the two pairs ('sql', the default,
  or 'prose'); `tsg_flag_high_error_rate_pct` / `tsg_flag_high_error_min_requests`,
  when set, override either number. Returns {rate_pct, min_requests} as SQL numbers.
-#}
{% macro tsg_flag_error_rule() -%}
    {%- set presets = {'sql': {'rate_pct': 15, 'min_requests': 500}, 'prose': {'rate_pct': 8, 'min_requests': 1000}} -%}
    {%- set source = oncall_analytics.var_one_of('tsg_flag_threshold_source', ['sql', 'prose']) | replace("'", "") -%}
    {%- set preset = presets[source] -%}
    {%- set rate = preset.rate_pct | string if var('tsg_flag_high_error_rate_pct', none) is none
        else oncall_analytics.var_number('tsg_flag_high_error_rate_pct', 0, 100) -%}
    {%- set min_requests = preset.min_requests | string if var('tsg_flag_high_error_min_requests', none) is none
        else oncall_analytics.var_integer('tsg_flag_high_error_min_requests', 0) -%}
    {{ return({'rate_pct': rate, 'min_requests': min_requests}) }}
{%- endmacro %}
