{#-
  The one shape every troubleshooting-guide check reports its findings in:
  one row per flagged element of `check` (a CTE of the check's model),
  step / dimension / dimension_value / status / evidence / is_symptom. The
  action plan ranks these rows and words their actions from the
  `tsg_action_wording` seed, keyed by (step, dimension, status); it knows
  nothing else about the checks. Arguments are SQL expressions over the
  check's columns (a constant dimension is a quoted literal, "'endpoint'");
  the evidence, the text shown with the finding, is the body of the call:
    {% call tsg_findings('endpoints', 7, "'endpoint'", 'endpoint_label', 'endpoint_status') %}
        client_type || ' 5xx'
    {% endcall %}
-#}
{% macro tsg_findings(check, step, dimension, dimension_value, status, is_symptom='false', where=none) -%}
    select
        cast({{ step }} as {{ dbt.type_int() }}) as step,
        cast({{ dimension }} as {{ dbt.type_string() }}) as dimension,
        cast({{ dimension_value }} as {{ dbt.type_string() }}) as dimension_value,
        cast({{ status }} as {{ dbt.type_string() }}) as status,
        cast({{ caller() }} as {{ dbt.type_string() }}) as evidence,
        cast({{ is_symptom }} as {{ dbt.type_boolean() }}) as is_symptom
    from {{ check }}
    {%- if where %}
    where {{ where }}
    {%- endif %}
{%- endmacro %}
