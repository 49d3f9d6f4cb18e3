-- The canary's traffic per version in the canary window, next to the split
-- it was meant to have (var canary_expected_split). A version that got
-- traffic without being in the split has expected weight 0; a version in the
-- split that got none has 0 invocations. Input of srm_check.
{%- set expected_split = var_weight_map('canary_expected_split') %}
-- the shipped canary's split, left as it is: a canary of other versions that got no
-- traffic to it has no split given, not a mismatch (srm_check's SPLIT_NOT_CONFIGURED)
{%- set is_shipped_split = 'canary_expected_split' not in given_vars() and expected_split == [['1', '50.0'], ['2', '50.0']] %}

with canary_invocations as (
    select * from {{ ref('int_function_invocations__canary_window') }}
),

observed as (
    select
        version_id,
        count(*) as invocations
    from canary_invocations
    group by 1
),

expected as (
    {%- for version_id, weight in expected_split %}
        select
            {{ version_id }} as version_id,
            cast({{ weight }} as double) as expected_weight
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

split as (
    select
        {{ var_string_literal('canary_function_name') }} as function_name,
        {{ var_timestamp('canary_window_start') }} as window_start,
        {{ var_timestamp('canary_window_end') }} as window_end,
        coalesce(observed.version_id, expected.version_id) as version_id,
        coalesce(observed.invocations, 0) as invocations,
        coalesce(expected.expected_weight, 0) as expected_weight,
        {{ is_shipped_split }} as is_shipped_split
    from observed
    full outer join expected
        on observed.version_id = expected.version_id
)

select * from split
