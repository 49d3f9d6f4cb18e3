"""Hostile input inside the incremental lookback: a conflicting repeat of an
id (both copies are then quarantined) and an id re-sent with another time.
The hourly aggregates must lose the hours that lost their clean rows, even an
hour before the lookback and an hour left with no rows at all: an
incremental run ends equal to a full refresh."""
from __future__ import annotations

from conftest import run_dbt
from hostile import contract_csv, rows
from project_copy import copy_project

SELECTION = ["-s", "+int_serverless__hourly_metrics", "+int_gateway__hourly_metrics",
             "stg_serverless__function_invocations_quarantine", "stg_gateway__api_gateway_logs_quarantine",
             "--exclude", "test_type:unit", "tag:shipped_data", "test_name:quarantined_share"]
COMPARED = ["intermediate.int_serverless__hourly_metrics", "intermediate.int_gateway__hourly_metrics",
            "staging.stg_serverless__function_invocations", "staging.stg_gateway__api_gateway_logs"]


def _invocation(invocation_id, function_name, start, status="SUCCESS"):
    return {"invocation_id": invocation_id, "function_name": function_name, "version_id": "1",
            "start_timestamp": f"2024-03-12 {start}", "end_timestamp": f"2024-03-12 {start}.5",
            "duration_ms": "500", "memory_used_mb": "64", "status": status}


def _request(request_id, service_name, at, status="200"):
    return {"request_id": request_id, "timestamp": f"2024-03-12 {at}", "region": "us-east", "environment": "prod",
            "service_name": service_name, "status_code": status, "latency_ms": "100"}


# the first load: the newest hour is 08:00, so the lookback (3 hours) starts at 05:00
FIRST_INVOCATIONS = [_invocation("a1", "f", "01:10:00"), _invocation("a2", "f", "05:30:00"),
                     _invocation("a3", "f", "08:20:00"), _invocation("c1", "g", "07:30:00")]
FIRST_REQUESTS = [_request("r1", "svc", "01:10:00"), _request("r2", "svc", "05:30:00"),
                  _request("r3", "svc", "08:20:00"), _request("s1", "other", "07:30:00")]
# the next hour: a1 / r1 re-sent with another time (their 01:00 hour, before the lookback, loses its only row),
# c1 / s1 repeated with another status inside the lookback (their 07:00 hour is left with no rows at all)
NEXT_INVOCATIONS = [_invocation("a1", "f", "08:40:00"), _invocation("c1", "g", "07:30:00", "ERROR"),
                    _invocation("a4", "f", "09:05:00")]
NEXT_REQUESTS = [_request("r1", "svc", "08:40:00"), _request("s1", "other", "07:30:00", "500"), _request("r4", "svc", "09:05:00")]


def _logs(invocations, requests):
    return {"function_invocations.csv": contract_csv("function_invocations", invocations),
            "api_gateway_logs.csv": contract_csv("api_gateway_logs", requests)}


def _snapshot(warehouse):
    return {table: sorted(rows(warehouse, f"select * from {table}"), key=repr) for table in COMPARED}


def test_repeats_inside_the_lookback_leave_no_stale_hour(tmp_path):
    everything = _logs(FIRST_INVOCATIONS + NEXT_INVOCATIONS, FIRST_REQUESTS + NEXT_REQUESTS)
    full = copy_project(tmp_path / "full", everything)
    run_dbt(["build", *SELECTION, "--full-refresh"], full / "warehouse" / "w.duckdb", cwd=full)
    expected = _snapshot(full / "warehouse" / "w.duckdb")

    project = copy_project(tmp_path / "incremental", _logs(FIRST_INVOCATIONS, FIRST_REQUESTS))
    warehouse = project / "warehouse" / "w.duckdb"
    run_dbt(["build", *SELECTION], warehouse, cwd=project)
    for name, text in everything.items():
        (project / "seeds" / name).write_text(text)
    run_dbt(["build", *SELECTION], warehouse, cwd=project)          # incremental
    actual = _snapshot(warehouse)

    hours = {(service, observed_at.hour) for service, _, observed_at, *_ in actual["intermediate.int_serverless__hourly_metrics"]}
    # f at 01:00 and g at 07:00 are gone, and so are the zeros of f's silence after 01:00 (02:00 to 04:00: its
    # first hour is now 05:00); 06:00 and 07:00 read 0 between 05:00 and 08:00; 09:00 waits, as the log's newest
    # invocation is 09:05 (is_complete_bucket)
    assert hours == {("f", 5), ("f", 6), ("f", 7), ("f", 8)}
    gateway_hours = {(service, observed_at.hour) for service, _, observed_at, *_ in actual["intermediate.int_gateway__hourly_metrics"]}
    assert gateway_hours == {("svc/prod", 5), ("svc/prod", 6), ("svc/prod", 7), ("svc/prod", 8)}
    assert actual == expected
