{#- The contract's boolean spellings (true/false, 1/0, any case) as a boolean;
    empty -> null. Anything else is also null here and is caught by
    `is_invalid_boolean`, so the row can be quarantined with a reason. -#}
{% macro normalise_boolean(column) -%}
    case lower({{ oncall_analytics.clean_text(column) }})
        when 'true' then true
        when '1' then true
        when 'false' then false
        when '0' then false
    end
{%- endmacro %}

{% macro is_invalid_boolean(column) -%}
    ({{ oncall_analytics.clean_text(column) }} is not null
        and lower({{ oncall_analytics.clean_text(column) }}) not in ('true', 'false', '1', '0'))
{%- endmacro %}
