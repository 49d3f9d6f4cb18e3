{#- One side of equals_expected: the compared columns, optionally cast to the
    expected types, floats rounded. -#}
{% macro equals_expected_select(relation, columns, cast_to_expected, float_decimals) %}
    select
    {%- for column in columns %}
        {%- set quoted = adapter.quote(column.name) %}
        {%- set expr = "cast(" ~ quoted ~ " as " ~ column.data_type ~ ")" if cast_to_expected else quoted %}
        {%- if column.is_float() or column.is_numeric() %}
        round(cast({{ expr }} as double), {{ float_decimals }}) as {{ quoted }}
        {%- else %}
        {{ expr }} as {{ quoted }}
        {%- endif %}{{ "," if not loop.last }}
    {%- endfor %}
    from {{ relation }}
{% endmacro %}
