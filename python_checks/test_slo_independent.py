"""The SLO marts (slo_status, slo_burn_rate_alerts) against an independent
pandas implementation of slo_method on random logs, built through dbt on a copy
of the project: a gateway log and an invocation log of a few days, several
services and functions, bursts of failures and of slow events, quiet stretches
without any event, events exactly on 5-minute steps, logs that start in the
middle of a bucket and of every long window, test traffic, other environments,
regions and services, case variants and a few rows for the quarantine.

The recomputation reads the raw rows only: it cleans them as staging documents
(test traffic out, environment and region lower-cased, status in any case,
exact duplicates once, repeated keys with different values and malformed rows
out), then counts each SLO's window [t - W, t) straight from the event times at
every step t (no 5-minute buckets), and finds the alerts as runs of steps."""
from __future__ import annotations

import json
from decimal import Decimal

import duckdb
import numpy as np
import pandas as pd
import pytest

from conftest import run_dbt
from project_copy import copy_project

STEP = pd.Timedelta(minutes=5)

GATEWAY_COLUMNS = (
    "request_id,timestamp,region,datacenter,availability_zone,environment,service_name,service_version,instance_id,"
    "instance_type,load_balancer_id,endpoint_path,http_method,api_version,client_type,status_code,latency_ms,"
    "backend_latency_ms,connection_time_ms,request_size_bytes,response_size_bytes,data_processed_bytes,cache_hit,"
    "is_retry,is_test_traffic,partition_id,shard_id,tenant_category,user_id,session_id,error_code,error_category,"
    "exception_type,exception_message,stack_trace_hash,service_component,dependency_name,is_cascading_failure,"
    "has_dependency_failure"
).split(",")
INVOCATION_COLUMNS = ["invocation_id", "function_name", "version_id", "start_timestamp", "end_timestamp", "duration_ms",
                      "memory_used_mb", "status"]

SLOS = [
    {"name": "gw_a_availability", "service": "svc.a",
     "indicator": {"kind": "availability", "source": "gateway_requests", "filter": {"environment": " Prod"}},
     "objective_pct": 99.9, "time_window": "1d"},
    {"name": "gw_a_latency", "service": "svc.a",
     "indicator": {"kind": "latency", "source": "gateway_requests", "filter": {"environment": "prod", "region": "US-East"},
                   "threshold_ms": 250},
     "objective_pct": 99, "time_window": "1h"},
    {"name": "gw_b_availability", "service": "svc.b",
     "indicator": {"kind": "availability", "source": "gateway_requests"},
     "objective_pct": 95, "time_window": "28d"},
    {"name": "gw_b_latency", "service": "svc.b",
     "indicator": {"kind": "latency", "source": "gateway_requests", "filter": {"region": "eu-west"}, "threshold_ms": 400.5},
     "objective_pct": 95, "time_window": "1d"},
    {"name": "fn_x_availability", "service": "f_x",
     "indicator": {"kind": "availability", "source": "function_invocations"},
     "objective_pct": 99, "time_window": "1d"},
    {"name": "fn_x_latency", "service": "f_x",
     "indicator": {"kind": "latency", "source": "function_invocations", "threshold_ms": 500},
     "objective_pct": 95, "time_window": "28d"},
    {"name": "fn_y_availability", "service": "f_y",
     "indicator": {"kind": "availability", "source": "function_invocations"},
     "objective_pct": 99.9, "time_window": "1h"},
]
RULES = [
    {"name": "page_fast_burn", "severity": "page", "long_window": "1h", "short_window": "5m", "burn_rate_threshold": 14.4,
     "keep_firing_for": "30m"},
    {"name": "page_slow_burn", "severity": "page", "long_window": "6h", "short_window": "30m", "burn_rate_threshold": 6},
    {"name": "ticket_slow_burn", "severity": "ticket", "long_window": "3d", "short_window": "6h", "burn_rate_threshold": 1,
     "min_bad_events": 3},
    {"name": "ticket_daily", "severity": "ticket", "long_window": "1d", "short_window": "2h", "burn_rate_threshold": 2},
]
BURN_RATE_WINDOW = "30m"  # slo_status_burn_rate_window (not the default 1h: the var is read)


