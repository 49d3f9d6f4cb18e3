{#- A var that is an IANA time zone name of the tz database (Europe/Berlin,
    America/New_York, UTC), returned as written: the robust detector's daily
    and weekly profiles follow that clock. Checked against pytz's list (dbt's
    `modules.pytz`), the names the package's zoneinfo reads too. -#}
{% macro var_time_zone(name) -%}
    {%- set value = oncall_analytics.required_var(name) -%}
    {%- if value is not string or value not in modules.pytz.all_timezones -%}
        {{ oncall_analytics._var_error(name, value,
             "an IANA time zone name as the tz database spells it, e.g. UTC, Europe/Berlin or America/New_York") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}
