{#- The contract's boolean spellings (true/false, 1/0, any case) as a boolean;
    empty -> null. 1.0 and 0.0 too: pandas writes a 0/1 column with an empty
    value as float64, read as that text when other files hold the column as
    text or booleans (as an integer's `2.0`). Anything else is also null
    here and is caught by `is_invalid_boolean`, so the row can be
    quarantined with a reason. -#}
{% macro normalise_boolean(column) -%}
    {{ oncall_analytics.boolean_from_text(oncall_analytics.clean_text(column)) }}
{%- endmacro %}

{#- The boolean a text spells (the contract's spellings, lower-cased here),
    null for anything else: normalise_boolean on clean_text, and
    mark_duplicates on plainly trimmed text (the same boolean: the spellings
    have no spaces, and '' or the Hive null text spells none). -#}
{% macro boolean_from_text(text) -%}
    case lower({{ text }})
        when 'true' then true
        when '1' then true
        when '1.0' then true
        when 'false' then false
        when '0' then false
        when '0.0' then false
    end
{%- endmacro %}

{#- With `typed_column` (the model's normalise_boolean of the same column)
    the text is only looked at where that is null. -#}
{% macro is_invalid_boolean(column, typed_column=none) -%}
    {%- if typed_column is none -%}
    ({{ oncall_analytics.clean_text(column) }} is not null
        and lower({{ oncall_analytics.clean_text(column) }}) not in ('true', 'false', '1', '0', '1.0', '0.0'))
    {%- else -%}
    (case when {{ typed_column }} is null then {{ oncall_analytics.clean_text(column) }} is not null else false end)
    {%- endif -%}
{%- endmacro %}