def minutes(window: str) -> int:
    return int(window[:-1]) * {"m": 1, "h": 60, "d": 1440, "w": 10080}[window[-1]]


# ---------------------------------------------------------------------------------------------------------------
# random logs

def _event_times(rng, start, end, per_minute, quiet=()):
    """A Poisson stream of times in [start, end) at per_minute, without the quiet stretches; a tenth of them
    moved exactly onto a 5-minute step."""
    span = (end - start) / pd.Timedelta(minutes=1)
    count = rng.poisson(span * per_minute)
    offsets = np.sort(rng.uniform(0, span, count))
    times = start + pd.to_timedelta(np.round(offsets * 60e6).astype("int64"), unit="us")
    on_step = rng.random(count) < 0.1
    times = pd.DatetimeIndex(np.where(on_step, times.floor("5min"), times))
    for quiet_start, quiet_end in quiet:
        times = times[(times < quiet_start) | (times >= quiet_end)]
    return times


def _in_any(times, stretches):
    hit = np.zeros(len(times), dtype=bool)
    for stretch_start, stretch_end in stretches:
        hit |= (times >= stretch_start) & (times < stretch_end)
    return hit


def random_gateway_log(seed: int = 16) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp("2024-05-01 07:13:27.250000")       # mid-bucket, and no long window covered at first
    t_end = pd.Timestamp("2024-05-04 06:00:00")           # the newest request lands exactly on a step
    global_quiet = [(pd.Timestamp("2024-05-01 21:00"), pd.Timestamp("2024-05-02 03:10"))]   # the whole log is silent
    records = []

    def add(times, service, environments, regions, bad_share, slow_share, test_share=0.0):
        """environments, regions: spellings, one picked per request"""
        for when, bad, slow, test in zip(times, rng.random(len(times)) < bad_share, rng.random(len(times)) < slow_share,
                                         rng.random(len(times)) < test_share):
            environment, region = str(rng.choice(environments)), str(rng.choice(regions))
            status = int(rng.choice([500, 502, 503, 504, 599])) if bad else int(rng.choice([200, 200, 200, 201, 404, 429, 499]))
            latency = float(rng.uniform(260, 3000)) if slow else float(rng.uniform(5, 240))
            records.append({"timestamp": when, "service_name": service, "environment": environment, "region": region,
                            "status_code": str(status), "latency_ms": f"{latency:.2f}",
                            "is_test_traffic": str(rng.choice(["true", "1", "TRUE"])) if test else str(rng.choice(["", "false", "0", "FALSE"]))})

    # svc.a in prod, us-east (both of its SLOs) and us-west (availability only)
    for region, rate in [("us-east", 0.6), ("us-west", 0.3)]:
        times = _event_times(rng, t0, t_end, rate, global_quiet)
        fail_burst = _in_any(times, [(pd.Timestamp("2024-05-01 12:00"), pd.Timestamp("2024-05-01 12:40")),
                                     (pd.Timestamp("2024-05-02 09:00"), pd.Timestamp("2024-05-02 09:10")),
                                     (pd.Timestamp("2024-05-04 05:20"), t_end + STEP)])   # still burning at the end
        slow_burst = _in_any(times, [(pd.Timestamp("2024-05-02 15:00"), pd.Timestamp("2024-05-02 16:30")),
                                     (pd.Timestamp("2024-05-03 10:00"), pd.Timestamp("2024-05-03 10:20"))])
        for subset, bad_share, slow_share in [(~fail_burst & ~slow_burst, 0.0015, 0.004), (fail_burst, 0.35, 0.05),
                                              (slow_burst, 0.0015, 0.3)]:
            add(times[subset], "svc.a", ["prod", "prod", "PROD", " Prod "], [region, region, region.upper()],
                bad_share, slow_share, test_share=0.03)
    # svc.a outside prod and its test traffic failing a lot: none of it counts
    add(_event_times(rng, t0, t_end, 0.1, global_quiet), "svc.a", ["staging", "dev", "prod-eu"], ["us-east"], 0.3, 0.3)
    add(_event_times(rng, pd.Timestamp("2024-05-01 12:00"), pd.Timestamp("2024-05-03 12:00"), 0.2), "svc.a", ["prod"], ["us-east"],
        0.5, 0.5, test_share=1.0)
    # svc.b: low traffic in two regions, quiet for 10 hours of its own, a burst of failures and of slow requests
    b_quiet = global_quiet + [(pd.Timestamp("2024-05-02 18:00"), pd.Timestamp("2024-05-03 04:00"))]
    for region in ["eu-west", "EU-West", "ap-south"]:
        times = _event_times(rng, t0, t_end, 0.05, b_quiet)
        burst = _in_any(times, [(pd.Timestamp("2024-05-03 04:00"), pd.Timestamp("2024-05-03 07:00"))])
        add(times[~burst], "svc.b", ["prod", "dev"], [region], 0.02, 0.03, test_share=0.05)
        add(times[burst], "svc.b", ["prod"], [region], 0.4, 0.4)
    # svc.c: no SLO counts it, though it fails; it only stretches the log's clock
    add(_event_times(rng, pd.Timestamp("2024-05-01 07:14:10"), t_end, 0.05), "svc.c", ["prod"], ["us-east"], 0.5, 0.5)
    records.append({"timestamp": t0, "service_name": "svc.c", "environment": "prod", "region": "us-east",
                    "status_code": "200", "latency_ms": "10", "is_test_traffic": ""})          # the log's first request
    records.append({"timestamp": t_end, "service_name": "svc.c", "environment": "prod", "region": "us-east",
                    "status_code": "200", "latency_ms": "10", "is_test_traffic": ""})          # and its newest
    log = pd.DataFrame(records).sort_values("timestamp", kind="stable").reset_index(drop=True)
    log["request_id"] = [f"g{i:06d}" for i in range(len(log))]
    # a few latencies missing: such a request is not good for a latency SLO
    log.loc[rng.choice(len(log), 10, replace=False), "latency_ms"] = ""
    # for the quarantine: a malformed status, a status out of range, a key repeated with different values
    # (every copy out) and an exact duplicate (counted once)
    failing_a = log.index[(log.service_name == "svc.a") & (log.status_code.str.startswith("5"))
                          & (log.is_test_traffic.isin(["", "false", "0", "FALSE"]))]
    extra = []
    bad_status = log.loc[failing_a[3]].copy()
    bad_status["request_id"], bad_status["status_code"] = "q-status-text", "5xx"
    extra.append(bad_status)
    out_of_range = log.loc[failing_a[4]].copy()
    out_of_range["request_id"], out_of_range["status_code"] = "q-status-range", "600"
    extra.append(out_of_range)
    repeated = log.loc[failing_a[5]].copy()
    repeated["status_code"] = "200"
    extra.append(repeated)                                # g..... of failing_a[5] twice, with other values
    extra.append(log.loc[failing_a[6]].copy())            # an exact duplicate
    log = pd.concat([log, pd.DataFrame(extra)], ignore_index=True)
    return log


