-- Groups consecutive links into chains (gaps and islands over the start
-- order), so a recursive loop shows up as one long chain, not many links.
with sequenced as (
    select * from {{ ref('int_function_invocations__sequenced') }}
),

-- Only invocations in a chain: linked to the one before or after. In start
-- order they form the chains back to back, each opening with a row not
-- linked to its previous, so the windows below run over the links alone
-- (about 2 % of a 10M-invocation log, bench/), not over every invocation.
linked as (
    select * from sequenced
    where is_chained_to_previous or is_chained_to_next
),

islands as (
    select
        *,
        sum(case when is_chained_to_previous then 0 else 1 end) over (
            partition by function_name
            order by sequence_number
            rows between unbounded preceding and current row
        ) as island_number
    from linked
),

positioned as (
    select
        *,
        row_number() over (
            partition by function_name, island_number order by sequence_number
        ) as position_in_island,
        count(*) over (partition by function_name, island_number) as island_size
    from islands
),

chains as (
    select
        function_name,
        max(case when position_in_island = 1 then invocation_id end) as first_invocation_id,
        max(case when position_in_island = island_size then invocation_id end) as last_invocation_id,
        count(*) as chain_length,
        min(start_timestamp) as chain_start_timestamp,
        max(case when position_in_island = island_size then end_timestamp end) as chain_end_timestamp,
        max(case when position_in_island > 1 then gap_us end) as max_gap_us,
        cast(sum(case when is_error then 1 else 0 end) as bigint) as error_count
    from positioned
    group by function_name, island_number
),

described as (
    select
        function_name || ':' || first_invocation_id as chain_id,
        function_name,
        chain_length,
        chain_length - 1 as link_count,
        first_invocation_id,
        last_invocation_id,
        chain_start_timestamp,
        chain_end_timestamp,
        cast({{ timestamp_diff_us('chain_start_timestamp', 'chain_end_timestamp') }} as double) / 1000 as span_ms,
        max_gap_us,
        error_count
    from chains
)

select * from described
