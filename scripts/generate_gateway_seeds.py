#!/usr/bin/env python3
"""Deterministic generator of the five API-gateway seeds (issue 3, the TSG).

Writes, in the data contract's exact headers (../shared/spec/README.md):
    api_gateway_logs.csv, feature_flags.csv, infrastructure_metrics.csv,
    product_metadata.csv, workflow_tracking.csv

The story is the same for every variant; only the fault differs.

* Incident scope: region us-east, environment prod, service api.gateway.main.
  Analysis window 2024-03-12 12:00 -> 16:00 (incident start 14:00, minus 2 h).
* At 14:00 two changes land together, so timing alone cannot tell them apart:
  release 2.5.0 takes half of the traffic (2.4.1 keeps the rest), and the flag
  new_pricing_engine is switched to `true` for 45 % of users (sticky per user).
* --root-cause picks which of them (or a zone) is actually broken:
    feature_flag       (default, shipped) requests with new_pricing_engine=true
                       that hit a pricing endpoint (products, cart, checkout,
                       orders) fail with 500 PricingEngineException; release
                       2.5.0 is the innocent confounder.
    availability_zone  us-east-1c answers 502/503/504 and its hosts saturate;
                       the release and the flag are both innocent.
    service_version    2.5.0 fails with 500 NullPointerException on every
                       endpoint; the flag is the innocent confounder.
  Echoes: the fault shows up in endpoints, products, partitions, zones (their
  error rates rise with the share of faulty traffic they carry), in a CRITICAL
  workflow scenario failing at one step, and in one dominant error signature.
* Everything else is healthy noise: 0.2 % background 5xx, 0.4 % 4xx, other
  regions (us-west with enough traffic for the regional check, eu-central
  thin), staging/dev and a second service (thin), synthetic test traffic in the
  scope that fails a lot (it must be excluded), rows just outside the window,
  rows on the window's edges, and a few malformed rows for the quarantine.

Re-running with the same arguments gives byte-identical files.
Usage: python scripts/generate_gateway_seeds.py [--root-cause X] [--out DIR]
"""
from __future__ import annotations

import argparse
import csv
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from seed_contract import contract_columns, in_contract_order

ROOT_CAUSES = ("feature_flag", "availability_zone", "service_version")
SEED = 20240312

DAY = datetime(2024, 3, 12)
INCIDENT_START = DAY + timedelta(hours=14)
WINDOW_START = INCIDENT_START - timedelta(hours=2)
WINDOW_END = DAY + timedelta(hours=16)
DATA_START = WINDOW_START - timedelta(minutes=30)
DATA_END = WINDOW_END + timedelta(minutes=30)

SCOPE = ("us-east", "prod", "api.gateway.main")
DATACENTERS = {
    "us-east-1a": "iad-dc1", "us-east-1b": "iad-dc2", "us-east-1c": "iad-dc3",
    "us-west-2a": "pdx-dc1", "us-west-2b": "pdx-dc2", "eu-central-1a": "fra-dc1",
}
INSTANCE_TYPES = (("c5.xlarge", 0.6), ("m5.large", 0.4))
FAULTY_ZONE = "us-east-1c"

# (path, method, weight, goes through the pricing engine)
ENDPOINTS = (
    ("/v2/products/{id}", "GET", 0.25, True),
    ("/v2/search", "GET", 0.22, False),
    ("/v2/cart", "POST", 0.15, True),
    ("/v2/checkout", "POST", 0.12, True),
    ("/v2/orders", "GET", 0.12, True),
    ("/v2/account", "GET", 0.10, False),
    ("/v1/cart", "POST", 0.004, True),  # legacy: below every minimum-traffic filter
)
PRODUCTS = (("P-100", "retail", 0.30), ("P-200", "retail", 0.25), ("P-300", "subscriptions", 0.20),
            ("P-400", "marketplace", 0.15), ("P-500", "digital", 0.10))
TIERS = (("PREMIUM", "enterprise", 0.25), ("STANDARD", "professional", 0.45), ("BASIC", "free", 0.30))
TENANT_BY_PARTITION = ("enterprise", "enterprise", "smb", "smb", "smb", "consumer", "consumer", "consumer")

