{#- The data contract's columns of each gateway seed, in contract order
    (../shared/spec/README.md). Base models keep them as raw_<column> and the
    quarantine models give them back under their contract names. -#}
{% macro gateway_contract_columns(seed_name) -%}
    {%- set columns = {
        'api_gateway_logs': [
            'request_id', 'timestamp', 'region', 'datacenter', 'availability_zone', 'environment', 'service_name',
            'service_version', 'instance_id', 'instance_type', 'load_balancer_id', 'endpoint_path', 'http_method',
            'api_version', 'client_type', 'status_code', 'latency_ms', 'backend_latency_ms', 'connection_time_ms',
            'request_size_bytes', 'response_size_bytes', 'data_processed_bytes', 'cache_hit', 'is_retry',
            'is_test_traffic', 'partition_id', 'shard_id', 'tenant_category', 'user_id', 'session_id', 'error_code',
            'error_category', 'exception_type', 'exception_message', 'stack_trace_hash', 'service_component',
            'dependency_name', 'is_cascading_failure', 'has_dependency_failure'],
        'feature_flags': ['request_id', 'flag_name', 'flag_value'],
        'infrastructure_metrics': ['instance_id', 'timestamp', 'cpu_utilization', 'memory_utilization', 'concurrent_connections'],
        'product_metadata': ['request_id', 'product_id', 'product_category', 'customer_tier', 'subscription_type'],
        'workflow_tracking': [
            'correlation_id', 'workflow_id', 'scenario_name', 'workflow_step', 'workflow_status',
            'business_criticality', 'total_workflow_time_ms', 'retry_attempts', 'user_id', 'has_compensation',
            'timestamp', 'region', 'environment', 'is_test_traffic'],
    } -%}
    {{ return(columns[seed_name]) }}
{%- endmacro %}

{#- `raw_<column>` copies of every contract column, for a base model's select list. -#}
{% macro gateway_raw_copies(seed_name) -%}
    {%- for column in oncall_analytics.gateway_contract_columns(seed_name) %}
        {{ column }} as raw_{{ column }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- The quarantine model's body: rejected rows under their contract names, plus the reason. -#}
{% macro gateway_quarantined_rows(seed_name, base_cte) -%}
    select
        {%- for column in oncall_analytics.gateway_contract_columns(seed_name) %}
        {{ oncall_analytics.gateway_raw_value(column) }} as {{ column }},
        {%- endfor %}
        quarantine_reason
    from {{ base_cte }}
    where quarantine_reason is not null
{%- endmacro %}

{#- One contract column as received, read back from a base model's row
    (see gateway_select_keeping_raw_for_quarantine). -#}
{% macro gateway_raw_value(column) -%}
    {{ return(adapter.dispatch('gateway_raw_value', 'oncall_analytics')(column)) }}
{%- endmacro %}

{% macro default__gateway_raw_value(column) -%}
    raw_{{ column }}
{%- endmacro %}

{% macro duckdb__gateway_raw_value(column) -%}
    raw_row ->> '{{ column }}'
{%- endmacro %}

{#- The last select of a gateway base model: every column of `cte`, and the
    raw values for the quarantine. Elsewhere: the raw_<column> copies as they
    are. DuckDB: the copies packed into one JSON column, `raw_row`, set on
    quarantined rows only (only the quarantine reads it): 39 columns of
    nulls cost a fifth of writing the 10M-row request log, one costs nothing
    (bench/). The quarantine then gives the raw values back as text. -#}
{% macro gateway_select_keeping_raw_for_quarantine(seed_name, cte) -%}
    {{ return(adapter.dispatch('gateway_select_keeping_raw_for_quarantine', 'oncall_analytics')(seed_name, cte)) }}
{%- endmacro %}

{% macro default__gateway_select_keeping_raw_for_quarantine(seed_name, cte) -%}
    select * from {{ cte }}
{%- endmacro %}

{% macro duckdb__gateway_select_keeping_raw_for_quarantine(seed_name, cte) -%}
    {%- set columns = oncall_analytics.gateway_contract_columns(seed_name) -%}
    select
        * exclude (
            {%- for column in columns %}
            raw_{{ column }}{{ ',' if not loop.last }}
            {%- endfor %}
        ),
        case when quarantine_reason is not null then to_json(struct_pack(
            {%- for column in columns %}
            "{{ column }}" := raw_{{ column }}{{ ',' if not loop.last }}
            {%- endfor %}
        )) end as raw_row
    from {{ cte }}
{%- endmacro %}