def random_invocation_log(seed: int = 61) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp("2024-05-01 16:02:10.500000")       # another clock than the gateway's
    t_end = pd.Timestamp("2024-05-04 10:00:00")
    quiet = [(pd.Timestamp("2024-05-02 01:00"), pd.Timestamp("2024-05-02 09:00"))]
    records = []

    def add(times, function, error_share, slow_share):
        for when, error, slow in zip(times, rng.random(len(times)) < error_share, rng.random(len(times)) < slow_share):
            duration = float(rng.uniform(501, 4000)) if slow else float(rng.uniform(1, 499))
            if rng.random() < 0.02:
                duration = 500.0                           # exactly the threshold: not good
            records.append({"function_name": function, "version_id": str(rng.integers(1, 3)), "start_timestamp": when,
                            "end_timestamp": when + pd.Timedelta(microseconds=int(duration * 1000)),
                            "duration_ms": f"{duration:.3f}", "memory_used_mb": "128",
                            "status": str(rng.choice(["ERROR", "Error", "error"])) if error
                            else str(rng.choice(["SUCCESS", "success", "Success"]))})

    times = _event_times(rng, t0, t_end, 0.4, quiet)
    errors = _in_any(times, [(pd.Timestamp("2024-05-02 12:00"), pd.Timestamp("2024-05-02 13:30")),
                             (pd.Timestamp("2024-05-03 20:00"), pd.Timestamp("2024-05-03 20:15"))])
    slow = _in_any(times, [(pd.Timestamp("2024-05-03 02:00"), pd.Timestamp("2024-05-03 05:00")),
                           (pd.Timestamp("2024-05-04 09:00"), t_end + STEP)])
    add(times[~errors & ~slow], "f_x", 0.004, 0.02)
    add(times[errors], "f_x", 0.3, 0.02)
    add(times[slow], "f_x", 0.004, 0.35)
    # f_y: one invocation in 20 minutes or so: a single failure is a burn rate of hundreds
    times = _event_times(rng, t0, t_end, 0.05, quiet)
    add(times, "f_y", 0.03, 0.0)
    # f_z: no SLO counts it
    add(_event_times(rng, t0, t_end, 0.05), "f_z", 0.5, 0.5)
    add(pd.DatetimeIndex([t0]), "f_z", 0.0, 0.0)            # the log's first invocation
    add(pd.DatetimeIndex([t_end]), "f_z", 0.0, 0.0)         # and its newest, on a step
    log = pd.DataFrame(records).sort_values("start_timestamp", kind="stable").reset_index(drop=True)
    log["invocation_id"] = [f"i{i:06d}" for i in range(len(log))]
    # for the quarantine: a status not accepted, an end before the start
    x_rows = log.index[log.function_name == "f_x"]
    log.loc[x_rows[10], "status"] = "TIMEOUT"
    log.loc[x_rows[11], "end_timestamp"] = log.loc[x_rows[11], "start_timestamp"] - pd.Timedelta(seconds=1)
    return log


