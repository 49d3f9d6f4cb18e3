{#- True when the log (its first bucket) reaches back over the whole window
    ending at evaluated_at: before, a window holds fewer hours than it is
    named for. slo_status's is_full_window and the alerts' long windows. -#}
{% macro slo_log_covers_window(evaluated_at, window_minutes, first_bucket_start) -%}
    {{ oncall_analytics.epoch_seconds(evaluated_at) }} - {{ window_minutes }} * 60
    >= {{ oncall_analytics.epoch_seconds(first_bucket_start) }}
{%- endmacro %}
