#!/usr/bin/env python3
"""Deterministic synthetic logs at scale, as Parquet, for the benchmark.

Writes the layout that `log_source: external` reads (`<out>/<table>/*.parquet`):

    function_invocations/    N invocations over 7 days (43 functions, 2 versions,
                             planted chains, natural bursts, a few bad rows)
    api_gateway_logs/        N requests over the 7 days before the shipped
                             incident's end (2024-03-12 16:00), 39 columns
    feature_flags/           1.5 rows per request (new_pricing_engine on every
                             request, a second flag on half of them)
    product_metadata/        one row per request
    workflow_tracking/       N / 3 workflow steps
    infrastructure_metrics/  one sample per host per minute
    service_metrics_hourly/  the shipped seed (the notebook's 14 days)
    service_metrics/         the shipped seed (5-minute sample)
    incident_labels/         the shipped seed

Every value is a function of the row number (DuckDB's `hash`, pinned with the
lock file), so the same arguments give the same rows. The story matches the
shipped gateway seeds: at 14:00 on 2024-03-12 release 2.5.0 and the flag
new_pricing_engine=true land together, and flagged requests to the pricing
endpoints fail with 500 PricingEngineException, so the default TSG vars
describe this incident too.

`--next-hour DIR` also writes the hour after the data (rows N .. N + N/168)
under DIR in the same layout: the benchmark drops it into the logs folder to
time an incremental hourly run.

Usage: python bench/generate_logs.py --rows 1000000 --out target/bench/logs
"""
from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

PROJECT_DIR = Path(__file__).resolve().parents[1]
SPAN_HOURS = 168
GATEWAY_END = "2024-03-12 16:00:00"        # the shipped incident's tsg_end_time
INVOCATIONS_END = "2023-12-01 12:00:00"    # two hours after the shipped canary window
INCIDENT_START = "2024-03-12 14:00:00"
HOSTS_PER_ZONE = 4

ZONES = [  # (region, zone, datacenter, traffic weight)
    ("us-east", "us-east-1a", "iad-dc1", 0.20), ("us-east", "us-east-1b", "iad-dc2", 0.20),
    ("us-east", "us-east-1c", "iad-dc3", 0.20), ("us-west", "us-west-2a", "pdx-dc1", 0.15),
    ("us-west", "us-west-2b", "pdx-dc2", 0.15), ("eu-central", "eu-central-1a", "fra-dc1", 0.10),
]
ENDPOINTS = [  # (path, method, weight, goes through the pricing engine)
    ("/v2/products/{id}", "GET", 0.25, True), ("/v2/search", "GET", 0.22, False),
    ("/v2/cart", "POST", 0.15, True), ("/v2/checkout", "POST", 0.12, True),
    ("/v2/orders", "GET", 0.12, True), ("/v2/account", "GET", 0.10, False),
    ("/v1/cart", "POST", 0.04, True),
]
PRODUCTS = [("P-100", "retail"), ("P-200", "retail"), ("P-300", "subscriptions"), ("P-400", "marketplace"),
            ("P-500", "digital")]
TIERS = [("PREMIUM", "enterprise"), ("STANDARD", "professional"), ("BASIC", "free")]
SCENARIOS = [  # (name, criticality, steps)
    ("checkout_flow", "CRITICAL", ["cart_validation", "inventory_check", "price_calculation", "payment_authorization",
                                   "order_confirmation"]),
    ("payment_processing", "CRITICAL", ["payment_authorization", "fraud_screening", "capture_funds"]),
    ("order_tracking", "HIGH", ["fetch_order", "fetch_shipment"]),
    ("catalog_browse", "MEDIUM", ["search_query", "rank_results", "render_page"]),
    ("profile_update", "LOW", ["validate_input", "persist_profile"]),
]
FUNCTIONS = ["image_processor", "user_auth", "data_enrichment"] + [f"fn_{n:02d}" for n in range(40)]


def uniform(index: str, salt: int) -> str:
    """A uniform draw in [0, 1) from the row number: the generator's only randomness."""
    return f"((hash({index}, {salt}) % 1000000) / 1000000.0)"


def pick(options: list[str], draw: str, weights: list[float] | None = None) -> str:
    """SQL choosing one of `options` (SQL expressions) by a uniform `draw`, by weight."""
    weights = weights or [1.0] * len(options)
    total, bound, branches = sum(weights), 0.0, []
    for option, weight in zip(options[:-1], weights[:-1]):
        bound += weight / total
        branches.append(f"when {draw} < {bound:.6f} then {option}")
    return f"(case {' '.join(branches)} else {options[-1]} end)"


def quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def time_at(index: str, rows: int, end: str, jitter_seconds: float) -> str:
    """Row `index` of `rows` spread evenly over the SPAN_HOURS before `end`, with jitter (µs precision)."""
    span_us = SPAN_HOURS * 3_600_000_000
    offset = f"cast((({index}) * {span_us}.0 / {rows}) + {uniform(index, 1)} * {jitter_seconds * 1e6} as bigint)"
    return f"(timestamp '{end}' - interval {SPAN_HOURS} hour + to_microseconds({offset}))"


def invocations_sql(rows: int, first: int, count: int) -> str:
    """Invocations `first` .. `first + count - 1` of a log of `rows` a week."""
    def base(i: str) -> dict[str, str]:
        function = pick([quoted(f) for f in FUNCTIONS], uniform(i, 11), [3.0, 2.0, 2.0] + [1.0] * 40)
        start = time_at(i, rows, INVOCATIONS_END, 2.0)
        duration_ms = f"round(20 + 400 * -ln(1 - {uniform(i, 12)}), 3)"
        return {"function_name": function, "start": start, "duration_ms": duration_ms}

    this, previous = base("i"), base("i - 1")
    # 2 % of rows chain onto the previous row: same function, starting 0..1500 µs after it ended
    is_chain = f"({uniform('i', 13)} < 0.02 and i > 0)"
    previous_end = f"({previous['start']} + to_microseconds(cast({previous['duration_ms']} * 1000 as bigint)))"
    start = f"case when {is_chain} then {previous_end} + to_microseconds(cast({uniform('i', 14)} * 1500 as bigint)) else {this['start']} end"
    function = f"case when {is_chain} then {previous['function_name']} else {this['function_name']} end"
    return f"""
        with numbered as (select range as i from range({first}, {first + count})),
        drawn as (
            select
                i,
                {function} as function_name,
                {start} as start_timestamp,
                {this['duration_ms']} as duration_ms,
                {uniform('i', 15)} as u_version,
                {uniform('i', 16)} as u_status,
                {uniform('i', 17)} as u_bad
            from numbered
        )
        select
            -- 1 in 20,000 reuses the previous id (a conflicting duplicate for the quarantine)
            'inv_' || lpad(cast(case when u_bad < 0.00005 and i > 0 then i - 1 else i end as varchar), 10, '0') as invocation_id,
            function_name,
            case when start_timestamp >= timestamp '{INVOCATIONS_END}' - interval 3 day and u_version < 0.5 then 2 else 1 end as version_id,
            start_timestamp,
            -- 1 in 20,000 ends before it starts
            case when u_bad between 0.00005 and 0.0001 then start_timestamp - interval 1 second
                 else start_timestamp + to_microseconds(cast(duration_ms * 1000 as bigint)) end as end_timestamp,
            duration_ms,
            round(128 + 384 * {uniform('i', 18)}, 2) as memory_used_mb,
            case when u_bad between 0.0001 and 0.00015 then 'TIMEOUT'
                 when u_status < 0.03 then 'ERROR' else 'SUCCESS' end as status
        from drawn
    """


