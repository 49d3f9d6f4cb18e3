{#- Part `index` (1 = major, 2 = minor, 3 = patch) of a strict
    MAJOR.MINOR.PATCH version as an integer, a leading `v` or `V` allowed
    ('v3.2.0', as release tags are written: the parts of '3.2.0'); null for
    any other string ('2.6.0-rc1', 'canary', 'vv3.2.0', '', overflow), never
    an error. -#}
{% macro semver_part(column, index) -%}
    {{ oncall_analytics.try_cast(
        "nullif(regexp_extract(" ~ oncall_analytics.clean_text(column) ~ ", '^[vV]?([0-9]+)[.]([0-9]+)[.]([0-9]+)$', " ~ index ~ "), '')",
        dbt.type_int()
    ) }}
{%- endmacro %}