# Background error signatures: (status, error_code, category, exception, message, component, dependency)
NOISE_5XX = (
    (500, "INTERNAL_ERROR", "APPLICATION", "IllegalStateException", "cart state out of sync", "cart-service", ""),
    (503, "UPSTREAM_UNAVAILABLE", "DEPENDENCY", "UpstreamUnavailableException", "inventory-db refused the connection",
     "inventory-client", "inventory-db"),
    (504, "UPSTREAM_TIMEOUT", "TIMEOUT", "GatewayTimeoutException", "upstream timed out after 3000 ms", "router", "search-index"),
)
NOISE_4XX = ((400, "BAD_REQUEST"), (404, "NOT_FOUND"), (429, "RATE_LIMITED"))
FAULT_5XX = {
    "feature_flag": ((500, "PRICING_QUOTE_FAILED", "DEPENDENCY", "PricingEngineException",
                      "pricing engine v2 returned a malformed quote", "pricing-client", "pricing-engine-v2"),),
    "availability_zone": ((503, "ZONE_UNAVAILABLE", "INFRASTRUCTURE", "UpstreamConnectException",
                           "no healthy upstream in zone", "load-balancer", ""),
                          (504, "ZONE_TIMEOUT", "INFRASTRUCTURE", "GatewayTimeoutException",
                           "upstream timed out after 3000 ms", "load-balancer", ""),
                          (502, "BAD_GATEWAY", "INFRASTRUCTURE", "BadGatewayException",
                           "upstream reset the connection", "load-balancer", "")),
    "service_version": ((500, "UNHANDLED_EXCEPTION", "APPLICATION", "NullPointerException",
                         "order summary is null in OrderAssembler.build", "order-service", ""),),
}
FAULT_PROBABILITY = {"feature_flag": 0.85, "availability_zone": 0.45, "service_version": 0.40}

# Workflow scenarios: (name, criticality, steps, workflows per minute in the scope)
SCENARIOS = (
    ("checkout_flow", "CRITICAL", ("cart_validation", "inventory_check", "price_calculation",
                                   "payment_authorization", "order_confirmation"), 0.7),
    ("payment_processing", "CRITICAL", ("payment_authorization", "fraud_screening", "capture_funds"), 0.5),
    ("order_tracking", "HIGH", ("fetch_order", "fetch_shipment"), 0.3),
    ("catalog_browse", "MEDIUM", ("search_query", "rank_results", "render_page"), 0.5),
    ("profile_update", "LOW", ("validate_input", "persist_profile"), 0.25),
)
# Which scenario fails at which step during the incident, and how often.
WORKFLOW_ECHO = {
    "feature_flag": {("checkout_flow", "price_calculation"): 0.30},
    "availability_zone": {("payment_processing", "payment_authorization"): 0.25,
                          ("checkout_flow", "payment_authorization"): 0.20},
    "service_version": {("checkout_flow", "order_confirmation"): 0.30,
                        ("order_tracking", "fetch_order"): 0.20},
}

# The column names and order of each file are the data contract's, declared
# once, on the seeds' columns in seeds/_gateway__seeds.yml (which the staging
# kit reads too): rows are built as dicts and written in that order.


# Traffic segments: (region, environment, service, zones, requests per minute, kind)
SEGMENTS = (
    ("us-east", "prod", "api.gateway.main", ("us-east-1a", "us-east-1b", "us-east-1c"), 26.0, "scope"),
    ("us-west", "prod", "api.gateway.main", ("us-west-2a", "us-west-2b"), 10.0, "healthy"),
    ("eu-central", "prod", "api.gateway.main", ("eu-central-1a",), 2.0, "healthy"),
    ("us-east", "staging", "api.gateway.main", ("us-east-1a",), 1.0, "healthy"),
    ("us-east", "dev", "api.gateway.main", ("us-east-1a",), 0.5, "dev"),
    ("us-east", "prod", "api.gateway.search", ("us-east-1a", "us-east-1b"), 2.0, "healthy"),
    ("us-east", "prod", "api.gateway.main", ("us-east-1a", "us-east-1b", "us-east-1c"), 1.5, "synthetic"),
)


def ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def boolean_text(rng: np.random.Generator, value: bool, allow_empty: bool = False) -> str:
    """The contract's spellings: true/false, 1/0 and (for false) sometimes empty."""
    style = rng.integers(0, 3 if allow_empty and not value else 2)
    if style == 2:
        return ""
    return ("true" if value else "false") if style == 0 else ("1" if value else "0")


