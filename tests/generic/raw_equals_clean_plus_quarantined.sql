{#-
  Generic test on a raw table (seed or source): every raw row is accounted
  for, either in the clean staging model or in its quarantine model.
  Fails with one row giving the three counts when they do not add up.
-#}
{% test raw_equals_clean_plus_quarantined(model, clean, quarantined) %}
{#- a source's location holds logs_path: validated before it is read -#}
{%- if execute and target.type == 'duckdb' and var('log_source', 'seeds') == 'external' -%}
    {%- do oncall_analytics.var_logs_path() -%}
{%- endif %}
{#- a selection that took the clean model's side only (`-s +stg_x+` selects this test through the clean
    model, not the quarantine beside it): say which to select, not the database's missing-table error -#}
{%- if execute and flags.WHICH in ['build', 'test', 'retry'] -%}
    {%- for relation in [clean, quarantined] if load_relation(relation) is none -%}
        {{ exceptions.raise_compiler_error("raw_equals_clean_plus_quarantined: " ~ relation ~ " is not built yet, so the rows of "
            ~ model ~ " cannot be accounted for: select it too (e.g. dbt build -s +" ~ clean.identifier ~ "+ "
            ~ quarantined.identifier ~ "), or build the log's models first") }}
    {%- endfor -%}
{%- endif %}

with raw_count as (
    select count(*) as n from {{ model }}
),

clean_count as (
    select count(*) as n from {{ clean }}
),

quarantined_count as (
    select count(*) as n from {{ quarantined }}
),

reconciled as (
    select
        raw_count.n as raw_rows,
        clean_count.n as clean_rows,
        quarantined_count.n as quarantined_rows
    from raw_count
    cross join clean_count
    cross join quarantined_count
)

select * from reconciled
where raw_rows != clean_rows + quarantined_rows
{% endtest %}
