{#-
  Pre-hook for an incremental staging model: deletes from the model's table
  every key that no longer has a trusted row in its base model (e.g. a later
  load brought a conflicting duplicate), so an incremental run ends where a
  full refresh would. Renders nothing on a full refresh.
-#}
{% macro incremental_drop_untrusted_keys(base_model, key_column) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ key_column }} in (
            select {{ key_column }} from {{ ref(base_model) }}
            group by {{ key_column }}
            having count(case when quarantine_reason is null then 1 end) = 0
        )
    {%- endif -%}
{%- endmacro %}