class Generator:
    def __init__(self, root_cause: str):
        self.root_cause = root_cause
        self.rng = np.random.default_rng(SEED)
        self.gateway: list[list] = []
        self.flags: list[list] = []
        self.products: list[list] = []
        self.infra: list[list] = []
        self.workflows: list[list] = []
        self.users = self._make_users(1500)
        self.instances: dict[tuple, list[str]] = {}
        self.request_seq = 0

    # ---- entities -------------------------------------------------------
    def _make_users(self, count: int) -> list[dict]:
        rng = self.rng
        tiers = rng.choice(len(TIERS), size=count, p=[t[2] for t in TIERS])
        return [
            {"user_id": f"u-{i:05d}", "tier": int(tiers[i]), "partition": int(rng.integers(0, 8)),
             "flag_bucket": float(rng.random()), "recs": bool(rng.random() < 0.5)}
            for i in range(count)
        ]

    def instances_for(self, zone: str, service: str, environment: str, instance_type: str) -> list[str]:
        key = (zone, service, environment, instance_type)
        if key not in self.instances:
            short = f"{service.split('.')[-1]}-{environment}-{zone}-{instance_type.split('.')[0]}"
            self.instances[key] = [f"i-{short}-{n}" for n in (1, 2)]
        return self.instances[key]

    # ---- api gateway ------------------------------------------------------
    def generate_requests(self) -> None:
        rng = self.rng
        minutes = int((DATA_END - DATA_START).total_seconds() // 60)
        for region, environment, service, zones, per_minute, kind in SEGMENTS:
            for minute in range(minutes):
                minute_start = DATA_START + timedelta(minutes=minute)
                in_window = WINDOW_START <= minute_start < WINDOW_END
                rate = per_minute if in_window or kind != "scope" else per_minute / 5
                if kind != "scope" and not in_window:
                    rate = per_minute / 10
                for _ in range(int(rng.poisson(rate))):
                    offset_us = int(rng.integers(1, 60_000_000))  # never on a whole minute: samples live there
                    moment = minute_start + timedelta(microseconds=offset_us)
                    self.add_request(moment, region, environment, service, zones, kind)
        self.add_edge_requests()
        self.add_malformed_requests()

    def add_request(self, moment, region, environment, service, zones, kind, request_id=None) -> str:
        rng = self.rng
        self.request_seq += 1
        request_id = request_id or f"req-{self.request_seq:07d}"
        user = self.users[int(rng.integers(0, len(self.users)))]
        synthetic = kind == "synthetic"
        after_change = moment >= INCIDENT_START
        scope_prod = (region, environment) in (("us-east", "prod"), ("us-west", "prod"), ("eu-central", "prod"))

        zone = zones[int(rng.integers(0, len(zones)))] if len(zones) > 1 else zones[0]
        type_index = 0 if rng.random() < INSTANCE_TYPES[0][1] else 1
        instance_type = INSTANCE_TYPES[type_index][0]
        instance_id = self.instances_for(zone, service, environment, instance_type)[int(rng.integers(0, 2))]

        if synthetic:
            path, method, pricing = "/v2/health", "GET", False
        else:
            weights = np.array([e[2] for e in ENDPOINTS])
            endpoint = ENDPOINTS[int(rng.choice(len(ENDPOINTS), p=weights / weights.sum()))]
            path, method, pricing = endpoint[0], endpoint[1], endpoint[3]
        api_version = "v1" if path.startswith("/v1/") else "v2"
        client_type = "synthetic" if synthetic else ("web" if rng.random() < 0.6 else "mobile")

        # The two changes of 14:00 (only in prod, where the rollout happened).
        if kind == "dev":
            version = ("2.6.0-rc1", "canary", "2.5.0")[int(rng.integers(0, 3))]  # unparseable ones stay null
        elif scope_prod and after_change and rng.random() < 0.5:
            version = "2.5.0"
        elif rng.random() < 0.01:
            version = "2.3.9"  # stragglers, below the per-version minimum
        else:
            version = "2.4.1"
        flag_on = scope_prod and after_change and user["flag_bucket"] < 0.45

        faulty = False
        if kind in ("scope",) and after_change:
            if self.root_cause == "feature_flag":
                faulty = flag_on and pricing
            elif self.root_cause == "availability_zone":
                faulty = zone == FAULTY_ZONE
            else:
                faulty = version == "2.5.0"
        faulty = faulty and rng.random() < FAULT_PROBABILITY[self.root_cause]

        status, signature = 200, None
        if synthetic and rng.random() < 0.5:
            status, signature = 503, NOISE_5XX[1]  # probes hit a broken health check: must not count
        elif faulty:
            options = FAULT_5XX[self.root_cause]
            signature = options[int(rng.integers(0, len(options)))]
            status = signature[0]
        else:
            draw = rng.random()
            if draw < 0.002:
                signature = NOISE_5XX[int(rng.integers(0, len(NOISE_5XX)))]
                status = signature[0]
            elif draw < 0.006:
                status = NOISE_4XX[int(rng.integers(0, len(NOISE_4XX)))][0]
            elif method == "POST" and rng.random() < 0.3:
                status = 201

        latency = float(np.exp(rng.normal(np.log(120), 0.45)))
        connection = float(rng.uniform(1, 15))
        if faulty and self.root_cause == "feature_flag":
            latency = float(rng.uniform(2500, 4500))  # waits on the pricing engine before failing
        elif faulty and self.root_cause == "availability_zone":
            connection = float(rng.uniform(800, 3000))
            latency = connection + float(rng.uniform(100, 400))
        elif faulty:
            latency = float(rng.uniform(20, 80))  # fails fast
        backend = latency * float(rng.uniform(0.6, 0.9))
        request_size = int(rng.integers(200, 4000)) if method == "POST" else int(rng.integers(150, 600))
        response_size = int(rng.integers(500, 60000)) if status < 400 else int(rng.integers(100, 400))
        cache_hit = method == "GET" and status < 400 and rng.random() < 0.55
        is_retry = rng.random() < (0.25 if faulty else 0.03)

        partition = user["partition"]
        error = signature is not None
        cascading = error and signature in FAULT_5XX.get(self.root_cause, ()) and rng.random() < 0.15
        dependency_failure = error and bool(signature[6]) if error else False

        if synthetic:
            test_text = ("true", "1", "TRUE")[int(rng.integers(0, 3))]
        else:
            test_text = boolean_text(rng, False, allow_empty=True)

        row = {
            "request_id": request_id, "timestamp": ts(moment), "region": region, "datacenter": DATACENTERS[zone],
            "availability_zone": zone, "environment": environment, "service_name": service, "service_version": version,
            "instance_id": instance_id, "instance_type": instance_type, "load_balancer_id": f"lb-{zone}",
            "endpoint_path": path, "http_method": method, "api_version": api_version, "client_type": client_type,
            "status_code": status, "latency_ms": f"{latency:.2f}", "backend_latency_ms": f"{backend:.2f}",
            "connection_time_ms": f"{connection:.2f}", "request_size_bytes": request_size,
            "response_size_bytes": response_size,
            "data_processed_bytes": request_size + response_size * int(rng.integers(1, 4)),
            "cache_hit": boolean_text(rng, cache_hit), "is_retry": boolean_text(rng, is_retry), "is_test_traffic": test_text,
            "partition_id": f"p-{partition:02d}", "shard_id": f"shard-{partition // 2}",
            "tenant_category": TENANT_BY_PARTITION[partition], "user_id": user["user_id"],
            "session_id": f"s-{user['user_id'][2:]}-{moment.hour:02d}",
        }
        error_columns = ("error_code", "error_category", "exception_type", "exception_message", "stack_trace_hash",
                         "service_component", "dependency_name")
        if error:
            row.update(zip(error_columns, (signature[1], signature[2], signature[3], signature[4],
                                           f"st-{abs(hash_text(signature[3] + signature[5])) % 10**8:08d}",
                                           signature[5], signature[6])))
        elif status >= 400:
            row.update(zip(error_columns, (NOISE_4XX[[c for c, _ in NOISE_4XX].index(status)][1], "CLIENT", "", "", "", "", "")))
        else:
            row.update(dict.fromkeys(error_columns, ""))
        row["is_cascading_failure"] = boolean_text(rng, cascading, allow_empty=not error)
        row["has_dependency_failure"] = boolean_text(rng, dependency_failure)
        self.gateway.append(row)

        self.add_flags(request_id, user, flag_on, path)
        self.add_product(request_id, user)
        return request_id

    def add_flags(self, request_id: str, user: dict, flag_on: bool, path: str) -> None:
        rng = self.rng
        def flag(name: str, value: str) -> dict:
            return {"request_id": request_id, "flag_name": name, "flag_value": value}
        self.flags.append(flag("new_pricing_engine", "true" if flag_on else "false"))
        if rng.random() < 0.7:
            self.flags.append(flag("recommendations_v2", "on" if user["recs"] else "off"))
        if path == "/v2/search":
            self.flags.append(flag("search_ranker", "bm25" if rng.random() < 0.5 else "learned"))
        if rng.random() < 0.01:
            self.flags.append(flag("legacy_checkout", "true"))  # too rare for the flag check

    def add_product(self, request_id: str, user: dict) -> None:
        rng = self.rng
        product = PRODUCTS[int(rng.choice(len(PRODUCTS), p=[p[2] for p in PRODUCTS]))]
        tier = TIERS[user["tier"]]
        self.products.append({"request_id": request_id, "product_id": product[0], "product_category": product[1],
                              "customer_tier": tier[0], "subscription_type": tier[1]})

    def add_edge_requests(self) -> None:
        """Requests on the window's inclusive edges, and one a microsecond past the end."""
        zones = SEGMENTS[0][3]
        for moment, request_id in ((WINDOW_START, "req-edge-start"), (WINDOW_END, "req-edge-end"),
                                   (WINDOW_END + timedelta(microseconds=1), "req-edge-after")):
            self.add_request(moment, *SCOPE, zones, "scope", request_id=request_id)

    def add_malformed_requests(self) -> None:
        """A few unusable rows, to be quarantined with a reason (never loaded as traffic)."""
        good = dict(self.gateway[100])
        bad_rows = []
        for column, value, suffix in (("timestamp", "2024-03-12 25:61:00", "bad-ts"),
                                      ("status_code", "five hundred", "bad-status"),
                                      ("latency_ms", "-12.5", "neg-latency"),
                                      ("is_retry", "maybe", "bad-bool"),
                                      ("request_id", "", "no-id")):
            row = {**good, "request_id": f"req-bad-{suffix}"}
            row[column] = value
            bad_rows.append(row)
        bad_rows.append(dict(good))  # exact duplicate of an existing request
        self.gateway.extend(bad_rows)
        self.flags.append({"request_id": "", "flag_name": "new_pricing_engine", "flag_value": "true"})
        self.products.append({"request_id": good["request_id"], "product_id": "P-100", "product_category": "retail",
                              "customer_tier": "GOLD", "subscription_type": "enterprise"})  # unknown tier, duplicate id

    # ---- infrastructure -----------------------------------------------------
    def generate_infrastructure(self) -> None:
        rng = self.rng

        def sample(instance_id, moment, cpu, memory, connections) -> dict:
            return {"instance_id": instance_id, "timestamp": moment, "cpu_utilization": cpu,
                    "memory_utilization": memory, "concurrent_connections": connections}
        minutes = int((DATA_END - DATA_START).total_seconds() // 60) + 1
        for (zone, _service, environment, _type), instance_ids in sorted(self.instances.items()):
            for instance_id in instance_ids:
                for minute in range(minutes):
                    moment = DATA_START + timedelta(minutes=minute)
                    if rng.random() < 0.03:
                        continue  # missing samples: the as-of join must fall back to the previous one
                    stressed = (self.root_cause == "availability_zone" and zone == FAULTY_ZONE
                                and environment == "prod" and moment >= INCIDENT_START)
                    cpu = rng.uniform(88, 99) if stressed else float(np.clip(rng.normal(45, 8), 5, 95))
                    memory = rng.uniform(86, 97) if stressed else float(np.clip(rng.normal(60, 5), 10, 95))
                    connections = int(rng.poisson(900 if stressed else 150))
                    self.infra.append(sample(instance_id, moment.strftime("%Y-%m-%d %H:%M:%S"),
                                             f"{cpu:.1f}", f"{memory:.1f}", connections))
        # unusable samples, to be quarantined: CPU above 100 %, CPU not a number
        instance_id = self.infra[0]["instance_id"]
        self.infra.append(sample(instance_id, "2024-03-12 13:00:30", "101.5", "50.0", "120"))
        self.infra.append(sample(instance_id, "2024-03-12 13:00:45", "n/a", "50.0", "120"))

    # ---- workflows -----------------------------------------------------------
    def generate_workflows(self) -> None:
        rng = self.rng
        minutes = int((DATA_END - DATA_START).total_seconds() // 60)
        segments = (("us-east", "prod", 1.0, False), ("us-west", "prod", 0.4, False),
                    ("us-east", "staging", 0.1, False), ("us-east", "prod", 0.1, True))
        sequence = 0
        for region, environment, scale, synthetic in segments:
            for name, criticality, steps, per_minute in SCENARIOS:
                for minute in range(minutes):
                    minute_start = DATA_START + timedelta(minutes=minute)
                    for _ in range(int(rng.poisson(per_minute * scale))):
                        sequence += 1
                        start = minute_start + timedelta(microseconds=int(rng.integers(1, 60_000_000)))
                        self.add_workflow(sequence, start, region, environment, synthetic, name, criticality, steps)
        # unusable rows, to be quarantined: an unknown status, and an exact copy of a step
        unknown_status = {**self.workflows[10], "correlation_id": "corr-bad-status", "workflow_status": "DONE"}
        self.workflows.append(unknown_status)
        self.workflows.append(dict(self.workflows[20]))

    def add_workflow(self, sequence, start, region, environment, synthetic, name, criticality, steps) -> None:
        rng = self.rng
        user = self.users[int(rng.integers(0, len(self.users)))]
        workflow_id = f"wf-{sequence:06d}"
        in_incident = region == "us-east" and environment == "prod" and start >= INCIDENT_START
        failing_step = None
        if synthetic:
            failing_step = steps[-1] if rng.random() < 0.6 else None  # synthetic checks fail a lot
        elif in_incident:
            for (scenario, step), probability in WORKFLOW_ECHO[self.root_cause].items():
                if scenario == name and rng.random() < probability:
                    failing_step = step
        if failing_step is None and criticality in ("MEDIUM", "LOW") and rng.random() < 0.02:
            failing_step = steps[int(rng.integers(0, len(steps)))]
        in_flight = start >= WINDOW_END - timedelta(minutes=3) and failing_step is None and rng.random() < 0.5

        test_text = "true" if synthetic else boolean_text(rng, False, allow_empty=True)

        def step_row(correlation_id, step, status, elapsed, retries, compensation, moment) -> dict:
            return {"correlation_id": correlation_id, "workflow_id": workflow_id, "scenario_name": name,
                    "workflow_step": step, "workflow_status": status, "business_criticality": criticality,
                    "total_workflow_time_ms": elapsed, "retry_attempts": retries, "user_id": user["user_id"],
                    "has_compensation": compensation, "timestamp": ts(moment), "region": region,
                    "environment": environment, "is_test_traffic": test_text}
        elapsed_ms = 0.0
        moment = start
        for index, step in enumerate(steps):
            duration = float(rng.uniform(40, 900))
            elapsed_ms += duration
            moment = moment + timedelta(milliseconds=duration)
            retries = int(rng.integers(1, 4)) if step == failing_step else int(rng.random() < 0.05)
            if step == failing_step:
                status = "FAILED"
            elif in_flight and index == len(steps) - 1:
                status = "IN_PROGRESS"
            else:
                status = "COMPLETED"
            self.workflows.append(step_row(f"corr-{sequence:06d}-{index}", step, status, f"{elapsed_ms:.0f}", retries,
                                           boolean_text(rng, False), moment))
            if status == "FAILED":
                if rng.random() < 0.5:  # the saga undoes the completed steps
                    moment = moment + timedelta(milliseconds=150)
                    elapsed_ms += 150
                    self.workflows.append(step_row(f"corr-{sequence:06d}-c", f"compensate_{step}", "COMPENSATED",
                                                   f"{elapsed_ms:.0f}", 0, boolean_text(rng, True), moment))
                break

    # ---- output ---------------------------------------------------------------
    def write(self, out_dir: Path) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, rows in (("api_gateway_logs", self.gateway), ("feature_flags", self.flags),
                           ("infrastructure_metrics", self.infra), ("product_metadata", self.products),
                           ("workflow_tracking", self.workflows)):
            columns = contract_columns(name)
            with open(out_dir / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(columns)
                writer.writerows(in_contract_order(row, columns) for row in rows)


def hash_text(text: str) -> int:
    """A stable string hash (Python's hash() is salted per process)."""
    value = 0
    for char in text:
        value = (value * 131 + ord(char)) % (2**61 - 1)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root-cause", choices=ROOT_CAUSES, default="feature_flag")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "seeds")
    args = parser.parse_args()
    generator = Generator(args.root_cause)
    generator.generate_requests()
    generator.generate_infrastructure()
    generator.generate_workflows()
    generator.write(args.out)
    print(f"{args.root_cause}: {len(generator.gateway)} requests, {len(generator.flags)} flags, "
          f"{len(generator.infra)} infra samples, {len(generator.products)} products, "
          f"{len(generator.workflows)} workflow rows -> {args.out}")


if __name__ == "__main__":
    main()