def requests_sql(rows: int, first: int, count: int) -> str:
    """Gateway requests `first` .. `first + count - 1` (with their flag, product and a fault flag)."""
    zone = pick([f"{{'region': {quoted(r)}, 'zone': {quoted(z)}, 'dc': {quoted(d)}}}" for r, z, d, _ in ZONES],
                uniform("i", 21), [w for *_, w in ZONES])
    endpoint = pick([f"{{'path': {quoted(p)}, 'method': {quoted(m)}, 'pricing': {str(pr).lower()}}}" for p, m, _, pr in ENDPOINTS],
                    uniform("i", 22), [w for _, _, w, _ in ENDPOINTS])
    environment = pick(["'prod'", "'staging'", "'dev'"], uniform("i", 23), [0.9, 0.07, 0.03])
    service = pick(["'api.gateway.main'", "'api.gateway.internal'"], uniform("i", 24), [0.85, 0.15])
    client = pick(["'web'", "'mobile'", "'partner'"], uniform("i", 25), [0.5, 0.4, 0.1])
    return f"""
        with numbered as (select range as i from range({first}, {first + count})),
        drawn as (
            select
                i,
                {time_at('i', rows, GATEWAY_END, 1.0)} as requested_at,
                {zone} as zone,
                {endpoint} as endpoint,
                {environment} as environment,
                {service} as service_name,
                {client} as client_type,
                cast(hash(i, 26) % 50000 as integer) as user_number,
                cast(hash(i, 27) % {HOSTS_PER_ZONE} as integer) as host_number,
                {uniform('i', 28)} as u_release,
                {uniform('i', 30)} as u_fault,
                {uniform('i', 31)} as u_noise,
                {uniform('i', 32)} as u_latency,
                {uniform('i', 33)} as u_test,
                {uniform('i', 34)} as u_bad
            from numbered
        ),
        decided as (
            select
                *,
                requested_at >= timestamp '{INCIDENT_START}' as after_change,
                -- the flag is sticky per user: 45 % of users after the change
                requested_at >= timestamp '{INCIDENT_START}' and ((hash(user_number, 29) % 100) < 45) as flag_on
            from drawn
        ),
        outcome as (
            select
                *,
                case
                    when flag_on and endpoint.pricing and u_fault < 0.85 then 500
                    when u_noise < 0.0015 then 500
                    when u_noise < 0.0025 then 503
                    when u_noise < 0.0030 then 504
                    when u_noise < 0.0050 then 404
                    when u_noise < 0.0070 then 429
                    else 200
                end as status_code
            from decided
        )
        select
            -- 1 in 50,000 reuses the previous id (a conflicting duplicate for the quarantine)
            'req-' || lpad(cast(case when u_bad < 0.00002 and i > 0 then i - 1 else i end as varchar), 10, '0') as request_id,
            requested_at as "timestamp",
            zone.region as region,
            zone.dc as datacenter,
            zone.zone as availability_zone,
            environment,
            service_name,
            case when after_change and u_release < 0.5 then '2.5.0' else '2.4.1' end as service_version,
            'i-' || zone.zone || '-' || host_number as instance_id,
            case when host_number < 2 then 'c5.xlarge' else 'm5.large' end as instance_type,
            'lb-' || zone.zone as load_balancer_id,
            endpoint.path as endpoint_path,
            endpoint.method as http_method,
            case when endpoint.path like '/v1/%' then 'v1' else 'v2' end as api_version,
            client_type,
            -- 1 in 50,000 has a status code that is not HTTP
            case when u_bad between 0.00002 and 0.00004 then 999 else status_code end as status_code,
            round(40 + 180 * -ln(1 - u_latency) + case when status_code >= 500 then 900 else 0 end, 2) as latency_ms,
            round(25 + 150 * -ln(1 - u_latency), 2) as backend_latency_ms,
            round(1 + 4 * {uniform('i', 35)}, 2) as connection_time_ms,
            cast(200 + hash(i, 36) % 2000 as bigint) as request_size_bytes,
            cast(1000 + hash(i, 37) % 30000 as bigint) as response_size_bytes,
            cast(5000 + hash(i, 38) % 90000 as bigint) as data_processed_bytes,
            cast(hash(i, 39) % 10 < 3 as integer) as cache_hit,
            cast(hash(i, 40) % 100 < 2 as integer) as is_retry,
            case when u_test < 0.01 then 'true' when u_test < 0.02 then '0' else '' end as is_test_traffic,
            'p-' || lpad(cast(hash(i, 41) % 8 as varchar), 2, '0') as partition_id,
            'shard-' || cast(hash(i, 42) % 4 as varchar) as shard_id,
            ['enterprise', 'smb', 'consumer'][1 + cast(hash(i, 43) % 3 as integer)] as tenant_category,
            'u-' || lpad(cast(user_number as varchar), 5, '0') as user_id,
            's-' || lpad(cast(user_number as varchar), 5, '0') || '-' || cast(hash(i, 44) % 20 as varchar) as session_id,
            case when status_code = 500 and flag_on then 'PRICING_QUOTE_FAILED'
                 when status_code = 500 then 'INTERNAL_ERROR' when status_code = 503 then 'UPSTREAM_UNAVAILABLE'
                 when status_code = 504 then 'UPSTREAM_TIMEOUT' when status_code = 404 then 'NOT_FOUND'
                 when status_code = 429 then 'RATE_LIMITED' end as error_code,
            case when status_code = 500 and flag_on then 'DEPENDENCY' when status_code = 500 then 'APPLICATION'
                 when status_code = 503 then 'DEPENDENCY' when status_code = 504 then 'TIMEOUT'
                 when status_code >= 400 then 'CLIENT' end as error_category,
            case when status_code = 500 and flag_on then 'PricingEngineException'
                 when status_code = 500 then 'IllegalStateException' when status_code = 503 then 'UpstreamUnavailableException'
                 when status_code = 504 then 'GatewayTimeoutException' end as exception_type,
            case when status_code = 500 and flag_on then 'pricing engine v2 returned a malformed quote'
                 when status_code = 500 then 'cart state out of sync' when status_code = 503 then 'inventory-db refused the connection'
                 when status_code = 504 then 'upstream timed out after 3000 ms' end as exception_message,
            case when status_code >= 500 then 'st-' || cast(status_code as varchar) || case when flag_on then '-pricing' else '' end end
                as stack_trace_hash,
            case when status_code = 500 and flag_on then 'pricing-client' when status_code >= 500 then 'router' end as service_component,
            case when status_code = 500 and flag_on then 'pricing-engine-v2' when status_code = 503 then 'inventory-db' end as dependency_name,
            case when status_code >= 500 then cast(hash(i, 45) % 10 = 0 as integer) end as is_cascading_failure,
            cast(status_code = 503 or (status_code = 500 and flag_on) as integer) as has_dependency_failure,
            -- carried for the flag and product tables, not written with the requests
            flag_on,
            u_bad
        from outcome
    """


