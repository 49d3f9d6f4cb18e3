-- The self-join formulation of chain detection (scenario 2), for comparison
-- with the LAG formulation in int_function_invocations__sequenced.
--
-- When the two disagree:
-- * Overlapping invocations. LAG compares an invocation only with the one
--   that started just before it. If that one is still running (a long call
--   overlapping shorter ones), LAG sees a negative gap and reports no link,
--   while the self-join finds the shorter call that did end 0..N µs before.
-- * Fan-out and fan-in. The self-join pairs every trigger with every
--   follower in the gap: one trigger can chain to several invocations that
--   start together, and one invocation can be chained from several triggers
--   that end together. The `rn = 1` de-duplication keeps only the earliest
--   follower per trigger; LAG gives each invocation at most one trigger and
--   each trigger at most one follower by construction.
-- * Equal start times. LAG needs a total order, here start_timestamp then
--   invocation_id; the self-join needs none.
-- * Cost. The self-join compares every pair of a function's invocations
--   (quadratic per function unless the engine turns the gap into a range
--   join); LAG is one sort per function.
-- On the shipped log both give the same two user_auth links.

with invocations as (
    select * from {{ ref('stg_serverless__function_invocations') }}
),

pairs as (
    select
        leader.function_name,
        leader.invocation_id as previous_invocation_id,
        follower.invocation_id as chained_invocation_id,
        follower.start_timestamp as chained_start_timestamp,
        {{ timestamp_diff_us('leader.end_timestamp', 'follower.start_timestamp') }} as gap_us
    from invocations as leader
    inner join invocations as follower
        on
            leader.function_name = follower.function_name
            and leader.invocation_id != follower.invocation_id
            and leader.end_timestamp <= follower.start_timestamp
    where
        {{ timestamp_diff_us('leader.end_timestamp', 'follower.start_timestamp') }}
        between 0 and {{ var_integer('chain_max_gap_us', 0) }}
),

first_follower as (
    select
        *,
        row_number() over (
            partition by previous_invocation_id
            order by chained_start_timestamp, chained_invocation_id
        ) as follower_rank
    from pairs
),

links as (
    select
        function_name,
        previous_invocation_id,
        chained_invocation_id,
        chained_start_timestamp,
        gap_us
    from first_follower
    where follower_rank = 1
)

select * from links
