{#- Every finding of the troubleshooting guide's checks (steps 2-10) in one
    shape (the tsg_findings macro): what each check flags, with its status and
    the numbers behind it. The action plan reads only this and the wording
    seed. A new check is one import CTE, one findings CTE and one union line
    here, plus its wording rows (tsg_guide.md, "Adding a check"). -#}
with version_regression as (
    select * from {{ ref('tsg_step02_version_regression') }}
),

feature_flags as (
    select * from {{ ref('tsg_step03_feature_flags') }}
),

regional_availability as (
    select * from {{ ref('tsg_step04_regional_availability') }}
),

partitions as (
    select * from {{ ref('tsg_step05_partitions') }}
),

zones as (
    select * from {{ ref('tsg_step06_zones') }}
),

endpoints as (
    select * from {{ ref('tsg_step07_endpoints') }}
),

products as (
    select * from {{ ref('tsg_step08_products') }}
),

workflows as (
    select * from {{ ref('tsg_step09_workflows') }}
),

top_errors as (
    select * from {{ ref('tsg_step10_top_errors') }}
),

version_regression_findings as (
    {% call tsg_findings(
        'version_regression', 2, "'service_version'", 'service_version', 'assessment',
        where="assessment != 'NO_REGRESSION'",
    ) -%}
        'failure rate ' || {{ tsg_format_number('failure_rate') }} || ' % vs '
        || coalesce({{ tsg_format_number('prev_failure_rate') }}, '?') || ' % on the previous version'
    {%- endcall %}
),

feature_flag_findings as (
    {% call tsg_findings('feature_flags', 3, "'feature_flag'", 'flag_label', 'flag_status') -%}
        'error rate ' || {{ tsg_format_number('error_rate') }} || ' % of '
        || cast(request_count as {{ dbt.type_string() }}) || ' requests'
    {%- endcall %}
),

-- zones of the incident's region are candidate causes; other regions' zones
-- only show how far the trouble reaches
regional_availability_findings as (
    {% call tsg_findings(
        'regional_availability', 4,
        "case when is_incident_region then 'availability_zone' else 'region' end",
        "case when is_incident_region then availability_zone else region || ' ' || availability_zone end",
        'health_status',
        is_symptom='not is_incident_region',
        where="health_status != 'HEALTHY'",
    ) -%}
        'availability ' || {{ tsg_format_number('availability_pct') }} || ' %, ' || lower(trend) || ' at '
        || {{ tsg_format_number('availability_trend_pp_per_hour', 2) }} || ' points/h'
    {%- endcall %}
),

partition_findings as (
    {% call tsg_findings('partitions', 5, "'partition'", 'partition_id', 'partition_status') -%}
        'error rate ' || {{ tsg_format_number('error_rate') }} || ' % of '
        || cast(total_requests as {{ dbt.type_string() }}) || ' requests'
    {%- endcall %}
),

zone_findings as (
    {% call tsg_findings(
        'zones', 6, "'availability_zone'", 'availability_zone', 'zone_status',
        where="zone_status != 'HEALTHY'",
    ) -%}
        instance_type || ' success ' || {{ tsg_format_number('success_rate') }} || ' %'
    {%- endcall %}
),

endpoint_findings as (
    {% call tsg_findings('endpoints', 7, "'endpoint'", 'endpoint_label', 'endpoint_status') -%}
        client_type || ' 5xx ' || {{ tsg_format_number('server_error_rate') }} || ' % of '
        || cast(total_requests as {{ dbt.type_string() }})
    {%- endcall %}
),

product_findings as (
    {% call tsg_findings('products', 8, "'customer_tier'", 'customer_tier', 'product_status') -%}
        product_id || ' success ' || {{ tsg_format_number('success_rate') }} || ' %'
    {%- endcall %}
),

-- step 8 flags a (product, tier): its product is flagged too, so the plan's
-- product row names the check rather than "no check flagged it"
product_by_product_findings as (
    {% call tsg_findings('products', 8, "'product'", 'product_id', 'product_status') -%}
        customer_tier || ' success ' || {{ tsg_format_number('success_rate') }} || ' %'
    {%- endcall %}
),

-- a failing workflow and an error signature are what users see, not a cause
workflow_findings as (
    {% call tsg_findings(
        'workflows', 9, "'workflow'", 'scenario_name', 'scenario_status',
        is_symptom='true',
        where="scenario_status not in ('HEALTHY', 'NO_FINISHED_WORKFLOWS')",
    ) -%}
        'completion ' || {{ tsg_format_number('completion_rate') }} || ' % of '
        || cast(total_workflows as {{ dbt.type_string() }}) || ' workflows'
        || coalesce(
            ', failing step ' || top_failing_step
            || ' (' || cast(top_failing_step_failures as {{ dbt.type_string() }}) || ')',
            ''
        )
    {%- endcall %}
),

top_error_findings as (
    {% call tsg_findings(
        'top_errors', 10, "'error'", 'error_label', "priority || ' ' || error_pattern",
        is_symptom='true',
    ) -%}
        cast(total_occurrences as {{ dbt.type_string() }}) || ' occurrences, '
        || cast(total_affected_users as {{ dbt.type_string() }}) || ' users, "'
        || coalesce(most_common_message, '') || '"'
    {%- endcall %}
),

findings as (
    select * from version_regression_findings
    union all
    select * from feature_flag_findings
    union all
    select * from regional_availability_findings
    union all
    select * from partition_findings
    union all
    select * from zone_findings
    union all
    select * from endpoint_findings
    union all
    select * from product_findings
    union all
    select * from product_by_product_findings
    union all
    select * from workflow_findings
    union all
    select * from top_error_findings
)

select * from findings
