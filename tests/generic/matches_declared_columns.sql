{#-
  Generic test, the contract check for models dbt cannot put under an
  enforced contract (Python models): the built table has exactly the columns
  declared in the model's YAML, with the declared `data_type`s. Fails with
  one row per column that is missing, undeclared or of another type.
-#}
{% test matches_declared_columns(model) %}
{%- set differences = [] -%}
{%- if execute -%}
    {%- set node = graph.nodes.values() | selectattr('resource_type', 'equalto', 'model') | selectattr('alias', 'equalto', model.identifier) | first -%}
    {%- set declared = {} -%}
    {%- for column in node.columns.values() -%}
        {%- do declared.update({column.name | lower: (column.data_type or 'undeclared') | lower}) -%}
    {%- endfor -%}
    {%- set actual = {} -%}
    {%- for column in adapter.get_columns_in_relation(model) -%}
        {%- do actual.update({column.name | lower: column.dtype | lower}) -%}
    {%- endfor -%}
    {%- for name in (declared.keys() | list + actual.keys() | list) | unique | sort -%}
        {%- if declared.get(name) != actual.get(name) -%}
            {%- do differences.append((name, declared.get(name, '(not declared)'), actual.get(name, '(not built)'))) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}

with differences as (
    {%- for column_name, declared_type, actual_type in differences %}
    select
        {{ sql_literal(column_name) }} as column_name,
        {{ sql_literal(declared_type) }} as declared_type,
        {{ sql_literal(actual_type) }} as actual_type
    {%- if not loop.last %} union all{% endif %}
    {%- else %}
    select '' as column_name, '' as declared_type, '' as actual_type
    where 1 = 0
    {%- endfor %}
)

select * from differences
{% endtest %}
