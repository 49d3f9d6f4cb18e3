{#- Product and customer of each request (one row per request). -#}
with marked as (
    {{ mark_duplicates(
        raw_table('gateway_logs', 'product_metadata'),
        ['request_id'],
        gateway_contract_columns('product_metadata'),
    ) }}
),

typed as (
    select
        {{ clean_text('request_id') }} as request_id,
        {{ clean_text('product_id') }} as product_id,
        lower({{ clean_text('product_category') }}) as product_category,
        upper({{ clean_text('customer_tier') }}) as customer_tier,
        lower({{ clean_text('subscription_type') }}) as subscription_type,
        rows_with_key,
        identical_rows,
        copy_number,
        {{ gateway_raw_copies('product_metadata') }}
    from marked
),

checked as (
    select
        *,
        {{ quarantine_reason([
            ['request_id is null', 'request_id is missing'],
            ['product_id is null', 'product_id is missing'],
            ['customer_tier is null', 'customer_tier is missing'],
            ["customer_tier not in ('PREMIUM', 'STANDARD', 'BASIC')", 'customer_tier is not PREMIUM, STANDARD or BASIC'],
        ] + duplicate_checks('request_id', 'request_id is not null')) }} as quarantine_reason
    from typed
)

{{ gateway_select_keeping_raw_for_quarantine('product_metadata', 'checked') }}
