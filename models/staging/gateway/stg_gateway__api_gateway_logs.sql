-- One trusted row per gateway request; rejected rows are in the quarantine.
-- A view: the base model is the one (incremental) copy of the log.
with base as (
    select * from {{ ref('base_gateway__api_gateway_logs') }}
),

clean as (
    select
        request_id,
        requested_at,
        region,
        datacenter,
        availability_zone,
        environment,
        service_name,
        service_version,
        version_major,
        version_minor,
        version_patch,
        instance_id,
        instance_type,
        load_balancer_id,
        endpoint_path,
        http_method,
        api_version,
        client_type,
        status_code,
        latency_ms,
        backend_latency_ms,
        connection_time_ms,
        request_size_bytes,
        response_size_bytes,
        data_processed_bytes,
        is_cache_hit,
        is_retry,
        is_test_traffic,
        partition_id,
        shard_id,
        tenant_category,
        user_id,
        session_id,
        error_code,
        error_category,
        exception_type,
        exception_message,
        stack_trace_hash,
        service_component,
        dependency_name,
        is_cascading_failure,
        has_dependency_failure
    from base
    where quarantine_reason is null
)

select * from clean