def workflows_sql(rows: int, first: int, count: int) -> str:
    """Workflow steps `first` .. `first + count - 1` of `rows` a week."""
    options, weights = [], []
    for name, criticality, steps in SCENARIOS:
        for step in steps:
            options.append(f"{{'scenario': {quoted(name)}, 'criticality': {quoted(criticality)}, 'step': {quoted(step)}}}")
            weights.append(1.0)
    step = pick(options, uniform("i", 51), weights)
    region = pick(["'us-east'", "'us-west'", "'eu-central'"], uniform("i", 52), [0.6, 0.3, 0.1])
    return f"""
        with numbered as (select range as i from range({first}, {first + count})),
        drawn as (
            select i, {time_at('i', rows, GATEWAY_END, 1.0)} as step_at, {step} as step, {region} as region,
                   {uniform('i', 53)} as u_status, {uniform('i', 54)} as u_test
            from numbered
        )
        select
            'corr-' || lpad(cast(i as varchar), 10, '0') as correlation_id,
            'wf-' || lpad(cast(i // 3 as varchar), 10, '0') as workflow_id,
            step.scenario as scenario_name,
            step.step as workflow_step,
            case
                when step.step = 'price_calculation' and step_at >= timestamp '{INCIDENT_START}' and u_status < 0.30 then 'FAILED'
                when u_status < 0.003 then 'FAILED' when u_status < 0.005 then 'COMPENSATED'
                when u_status < 0.01 then 'IN_PROGRESS' else 'COMPLETED' end as workflow_status,
            step.criticality as business_criticality,
            cast(100 + hash(i, 55) % 2000 as integer) as total_workflow_time_ms,
            cast(hash(i, 56) % 10 = 0 as integer) as retry_attempts,
            'u-' || lpad(cast(hash(i, 57) % 50000 as varchar), 5, '0') as user_id,
            case when u_status between 0.003 and 0.005 then 'true' else 'false' end as has_compensation,
            step_at as "timestamp",
            region,
            {pick(["'prod'", "'staging'"], uniform('i', 58), [0.95, 0.05])} as environment,
            case when u_test < 0.01 then 'true' else '' end as is_test_traffic
        from drawn
    """


def infrastructure_sql(first_minute: int, minutes: int) -> str:
    """One sample per host per minute for minutes `first_minute` .. of the week before GATEWAY_END."""
    hosts = ", ".join(f"('i-{zone}-{n}', {quoted(zone)})" for _, zone, _, _ in ZONES for n in range(HOSTS_PER_ZONE))
    return f"""
        with hosts(instance_id, zone) as (values {hosts}),
        minutes as (select range as m from range({first_minute}, {first_minute + minutes})),
        samples as (
            select
                instance_id,
                timestamp '{GATEWAY_END}' - interval {SPAN_HOURS} hour + to_minutes(cast(m as bigint)) as sampled_at,
                hash(instance_id, m) as h
            from hosts cross join minutes
        )
        select
            instance_id,
            sampled_at as "timestamp",
            round(30 + (h % 4000) / 100.0, 1) as cpu_utilization,
            round(45 + ((h // 4000) % 3500) / 100.0, 1) as memory_utilization,
            cast(100 + (h // 14000000) % 200 as integer) as concurrent_connections
        from samples
    """


