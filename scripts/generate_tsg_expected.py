#!/usr/bin/env python3
"""Expected outputs of the TSG checks (steps 2-10) on the shipped seeds.

An independent re-implementation in pandas of what each check computes, read
straight from the raw CSVs with the default vars (the shipped incident). It
writes seeds/expected/expected_tsg_step*.csv; the models' `equals_expected`
tests compare the dbt results against them, so a disagreement between the
two implementations fails `dbt build`. Key columns only: identities, counts,
rates rounded to 4 decimals, statuses and ranks.

Usage: python scripts/generate_tsg_expected.py [--seeds DIR] [--out DIR]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

REGION, ENVIRONMENT, SERVICE = "us-east", "prod", "api.gateway.main"
INCIDENT_START = pd.Timestamp("2024-03-12 14:00:00")
WINDOW_START = INCIDENT_START - pd.Timedelta(hours=2)
WINDOW_END = pd.Timestamp("2024-03-12 16:00:00")
BOOLEAN = {"true": True, "1": True, "false": False, "0": False, "": None}
DECIMALS = 4


# ---- loading and cleaning (the contract's rules, written again) -------------
def read_raw(seeds: Path, name: str) -> pd.DataFrame:
    frame = pd.read_csv(seeds / f"{name}.csv", dtype=str, keep_default_na=False)
    return frame.apply(lambda column: column.str.strip())


def drop_duplicates(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """Exact copies keep one row; a key repeated with different values keeps none."""
    frame = frame.drop_duplicates()
    return frame[~frame.duplicated(subset=key, keep=False)]


def booleans_valid(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    return frame[columns].apply(lambda column: column.str.lower().isin(BOOLEAN)).all(axis=1)


def to_bool(column: pd.Series) -> pd.Series:
    return column.str.lower().map(BOOLEAN).eq(True)


def load_requests(seeds: Path) -> pd.DataFrame:
    raw = read_raw(seeds, "api_gateway_logs")
    raw = raw[raw["request_id"] != ""]
    raw = drop_duplicates(raw, ["request_id"])
    frame = raw.copy()
    frame["ts"] = pd.to_datetime(frame["timestamp"], format="%Y-%m-%d %H:%M:%S.%f", errors="coerce")
    missing_fraction = frame["ts"].isna() & frame["timestamp"].str.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
    frame.loc[missing_fraction, "ts"] = pd.to_datetime(frame.loc[missing_fraction, "timestamp"], errors="coerce")
    frame["status"] = pd.to_numeric(frame["status_code"], errors="coerce")
    numbers = ["latency_ms", "backend_latency_ms", "connection_time_ms", "request_size_bytes",
               "response_size_bytes", "data_processed_bytes"]
    for column in numbers:
        frame[column + "_n"] = pd.to_numeric(frame[column].replace("", np.nan), errors="coerce")
    booleans = ["cache_hit", "is_retry", "is_test_traffic", "is_cascading_failure", "has_dependency_failure"]
    numbers_valid = pd.concat([(frame[c] == "") | (frame[c + "_n"] >= 0) for c in numbers], axis=1).all(axis=1)
    valid = (
        frame["ts"].notna() & frame["status"].between(100, 599) & numbers_valid
        & booleans_valid(frame, booleans)
        & (frame[["region", "environment", "service_name"]] != "").all(axis=1)
    )
    frame = frame[valid].copy()
    for column in booleans:
        frame[column] = to_bool(frame[column])
    frame["latency"] = frame["latency_ms_n"]
    frame["success"] = frame["status"].between(200, 299)
    frame["server_error"] = frame["status"] >= 500
    frame["client_error"] = frame["status"].between(400, 499)
    frame = frame.replace({"": None})
    in_window = frame["ts"].between(WINDOW_START, WINDOW_END)
    real = (frame["environment"].str.lower() == ENVIRONMENT) & (frame["service_name"] == SERVICE) & ~frame["is_test_traffic"]
    return frame[in_window & real].copy()


def rounded(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.round(DECIMALS)


def percentile(values: pd.Series, fraction: float) -> float:
    return float(np.quantile(values.to_numpy(dtype=float), fraction))  # linear = PERCENTILE_CONT


# ---- the checks -------------------------------------------------------------
def step02(scope: pd.DataFrame) -> pd.DataFrame:
    parts = scope["service_version"].str.extract(r"^(\d+)\.(\d+)\.(\d+)$").astype(float)
    scope = scope.assign(major=parts[0], minor=parts[1], patch=parts[2]).dropna(subset=["major"])
    worst = (scope.groupby(["service_version", scope["ts"].dt.floor("min")])["latency"]
             .apply(lambda s: percentile(s, 0.99)).groupby(level=0).max())
    versions = scope.groupby(["service_version", "major", "minor", "patch"]).agg(
        total_count=("request_id", "size"), failure_count=("server_error", "sum"),
        slow=("latency", lambda s: (s > 5000).sum()), overall_avg_latency_ms=("latency", "mean")).reset_index()
    versions = versions[versions["total_count"] > 1000].sort_values(["major", "minor", "patch"])
    versions["failure_rate"] = 100 * versions["failure_count"] / versions["total_count"]
    versions["slow_rate"] = 100 * versions["slow"] / versions["total_count"]
    versions["prev_failure_rate"] = versions["failure_rate"].shift()
    versions["failure_rate_delta"] = versions["failure_rate"] - versions["prev_failure_rate"]
    versions["version_rank"] = np.arange(len(versions), 0, -1)
    versions["max_p99_latency_ms"] = versions["service_version"].map(worst)
    latest = versions["version_rank"] == 1
    versions["assessment"] = np.select(
        [latest & (versions["failure_rate_delta"] > 10), latest & (versions["slow_rate"] > 10)],
        ["REGRESSION_DETECTED", "PERFORMANCE_DEGRADATION"], "NO_REGRESSION")
    columns = ["service_version", "version_rank", "total_count", "failure_count", "failure_rate", "prev_failure_rate",
               "failure_rate_delta", "slow_rate", "overall_avg_latency_ms", "max_p99_latency_ms", "assessment"]
    return rounded(versions[versions["version_rank"] <= 5][columns])


def step03(scope: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
    joined = scope.merge(flags, on="request_id")
    per_flag = joined.groupby(["flag_name", "flag_value"]).agg(
        request_count=("request_id", "nunique"), error_count=("server_error", "sum"),
        success_count=("success", "sum"), avg_latency_ms=("latency", "mean"),
        p95_latency_ms=("latency", lambda s: percentile(s, 0.95))).reset_index()
    per_flag = per_flag[per_flag["request_count"] > 100].copy()
    per_flag["error_rate"] = 100 * per_flag["error_count"] / per_flag["request_count"]
    per_flag["success_rate"] = 100 * per_flag["success_count"] / per_flag["request_count"]
    spread = per_flag["avg_latency_ms"].std(ddof=1)
    zscore = (per_flag["avg_latency_ms"] - per_flag["avg_latency_ms"].mean()) / (spread if spread else np.nan)
    big = per_flag["request_count"] > 500
    per_flag["flag_status"] = np.select(
        [(per_flag["error_rate"] > 15) & big, (per_flag["p95_latency_ms"] > 5000) & big, zscore > 3],
        ["HIGH_ERROR_RATE", "HIGH_LATENCY", "LATENCY_ANOMALY"], "NORMAL")
    per_flag = per_flag.sort_values(["error_rate", "request_count", "flag_name", "flag_value"],
                                    ascending=[False, False, True, True])
    per_flag["severity_rank"] = np.arange(1, len(per_flag) + 1)
    per_flag = per_flag[(per_flag["flag_status"] != "NORMAL") & (per_flag["severity_rank"] <= 10)]
    columns = ["flag_name", "flag_value", "request_count", "error_count", "error_rate", "success_rate",
               "avg_latency_ms", "p95_latency_ms", "flag_status", "severity_rank"]
    return rounded(per_flag[columns])


def step04(window: pd.DataFrame) -> pd.DataFrame:
    keys = ["region", "datacenter", "availability_zone"]
    hours = (window["ts"] - WINDOW_START).dt.total_seconds() / 3600
    window = window.assign(hours=hours, points=100.0 * window["success"])

    def slope(group: pd.DataFrame) -> float:
        variance = group["hours"].var(ddof=0)
        return 0.0 if not variance else float(((group["hours"] - group["hours"].mean())
                                               * (group["points"] - group["points"].mean())).mean() / variance)

    zones = window.groupby(keys).agg(
        total_count=("request_id", "size"), success_count=("success", "sum"),
        failure_count=("server_error", "sum"), rate_limited_count=("status", lambda s: (s == 429).sum()),
        unavailable_count=("status", lambda s: (s == 503).sum())).reset_index()
    trends = window.groupby(keys)[["hours", "points"]].apply(slope).rename("availability_trend_pp_per_hour")
    zones = zones.merge(trends.reset_index(), on=keys)
    zones = zones[zones["total_count"] > 1000].copy()
    zones["availability_pct"] = 100 * zones["success_count"] / zones["total_count"]
    trend = zones["availability_trend_pp_per_hour"]
    zones["trend"] = np.select([trend < -0.01, trend > 0.01], ["DEGRADING", "IMPROVING"], "STABLE")
    zones["health_status"] = np.select([zones["availability_pct"] < 95, zones["availability_pct"] < 99],
                                       ["CRITICAL", "WARNING"], "HEALTHY")
    columns = keys + ["total_count", "availability_pct", "failure_count", "rate_limited_count",
                      "unavailable_count", "availability_trend_pp_per_hour", "trend", "health_status"]
    return rounded(zones[columns])


def step05(scope: pd.DataFrame) -> pd.DataFrame:
    keys = ["partition_id", "shard_id", "tenant_category"]
    stddev = (scope.groupby(keys + [scope["ts"].dt.floor("30min")])["latency"].std(ddof=1)
              .groupby(level=[0, 1, 2]).mean().rename("avg_latency_stddev_ms"))
    parts = scope.groupby(keys).agg(
        total_requests=("request_id", "size"), successes=("success", "sum"), errors=("server_error", "sum"),
        overall_avg_latency_ms=("latency", "mean"), affected_users=("user_id", "nunique")).reset_index()
    parts = parts.merge(stddev.reset_index(), on=keys)
    parts = parts[parts["total_requests"] > 100].copy()
    parts["success_rate"] = 100 * parts["successes"] / parts["total_requests"]
    parts["error_rate"] = 100 * parts["errors"] / parts["total_requests"]
    latency = parts["overall_avg_latency_ms"]
    parts["health_score"] = (parts["success_rate"] * 0.4 + (100 - np.minimum(parts["error_rate"] * 2, 100)) * 0.3
                             + np.select([latency < 1000, latency < 3000], [100, 50], 0) * 0.3)
    parts["partition_status"] = np.select(
        [parts["error_rate"] > 10, latency > 3000, parts["avg_latency_stddev_ms"] > 1000, parts["success_rate"] < 95],
        ["HIGH_ERRORS", "HIGH_LATENCY", "UNSTABLE", "LOW_SUCCESS"], "HEALTHY")
    parts = parts[parts["partition_status"] != "HEALTHY"].copy()
    parts["severity_rank"] = parts["health_score"].rank(method="min").astype(int)
    columns = keys + ["total_requests", "success_rate", "error_rate", "affected_users", "health_score",
                      "partition_status", "severity_rank"]
    return rounded(parts[parts["severity_rank"] <= 20][columns])


def step06(scope: pd.DataFrame, infra: pd.DataFrame) -> pd.DataFrame:
    requests = scope.sort_values("ts")
    samples = infra.sort_values("sampled_at")
    joined = pd.merge_asof(requests, samples, left_on="ts", right_on="sampled_at", by="instance_id",
                           direction="backward", allow_exact_matches=True)
    zones = joined.groupby(["availability_zone", "instance_type"]).agg(
        total_requests=("request_id", "size"), successful=("success", "sum"),
        infra_errors=("status", lambda s: s.isin([502, 503, 504]).sum()),
        overall_latency_ms=("latency", "mean"), avg_cpu_usage=("cpu", "mean"),
        avg_memory_usage=("memory", "mean")).reset_index()
    zones = zones[zones["total_requests"] > 500].copy()
    zones["success_rate"] = 100 * zones["successful"] / zones["total_requests"]
    zones["infrastructure_error_rate"] = 100 * zones["infra_errors"] / zones["total_requests"]
    latency = zones["overall_latency_ms"]
    zones["zone_status"] = np.select(
        [zones["success_rate"] < 90, zones["success_rate"] < 95, zones["infrastructure_error_rate"] > 5,
         latency > 2000, (zones["avg_cpu_usage"] > 80) | (zones["avg_memory_usage"] > 85)],
        ["CRITICAL", "DEGRADED", "INFRASTRUCTURE_ISSUES", "PERFORMANCE_ISSUES", "RESOURCE_PRESSURE"], "HEALTHY")
    zones["health_score"] = (zones["success_rate"] * 0.5 + (100 - zones["infrastructure_error_rate"]) * 0.3
                             + np.select([latency < 500, latency < 1000, latency < 2000], [100, 75, 50], 25) * 0.2)
    zones["priority"] = zones["health_score"].rank(method="dense").astype(int)
    columns = ["availability_zone", "instance_type", "total_requests", "success_rate", "infrastructure_error_rate",
               "avg_cpu_usage", "avg_memory_usage", "zone_status", "health_score", "priority"]
    return rounded(zones[columns])


def step07(scope: pd.DataFrame) -> pd.DataFrame:
    keys = ["endpoint_path", "http_method", "api_version", "client_type"]
    worst_p99 = (scope.groupby(keys + [scope["ts"].dt.floor("10min")])["latency"]
                 .apply(lambda s: percentile(s, 0.99)).groupby(level=[0, 1, 2, 3]).max().rename("max_p99_latency_ms"))
    ends = scope.groupby(keys).agg(
        total_requests=("request_id", "size"), success=("success", "sum"), server=("server_error", "sum"),
        client=("client_error", "sum"), cache=("cache_hit", "sum")).reset_index()
    ends = ends.merge(worst_p99.reset_index(), on=keys)
    ends = ends[ends["total_requests"] > 100].copy()
    for name, column in (("success_rate", "success"), ("server_error_rate", "server"),
                         ("client_error_rate", "client"), ("cache_hit_rate", "cache")):
        ends[name] = 100 * ends[column] / ends["total_requests"]
    ends["endpoint_status"] = np.select(
        [ends["server_error_rate"] > 10, ends["success_rate"] < 90, ends["max_p99_latency_ms"] > 5000,
         ends["client_error_rate"] > 30, (ends["cache_hit_rate"] < 20) & (ends["total_requests"] > 1000)],
        ["HIGH_SERVER_ERRORS", "LOW_SUCCESS_RATE", "HIGH_LATENCY", "HIGH_CLIENT_ERRORS", "LOW_CACHE_EFFICIENCY"],
        "NORMAL")
    ends["impact_score"] = ends["total_requests"] / 1000 * (100 - ends["success_rate"])
    ends = ends[ends["endpoint_status"] != "NORMAL"].copy()
    ends["impact_rank"] = ends["impact_score"].rank(method="min", ascending=False).astype(int)
    columns = keys + ["total_requests", "success_rate", "server_error_rate", "cache_hit_rate", "endpoint_status",
                      "impact_score", "impact_rank"]
    return rounded(ends[ends["impact_rank"] <= 25][columns])


def step08(scope: pd.DataFrame, products: pd.DataFrame) -> pd.DataFrame:
    keys = ["product_id", "product_category", "customer_tier", "subscription_type"]
    joined = scope.merge(products, on="request_id")
    per = joined.groupby(keys).agg(
        total_requests=("request_id", "size"), successful=("success", "sum"),
        affected_users=("user_id", "nunique"), retries=("is_retry", "sum")).reset_index()
    per = per[per["total_requests"] > 100].copy()
    per["success_rate"] = 100 * per["successful"] / per["total_requests"]
    per["retry_rate"] = 100 * per["retries"] / per["total_requests"]
    tier = per["customer_tier"]
    per["product_status"] = np.select(
        [(tier == "PREMIUM") & (per["success_rate"] < 99.5), (tier == "STANDARD") & (per["success_rate"] < 99),
         per["success_rate"] < 95, per["retry_rate"] > 20],
        ["SLA_BREACH_PREMIUM", "SLA_BREACH_STANDARD", "CRITICAL", "HIGH_RETRY_RATE"], "HEALTHY")
    weight = tier.map({"PREMIUM": 10, "STANDARD": 3}).fillna(1)
    per["business_impact_score"] = per["affected_users"] * weight * (100 - per["success_rate"]) / 100
    per = per[per["product_status"] != "HEALTHY"].copy()
    per["priority"] = per["business_impact_score"].rank(method="dense", ascending=False).astype(int)
    columns = keys + ["total_requests", "success_rate", "affected_users", "retry_rate", "product_status",
                      "business_impact_score", "priority"]
    return rounded(per[per["priority"] <= 20][columns])


def step09(seeds: Path) -> pd.DataFrame:
    raw = read_raw(seeds, "workflow_tracking")
    raw = drop_duplicates(raw[raw["correlation_id"] != ""], ["correlation_id"])
    raw = raw[raw["workflow_status"].str.upper().isin(["COMPLETED", "FAILED", "IN_PROGRESS", "COMPENSATED"])]
    raw["at"] = pd.to_datetime(raw["timestamp"], format="%Y-%m-%d %H:%M:%S.%f", errors="coerce")
    steps = raw[raw["at"].between(WINDOW_START, WINDOW_END) & (raw["region"] == REGION)
                & (raw["environment"] == ENVIRONMENT) & ~to_bool(raw["is_test_traffic"])]
    rows = []
    for (scenario, criticality), group in steps.groupby(["scenario_name", "business_criticality"]):
        outcomes, failing = [], []
        for _, workflow in group.sort_values(["at", "correlation_id"]).groupby("workflow_id"):
            statuses = list(workflow["workflow_status"])
            if "COMPENSATED" in statuses:
                outcomes.append("COMPENSATED")
            elif "FAILED" in statuses:
                outcomes.append("FAILED")
            elif statuses[-1] == "IN_PROGRESS":
                outcomes.append("IN_PROGRESS")
            else:
                outcomes.append("COMPLETED")
            failing += list(workflow.loc[workflow["workflow_status"] == "FAILED", "workflow_step"][:1])
        finished = len(outcomes) - outcomes.count("IN_PROGRESS")
        rate = 100 * outcomes.count("COMPLETED") / finished if finished else np.nan
        top = pd.Series(failing, dtype=object).value_counts().sort_index().sort_values(ascending=False, kind="stable")
        status = ("NO_FINISHED_WORKFLOWS" if np.isnan(rate) else "CRITICAL_SCENARIO_FAILING"
                  if rate < 99 and criticality == "CRITICAL" else "DEGRADED" if rate < 99 else "HEALTHY")
        rows.append({"scenario_name": scenario, "business_criticality": criticality,
                     "total_workflows": len(outcomes), "completed_workflows": outcomes.count("COMPLETED"),
                     "failed_workflows": outcomes.count("FAILED"),
                     "compensated_workflows": outcomes.count("COMPENSATED"),
                     "in_progress_workflows": outcomes.count("IN_PROGRESS"), "completion_rate": rate,
                     "top_failing_step": top.index[0] if len(top) else None, "scenario_status": status})
    return rounded(pd.DataFrame(rows))


def step10(scope: pd.DataFrame) -> pd.DataFrame:
    keys = ["error_category", "exception_type", "service_component", "dependency_name"]
    errors = scope[scope["server_error"]].fillna({k: "<null>" for k in keys})
    messages = (errors.groupby(keys + ["exception_message"]).size().rename("n").reset_index()
                .sort_values(keys + ["n", "exception_message"], ascending=[True] * 4 + [False, True])
                .groupby(keys).head(1).rename(columns={"exception_message": "most_common_message"}))
    patterns = errors.groupby(keys).agg(
        total_occurrences=("request_id", "size"), total_affected_users=("user_id", "nunique"),
        first_seen=("ts", "min"), last_seen=("ts", "max"), retries=("is_retry", "sum"),
        cascading=("is_cascading_failure", "sum")).reset_index()
    patterns = patterns.merge(messages[keys + ["most_common_message"]], on=keys)
    span_hours = (patterns["last_seen"] - patterns["first_seen"]).dt.total_seconds() / 3600
    patterns["error_velocity"] = patterns["total_occurrences"] / span_hours.replace(0, np.nan)
    patterns["hours_since_start"] = (WINDOW_END - patterns["first_seen"]).dt.total_seconds() / 3600
    patterns["impact_score"] = (patterns["total_occurrences"] * 0.3 + patterns["total_affected_users"] * 0.4
                                + patterns["cascading"] * 0.2 + patterns["error_velocity"].fillna(0) * 0.1)
    has_dependency = patterns["dependency_name"] != "<null>"
    patterns["error_pattern"] = np.select(
        [patterns["error_velocity"] > 100, patterns["cascading"] > patterns["total_occurrences"] * 0.1,
         has_dependency, patterns["retries"] > patterns["total_occurrences"] * 0.5],
        ["SPIKE", "CASCADING", "DEPENDENCY", "TRANSIENT"], "PERSISTENT")
    patterns["priority"] = np.select(
        [patterns["error_pattern"] == "CASCADING",
         (patterns["error_pattern"] == "SPIKE") & (patterns["hours_since_start"] < 1),
         patterns["total_affected_users"] > 1000, patterns["error_pattern"] == "DEPENDENCY"],
        ["CRITICAL", "URGENT", "HIGH", "MEDIUM"], "LOW")
    patterns = patterns.sort_values(["impact_score"] + keys, ascending=[False] + [True] * 4)
    patterns["error_rank"] = np.arange(1, len(patterns) + 1)
    patterns = patterns.replace({"<null>": None})
    columns = keys + ["total_occurrences", "total_affected_users", "error_velocity", "error_pattern", "priority",
                      "most_common_message", "hours_since_start", "impact_score", "error_rank"]
    return rounded(patterns[patterns["error_rank"] <= 10][columns])


def load_flags(seeds: Path) -> pd.DataFrame:
    raw = read_raw(seeds, "feature_flags")
    raw = raw[(raw["request_id"] != "") & (raw["flag_name"] != "") & (raw["flag_value"] != "")]
    raw = drop_duplicates(raw, ["request_id", "flag_name"])
    return raw.assign(flag_value=raw["flag_value"].str.lower())


def load_products(seeds: Path) -> pd.DataFrame:
    raw = read_raw(seeds, "product_metadata")
    raw = drop_duplicates(raw[raw["request_id"] != ""], ["request_id"])
    raw = raw.assign(customer_tier=raw["customer_tier"].str.upper())
    return raw[raw["customer_tier"].isin(["PREMIUM", "STANDARD", "BASIC"]) & (raw["product_id"] != "")]


def load_infra(seeds: Path) -> pd.DataFrame:
    raw = drop_duplicates(read_raw(seeds, "infrastructure_metrics"), ["instance_id", "timestamp"])
    return pd.DataFrame({
        "instance_id": raw["instance_id"],
        "sampled_at": pd.to_datetime(raw["timestamp"], errors="coerce"),
        "cpu": pd.to_numeric(raw["cpu_utilization"], errors="coerce"),
        "memory": pd.to_numeric(raw["memory_utilization"], errors="coerce"),
    }).dropna(subset=["sampled_at"])


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=Path, default=root / "seeds")
    parser.add_argument("--out", type=Path, default=root / "seeds" / "expected")
    args = parser.parse_args()
    window = load_requests(args.seeds)
    scope = window[window["region"].str.lower() == REGION]
    outputs = {
        "expected_tsg_step02_version_regression": step02(scope),
        "expected_tsg_step03_feature_flags": step03(scope, load_flags(args.seeds)),
        "expected_tsg_step04_regional_availability": step04(window),
        "expected_tsg_step05_partitions": step05(scope),
        "expected_tsg_step06_zones": step06(scope, load_infra(args.seeds)),
        "expected_tsg_step07_endpoints": step07(scope),
        "expected_tsg_step08_products": step08(scope, load_products(args.seeds)),
        "expected_tsg_step09_workflows": step09(args.seeds),
        "expected_tsg_step10_top_errors": step10(scope),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    for name, frame in outputs.items():
        frame.to_csv(args.out / f"{name}.csv", index=False, lineterminator="\n")
        print(f"{name}: {len(frame)} rows")


if __name__ == "__main__":
    main()
