{#- Flags evaluated per request, trimmed; a request carries a flag once. -#}
with marked as (
    {{ mark_duplicates(
        raw_table('gateway_logs', 'feature_flags'),
        ['request_id', 'flag_name'],
        gateway_contract_columns('feature_flags'),
    ) }}
),

typed as (
    select
        {{ clean_text('request_id') }} as request_id,
        {{ clean_text('flag_name') }} as flag_name,
        lower({{ clean_text('flag_value') }}) as flag_value,
        rows_with_key,
        identical_rows,
        copy_number,
        {{ gateway_raw_copies('feature_flags') }}
    from marked
),

checked as (
    select
        *,
        {{ quarantine_reason([
            ['request_id is null', 'request_id is missing'],
            ['flag_name is null', 'flag_name is missing'],
            ['flag_value is null', 'flag_value is missing'],
        ] + duplicate_checks('the flag on the request', 'request_id is not null and flag_name is not null')) }} as quarantine_reason
    from typed
)

{{ gateway_select_keeping_raw_for_quarantine('feature_flags', 'checked') }}