def _format_times(frame, columns):
    out = frame.copy()
    for column in columns:
        whole = out[column] == out[column].dt.floor("s")
        out[column] = np.where(whole, out[column].dt.strftime("%Y-%m-%d %H:%M:%S"),
                               out[column].dt.strftime("%Y-%m-%d %H:%M:%S.%f"))
    return out


def gateway_csv(log: pd.DataFrame) -> str:
    return _format_times(log, ["timestamp"]).reindex(columns=GATEWAY_COLUMNS).to_csv(index=False)


def invocation_csv(log: pd.DataFrame) -> str:
    return _format_times(log, ["start_timestamp", "end_timestamp"]).reindex(columns=INVOCATION_COLUMNS).to_csv(index=False)


# ---------------------------------------------------------------------------------------------------------------
# staging, as the seeds' declarations describe it

def _drop_repeats(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """Exact duplicates keep their first copy; a key repeated with other values loses every copy."""
    frame = frame.drop_duplicates()
    return frame[~frame[key].duplicated(keep=False)]


def clean_gateway(raw: pd.DataFrame) -> pd.DataFrame:
    log = raw.fillna("").astype(str).apply(lambda column: column.str.strip())
    status = pd.to_numeric(log.status_code, errors="coerce")
    log = log[status.notna() & (status % 1 == 0) & status.between(100, 599)]
    log = _drop_repeats(log, "request_id")
    return pd.DataFrame({
        "time": pd.to_datetime(log.timestamp, format="mixed"),
        "service": log.service_name,
        "environment": log.environment.str.lower(),
        "region": log.region.str.lower(),
        "status_code": log.status_code.astype(int),
        "latency_ms": pd.to_numeric(log.latency_ms.replace("", np.nan)),
        "is_test": log.is_test_traffic.str.lower().isin(["true", "1"]),
    })


def clean_invocations(raw: pd.DataFrame) -> pd.DataFrame:
    log = raw.copy()
    log["status"] = log.status.str.strip().str.upper()
    log = log[log.status.isin(["SUCCESS", "ERROR"]) & (log.end_timestamp >= log.start_timestamp)]
    log = _drop_repeats(log, "invocation_id")
    return pd.DataFrame({"time": log.start_timestamp, "service": log.function_name,
                         "is_error": log.status == "ERROR", "duration_ms": pd.to_numeric(log.duration_ms)})


def slo_events(slo, gateway: pd.DataFrame, invocations: pd.DataFrame):
    """The SLO's events: sorted times and whether each is bad."""
    indicator = slo["indicator"]
    if indicator["source"] == "gateway_requests":
        scope = gateway[(gateway.service == slo["service"]) & ~gateway.is_test]
        for key, value in (indicator.get("filter") or {}).items():
            scope = scope[scope[key] == value.strip().lower()]
        good = scope.status_code < 500 if indicator["kind"] == "availability" else scope.latency_ms < indicator["threshold_ms"]
    else:
        scope = invocations[invocations.service == slo["service"]]
        good = ~scope.is_error if indicator["kind"] == "availability" else scope.duration_ms < indicator["threshold_ms"]
    order = np.argsort(scope.time.to_numpy(), kind="stable")
    return scope.time.to_numpy()[order], (~good.fillna(False).astype(bool)).to_numpy()[order]


# ---------------------------------------------------------------------------------------------------------------
# slo_method, recomputed

def steps_of(clean_log: pd.DataFrame) -> tuple[pd.Timestamp, np.ndarray]:
    """The first bucket's start and every step: the end of each 5-minute bucket from the log's first to its last."""
    first = clean_log.time.min().floor("5min")
    last = clean_log.time.max().floor("5min")
    return first, pd.date_range(first + STEP, last + STEP, freq="5min").to_numpy()


def window_counts(times, bad, steps, window_minutes):
    """Events and bad events of [t - W, t) at every step t."""
    bad_before = np.concatenate([[0], np.cumsum(bad)])
    end = np.searchsorted(times, steps, side="left")
    start = np.searchsorted(times, steps - np.timedelta64(window_minutes, "m"), side="left")
    return end - start, bad_before[end] - bad_before[start]


def burn_rate(bad, total, ratio):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, bad.astype(float) / total / ratio, np.nan)


