{#- A time-zone-aware timestamp (a Parquet TIMESTAMP WITH TIME ZONE, or
    text with an offset cast to one) as the naive UTC timestamp the project
    stores. DuckDB: timezone('UTC', ...), which does not depend on the
    session's TimeZone (a plain cast does: it gives local wall-clock time).
    Spark has no zoned type: its timestamps are instants shown in the
    session time zone, which the profile pins to UTC. -#}
{% macro timestamp_at_utc(expr) -%}
    {{ return(adapter.dispatch('timestamp_at_utc', 'oncall_analytics')(expr)) }}
{%- endmacro %}

{% macro default__timestamp_at_utc(expr) -%}
    {{ expr }}
{%- endmacro %}

{% macro duckdb__timestamp_at_utc(expr) -%}
    timezone('UTC', {{ expr }})
{%- endmacro %}

{#- Text with a UTC offset or `Z` (ISO 8601) as a naive UTC timestamp. -#}
{% macro offset_text_to_utc(text) -%}
    {{ return(adapter.dispatch('offset_text_to_utc', 'oncall_analytics')(text)) }}
{%- endmacro %}

{#- Spark: the cast applies the offset and the session time zone is UTC. -#}
{% macro default__offset_text_to_utc(text) -%}
    {{ oncall_analytics.try_cast(text, dbt.type_timestamp()) }}
{%- endmacro %}

{#- DuckDB: a cast to TIMESTAMP would drop the offset; TIMESTAMPTZ applies it. -#}
{% macro duckdb__offset_text_to_utc(text) -%}
    timezone('UTC', try_cast({{ text }} as timestamptz))
{%- endmacro %}

{#- Microseconds since 1970-01-01 UTC (a big integer) as a naive UTC
    timestamp; null outside years 1-9999 rather than an error. -#}
{% macro timestamp_from_epoch_us(expr) -%}
    {{ return(adapter.dispatch('timestamp_from_epoch_us', 'oncall_analytics')(expr)) }}
{%- endmacro %}

{% macro default__timestamp_from_epoch_us(expr) -%}
    case when {{ expr }} between -62135596800000000 and 253402300799999999 then timestamp_micros({{ expr }}) end
{%- endmacro %}

{% macro duckdb__timestamp_from_epoch_us(expr) -%}
    case when {{ expr }} between -62135596800000000 and 253402300799999999 then make_timestamp({{ expr }}) end
{%- endmacro %}
