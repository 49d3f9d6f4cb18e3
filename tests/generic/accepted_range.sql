{#-
  Generic test: every non-null value of the column lies within
  [min_value, max_value] (either bound optional; `inclusive: false` makes both
  bounds strict). Fails with the offending rows.
-#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
{%- if min_value is none and max_value is none -%}
    {{ exceptions.raise_compiler_error("accepted_range on " ~ column_name ~ ": give min_value, max_value or both") }}
{%- endif -%}
{#- the bounds are pasted into SQL: plain numbers only (a bound read from a
    var goes through a validating reader, e.g. var_integer) -#}
{%- for bound in [min_value, max_value] if execute and bound is not none -%}
    {%- if bound is boolean or not modules.re.match('^-?[0-9]+([.][0-9]+)?([eE][-+]?[0-9]+)?$', bound | string | trim) -%}
        {{ exceptions.raise_compiler_error("accepted_range on " ~ column_name ~ ": a bound must be a plain number, got " ~ oncall_analytics.shown_value(bound)) }}
    {%- endif -%}
{%- endfor -%}
{%- set lower_op = ">=" if inclusive else ">" -%}
{%- set upper_op = "<=" if inclusive else "<" -%}

with checked as (
    select * from {{ model }}
    where {{ column_name }} is not null
),

out_of_range as (
    select * from checked
    where not (
        {%- if min_value is not none %} {{ column_name }} {{ lower_op }} {{ min_value }}{% endif %}
        {%- if min_value is not none and max_value is not none %} and{% endif %}
        {%- if max_value is not none %} {{ column_name }} {{ upper_op }} {{ max_value }}{% endif %}
    )
)

select * from out_of_range
{% endtest %}