def error_budget_ratio(slo) -> float:
    return float((100 - Decimal(str(slo["objective_pct"]))) / 100)


def expected_status(slo, times, bad, first_bucket, steps) -> pd.DataFrame:
    ratio = error_budget_ratio(slo)
    window = minutes(slo["time_window"])
    total, bad_events = window_counts(times, bad, steps, window)
    burn_total, burn_bad = window_counts(times, bad, steps, minutes(BURN_RATE_WINDOW))
    budget = total * ratio
    remaining = budget - bad_events
    covered = np.minimum(window, (steps - np.datetime64(first_bucket)) / np.timedelta64(1, "m"))
    rate = burn_rate(burn_bad, burn_total, ratio)
    hours = [hours_left(b, r, rate_, window, c) for b, r, rate_, c in zip(budget, remaining, rate, covered)]
    with np.errstate(divide="ignore", invalid="ignore"):
        return pd.DataFrame({
            "evaluated_at": steps,
            "is_full_window": steps - np.timedelta64(window, "m") >= np.datetime64(first_bucket),
            "total_events": total,
            "good_events": total - bad_events,
            "bad_events": bad_events,
            "sli_pct": np.where(total > 0, 100 * (total - bad_events) / total, np.nan),
            "error_budget_events": budget,
            "budget_remaining_events": remaining,
            "budget_consumed_pct": np.where(budget > 0, 100 * bad_events / budget, np.nan),
            "current_burn_rate": rate,
            "hours_until_budget_exhausted": hours,
        })


def hours_left(budget, remaining, rate, window_minutes, covered_minutes):
    """slo_status.sql's comment and the column's description: the budget grows at g = budget / covered hours
    while the log is shorter than the window, bad events spend rate * g an hour."""
    if budget == 0:
        return np.nan
    if remaining <= 0:
        return 0.0
    if np.isnan(rate) or rate == 0:
        return np.nan
    g = budget / (covered_minutes / 60)
    fill = (window_minutes - covered_minutes) / 60
    if rate > 1 and remaining / ((rate - 1) * g) <= fill:
        return remaining / ((rate - 1) * g)
    return fill + (remaining - (rate - 1) * g * fill) / (rate * g)