def write_logs(con: duckdb.DuckDBPyConnection, out: Path, rows: int, first: int, count: int, part: str) -> None:
    """Rows `first` .. `first + count - 1` of every log table into `<out>/<table>/<part>.parquet`."""
    def copy(table: str, sql: str) -> None:
        (out / table).mkdir(parents=True, exist_ok=True)
        con.execute(f"copy ({sql}) to '{out / table / part}.parquet' (format parquet, compression zstd)")

    copy("function_invocations", invocations_sql(rows, first, count))
    con.execute(f"create or replace temp table bench_requests as {requests_sql(rows, first, count)}")
    copy("api_gateway_logs", "select * exclude (flag_on, u_bad) from bench_requests order by request_id, \"timestamp\"")
    copy("feature_flags", """
        select request_id, 'new_pricing_engine' as flag_name, case when flag_on then 'true' else 'false' end as flag_value
        from bench_requests
        union all
        select request_id, 'dark_mode', case when hash(request_id, 61) % 2 = 0 then 'true' else 'false' end
        from bench_requests where hash(request_id, 62) % 2 = 0
        order by request_id, flag_name""")
    products = ", ".join(f"({quoted(p)}, {quoted(c)})" for p, c in PRODUCTS)
    tiers = ", ".join(f"({quoted(t)}, {quoted(s)})" for t, s in TIERS)
    copy("product_metadata", f"""
        with products(product_id, product_category) as (values {products}),
        tiers(customer_tier, subscription_type) as (values {tiers}),
        numbered_products as (select *, row_number() over (order by product_id) - 1 as n from products),
        numbered_tiers as (select *, row_number() over (order by customer_tier) - 1 as n from tiers)
        select r.request_id, p.product_id, p.product_category, t.customer_tier, t.subscription_type
        from bench_requests as r
        inner join numbered_products as p on p.n = hash(r.request_id, 63) % {len(PRODUCTS)}
        inner join numbered_tiers as t on t.n = hash(r.user_id, 64) % {len(TIERS)}
        order by r.request_id""")
    con.execute("drop table bench_requests")
    workflow_rows = max(rows // 3, 1)
    copy("workflow_tracking", workflows_sql(workflow_rows, first * workflow_rows // rows, max(count * workflow_rows // rows, 1)))
    minutes_per_row = SPAN_HOURS * 60 / rows
    copy("infrastructure_metrics", infrastructure_sql(round(first * minutes_per_row), max(round(count * minutes_per_row), 1)))


def write_shipped_seeds(con: duckdb.DuckDBPyConnection, out: Path) -> None:
    """The metrics and incident-label seeds, unchanged, in the same layout."""
    for table in ("service_metrics_hourly", "service_metrics", "incident_labels"):
        (out / table).mkdir(parents=True, exist_ok=True)
        con.execute(f"copy (select * from read_csv('{PROJECT_DIR / 'seeds' / table}.csv', all_varchar = true))"
                    f" to '{out / table / 'part-0'}.parquet' (format parquet)")


def generate(rows: int, out: Path, next_hour: Path | None = None) -> None:
    if rows < SPAN_HOURS:
        raise SystemExit(f"--rows must be at least {SPAN_HOURS} (one row an hour), got {rows}")
    with duckdb.connect() as con:
        con.execute("set preserve_insertion_order = true")
        write_logs(con, out, rows, 0, rows, "part-0")
        write_shipped_seeds(con, out)
        if next_hour is not None:
            write_logs(con, next_hour, rows, rows, max(rows // SPAN_HOURS, 1), "part-next-hour")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, required=True, help="gateway requests and invocations in the week")
    parser.add_argument("--out", type=Path, required=True, help="folder for <table>/*.parquet")
    parser.add_argument("--next-hour", type=Path, help="folder for the following hour's files (same layout)")
    args = parser.parse_args()
    generate(args.rows, args.out, args.next_hour)


if __name__ == "__main__":
    main()