def expected_alerts(slo, rule, times, bad, first_bucket, steps, held_back=None) -> list[dict]:
    """The alerts of an SLO and a rule; held_back[0] counts the steps min_bad_events kept quiet."""
    held_back = held_back if held_back is not None else [0]
    ratio = error_budget_ratio(slo)
    threshold = float(rule["burn_rate_threshold"])
    long_total, long_bad = window_counts(times, bad, steps, minutes(rule["long_window"]))
    short_total, short_bad = window_counts(times, bad, steps, minutes(rule["short_window"]))
    long_rate, short_rate = burn_rate(long_bad, long_total, ratio), burn_rate(short_bad, short_total, ratio)
    burning = (np.nan_to_num(long_rate, nan=-1) > threshold) & (np.nan_to_num(short_rate, nan=-1) > threshold)
    holds = burning & (long_bad >= rule.get("min_bad_events", 1))
    held_back[0] += int((burning & ~holds).sum())
    # keep_firing_for: a step that holds within it of the last one goes on the same alert, resolved that much later
    keep = minutes(rule["keep_firing_for"]) if "keep_firing_for" in rule else 0
    holding = np.flatnonzero(holds)
    runs = np.split(holding, np.flatnonzero(np.diff(holding) > 1 + keep // 5) + 1) if len(holding) else []
    alerts = []
    for run in runs:
        i, j = run[0], run[-1]
        end = pd.Timestamp(steps[j]) + pd.Timedelta(minutes=keep)
        firing = end >= pd.Timestamp(steps[-1])
        alerts.append({
            "slo_name": slo["name"], "rule_name": rule["name"], "severity": rule["severity"],
            "started_at": pd.Timestamp(steps[i]),
            "resolved_at": None if firing else end + STEP,
            "is_firing": firing, "firing_steps": len(run),
            "long_window_burn_rate_at_start": long_rate[i], "short_window_burn_rate_at_start": short_rate[i],
            "long_window_bad_events_at_start": int(long_bad[i]), "long_window_events_at_start": int(long_total[i]),
            "peak_long_window_burn_rate": float(np.max(long_rate[run])),
            "is_long_window_covered_at_start":
                bool(steps[i] - np.timedelta64(minutes(rule["long_window"]), "m") >= np.datetime64(first_bucket)),
            "min_bad_events": rule.get("min_bad_events", 1), "keep_firing_minutes": keep,
        })
    return alerts


# ---------------------------------------------------------------------------------------------------------------
# the build and the comparison

@pytest.fixture(scope="module")
def slo_build(tmp_path_factory):
    gateway_raw, invocations_raw = random_gateway_log(), random_invocation_log()
    project = copy_project(tmp_path_factory.mktemp("project") / "p", {
        "api_gateway_logs.csv": gateway_csv(gateway_raw), "function_invocations.csv": invocation_csv(invocations_raw)})
    warehouse = project / "warehouse" / "w.duckdb"
    dbt_vars = json.dumps({"slos": SLOS, "slo_burn_rate_rules": RULES, "slo_status_burn_rate_window": BURN_RATE_WINDOW})
    run_dbt(["seed", "-s", "api_gateway_logs", "function_invocations"], warehouse, cwd=project)
    run_dbt(["run", "-s", "+slo_status", "+slo_burn_rate_alerts", "--vars", dbt_vars], warehouse, cwd=project)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        status = con.execute("select * from marts.slo_status").df()
        alerts = con.execute("select * from marts.slo_burn_rate_alerts").df()
    # the recomputation: raw rows read back as the CSV text dbt loaded
    gateway = clean_gateway(gateway_raw)
    invocations = clean_invocations(invocations_raw)
    expected_status_rows, expected_alert_rows, by_slo, held_back = [], [], {}, [0]
    for slo in SLOS:
        log = gateway if slo["indicator"]["source"] == "gateway_requests" else invocations
        first_bucket, steps = steps_of(log)
        times, bad = slo_events(slo, gateway, invocations)
        by_slo[slo["name"]] = (times, bad)
        expected_status_rows.append(expected_status(slo, times, bad, first_bucket, steps).assign(slo_name=slo["name"]))
        for rule in RULES:
            expected_alert_rows += expected_alerts(slo, rule, times, bad, first_bucket, steps,
                                                   held_back if rule.get("min_bad_events", 1) > 1 else None)
    return {"status": status, "alerts": alerts, "expected_status": pd.concat(expected_status_rows, ignore_index=True),
            "expected_alerts": pd.DataFrame(expected_alert_rows), "events": by_slo, "held_back_steps": held_back[0]}


def _close(actual: pd.Series, expected: pd.Series, rel=1e-9, abs_=1e-9) -> pd.Series:
    a, e = actual.astype(float).to_numpy(), expected.astype(float).to_numpy()
    both_null = np.isnan(a) & np.isnan(e)
    return pd.Series(both_null | (np.abs(a - e) <= abs_ + rel * np.abs(e)), index=actual.index)


def test_the_random_logs_exercise_the_edges(slo_build):
    expected = slo_build["expected_status"]
    alerts = slo_build["expected_alerts"]
    assert len(expected) > 5000 and expected.slo_name.nunique() == len(SLOS)
    assert (expected.total_events == 0).sum() > 100                        # quiet stretches
    assert (~expected.is_full_window).sum() > 0 and expected.is_full_window.sum() > 0
    assert len(alerts) >= 20
    assert set(alerts.rule_name) == {rule["name"] for rule in RULES}
    assert alerts.is_firing.any() and (~alerts.is_firing).any()
    assert (~alerts.is_long_window_covered_at_start).any() and alerts.is_long_window_covered_at_start.any()
    # min_bad_events holds back some step the burn rates alone would fire at
    assert slo_build["held_back_steps"] > 0
    # keep_firing_for joins some alert across steps at which its rule did not hold
    kept = alerts[(alerts.keep_firing_minutes > 0) & alerts.resolved_at.notna()]
    spans = (pd.to_datetime(kept.resolved_at) - kept.started_at) / pd.Timedelta(minutes=5) - kept.keep_firing_minutes / 5
    assert (spans > kept.firing_steps).any()
    # events exactly on a step, counted in the next step's windows
    for times, _ in slo_build["events"].values():
        assert (pd.DatetimeIndex(times) == pd.DatetimeIndex(times).floor("5min")).sum() > 5
    assert expected.hours_until_budget_exhausted.notna().sum() > 100
    assert (expected.hours_until_budget_exhausted == 0).sum() > 100


def test_slo_status_matches_independent_implementation(slo_build):
    actual = slo_build["status"].sort_values(["slo_name", "evaluated_at"]).reset_index(drop=True)
    expected = slo_build["expected_status"].sort_values(["slo_name", "evaluated_at"]).reset_index(drop=True)
    assert actual.groupby("slo_name").size().to_dict() == expected.groupby("slo_name").size().to_dict()
    assert (actual.evaluated_at.to_numpy() == expected.evaluated_at.to_numpy()).all()
    problems = []
    for column in ["is_full_window", "total_events", "good_events", "bad_events"]:
        wrong = actual[column].astype("int64") != expected[column].astype("int64")
        if wrong.any():
            problems.append((column, actual.loc[wrong, ["slo_name", "evaluated_at", column]].head(5).to_dict("records"),
                             expected.loc[wrong, column].head(5).tolist(), int(wrong.sum())))
    for column in ["sli_pct", "error_budget_events", "budget_remaining_events", "budget_consumed_pct", "current_burn_rate"]:
        wrong = ~_close(actual[column], expected[column])
        if wrong.any():
            problems.append((column, actual.loc[wrong, ["slo_name", "evaluated_at", column]].head(5).to_dict("records"),
                             expected.loc[wrong, column].head(5).tolist(), int(wrong.sum())))
    met = actual.is_objective_met
    want_met = pd.Series(np.where(expected.sli_pct.isna(), None,
                                  expected.sli_pct >= expected.slo_name.map({s["name"]: float(s["objective_pct"]) for s in SLOS})))
    if not (met.isna() == want_met.isna()).all() or not (met[met.notna()] == want_met[met.notna()]).all():
        problems.append(("is_objective_met",))
    assert (actual.burn_rate_window == BURN_RATE_WINDOW).all()
    definitions = {slo["name"]: slo for slo in SLOS}
    assert (actual.service_name == actual.slo_name.map(lambda n: definitions[n]["service"])).all()
    assert (actual.sli_kind == actual.slo_name.map(lambda n: definitions[n]["indicator"]["kind"])).all()
    assert (actual.time_window == actual.slo_name.map(lambda n: definitions[n]["time_window"])).all()
    assert (actual.objective_pct == actual.slo_name.map(lambda n: float(definitions[n]["objective_pct"]))).all()
    assert (actual.budget_consumed_events == actual.bad_events).all()
    if not _close(actual.budget_remaining_pct, 100 - expected.budget_consumed_pct).all():
        problems.append(("budget_remaining_pct",))
    assert not problems, problems


def test_hours_until_budget_exhausted_matches_the_documented_formula(slo_build):
    actual = slo_build["status"].sort_values(["slo_name", "evaluated_at"]).reset_index(drop=True)
    expected = slo_build["expected_status"].sort_values(["slo_name", "evaluated_at"]).reset_index(drop=True)
    wrong = ~_close(actual.hours_until_budget_exhausted, expected.hours_until_budget_exhausted, rel=1e-7, abs_=1e-7)
    assert not wrong.any(), (int(wrong.sum()), actual.loc[wrong, ["slo_name", "evaluated_at", "hours_until_budget_exhausted"]]
                             .head(10).to_dict("records"), expected.loc[wrong, "hours_until_budget_exhausted"].head(10).tolist())


ALERT_KEY = ["slo_name", "rule_name", "started_at"]


def test_alerts_match_independent_implementation(slo_build):
    actual = slo_build["alerts"].sort_values(ALERT_KEY).reset_index(drop=True)
    expected = slo_build["expected_alerts"].sort_values(ALERT_KEY).reset_index(drop=True)
    got = set(map(tuple, actual[ALERT_KEY].itertuples(index=False)))
    want = set(map(tuple, expected[ALERT_KEY].itertuples(index=False)))
    assert got == want, {"only in the mart": sorted(got - want)[:10], "only recomputed": sorted(want - got)[:10]}
    problems = []
    for column in ["severity", "is_firing", "firing_steps", "long_window_bad_events_at_start", "long_window_events_at_start",
                   "is_long_window_covered_at_start", "min_bad_events", "keep_firing_minutes"]:
        wrong = actual[column].astype(str) != expected[column].astype(str)
        if wrong.any():
            problems.append((column, actual.loc[wrong, ALERT_KEY + [column]].head(5).to_dict("records"),
                             expected.loc[wrong, column].head(5).tolist()))
    resolved = actual.resolved_at.astype("datetime64[us]").to_numpy()
    want_resolved = pd.to_datetime(expected.resolved_at).astype("datetime64[us]").to_numpy()
    wrong = ~((np.isnat(resolved) & np.isnat(want_resolved)) | (resolved == want_resolved))
    if wrong.any():
        problems.append(("resolved_at", actual.loc[wrong, ALERT_KEY + ["resolved_at"]].head(5).to_dict("records"),
                         expected.loc[wrong, "resolved_at"].head(5).tolist()))
    for column in ["long_window_burn_rate_at_start", "short_window_burn_rate_at_start", "peak_long_window_burn_rate"]:
        wrong = ~_close(actual[column], expected[column])
        if wrong.any():
            problems.append((column, actual.loc[wrong, ALERT_KEY + [column]].head(5).to_dict("records"),
                             expected.loc[wrong, column].head(5).tolist()))
    assert not problems, problems


def test_alerts_describe_their_slo_and_rule(slo_build):
    alerts = slo_build["alerts"]
    newest = slo_build["expected_status"].groupby("slo_name").evaluated_at.max()
    definitions, rules = {slo["name"]: slo for slo in SLOS}, {rule["name"]: rule for rule in RULES}
    for alert in alerts.itertuples():
        slo, rule = definitions[alert.slo_name], rules[alert.rule_name]
        filters = {key: value.strip().lower() for key, value in (slo["indicator"].get("filter") or {}).items()}
        assert (alert.service_name, alert.sli_kind, alert.event_source, alert.time_window) == (
            slo["service"], slo["indicator"]["kind"], slo["indicator"]["source"], slo["time_window"])
        assert (alert.environment, alert.region) == (filters.get("environment"), filters.get("region"))
        assert alert.objective_pct == float(slo["objective_pct"])
        assert (alert.long_window, alert.short_window, alert.burn_rate_threshold) == (
            rule["long_window"], rule["short_window"], float(rule["burn_rate_threshold"]))
        assert alert.alert_key == f"{alert.slo_name}/{alert.rule_name}/{alert.started_at:%Y-%m-%d %H:%M:%S}"
        assert alert.last_evaluated_at == newest[alert.slo_name]
