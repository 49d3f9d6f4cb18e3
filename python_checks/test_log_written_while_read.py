"""A log still being written when the hourly run reads it: the run at 00:05
sees the first five minutes of the 00:00 hour. Counted as an hour, those
minutes are a 90 % drop in requests, and the detector pages for it (the
counterfactual build, which counts every bucket, shows it does). The bucket
waits instead (is_complete_bucket), and the next run, once the log has passed
the hour, computes it whole: no page, and the table ends as a full refresh
of the same log would."""
from __future__ import annotations

from datetime import datetime, timedelta

from conftest import run_dbt
from hostile import contract_csv, rows
from project_copy import copy_project

SELECTION = ["-s", "+metric_anomalies", "--exclude", "test_type:unit", "tag:shipped_data", "test_name:quarantined_share"]
START = datetime(2024, 3, 1)
PARTIAL_HOUR = datetime(2024, 3, 5)          # after four whole days
SERIES = "svc/prod"


def _requests(until: datetime) -> list[dict]:
    """About 40 requests an hour (a steady cycle of 35 to 45), evenly spaced, before `until`."""
    out = []
    for hour in range(int((PARTIAL_HOUR + timedelta(hours=2) - START).total_seconds() // 3600)):
        hour_start = START + timedelta(hours=hour)
        per_hour = 35 + (hour * 7) % 11
        for index in range(per_hour):
            at = hour_start + timedelta(seconds=index * 3600 // per_hour)
            if at < until:
                out.append({"request_id": f"r{hour}-{index}", "timestamp": at.isoformat(sep=" "), "region": "us-east",
                            "environment": "prod", "service_name": "svc", "status_code": "200",
                            "latency_ms": str(100 + index % 7)})
    return out


def _gateway_log(until: datetime) -> dict[str, str]:
    return {"api_gateway_logs.csv": contract_csv("api_gateway_logs", _requests(until))}


def _requests_series(warehouse):
    return rows(warehouse, "select observed_at, value from intermediate.int_gateway__hourly_metrics "
                           f"where service_name = '{SERIES}' and metric_name = 'requests' order by 1")


def _pages(warehouse):
    return rows(warehouse, f"select metric_name, observed_at from marts.metric_anomalies where service_name = '{SERIES}' "
                           "and is_anomaly order by 2, 1")


def test_the_hour_being_written_waits_and_pages_nothing(tmp_path):
    five_minutes_in = PARTIAL_HOUR + timedelta(minutes=5)
    project = copy_project(tmp_path / "project", _gateway_log(until=five_minutes_in))
    warehouse = project / "warehouse" / "w.duckdb"
    run_dbt(["build", *SELECTION], warehouse, cwd=project)
    series = _requests_series(warehouse)
    assert series[-1][0] == PARTIAL_HOUR - timedelta(hours=1)      # the hour being written waits
    assert _pages(warehouse) == []

    # the counterfactual: a bucket counts as soon as it has a row, and the five minutes page as a drop
    counted = project / "warehouse" / "counted.duckdb"
    run_dbt(["build", *SELECTION, "--vars", "{bucket_complete_within_seconds: 3599}", "--target-path",
             str(tmp_path / "counted_target")], counted, cwd=project)
    assert _requests_series(counted)[-1] == (PARTIAL_HOUR, 3.0)          # 36 that hour, one every 100 s
    assert ("requests", PARTIAL_HOUR) in _pages(counted)

    # the next hourly run: the log has passed the hour, which is computed whole; its own newest hour waits
    (project / "seeds" / "api_gateway_logs.csv").write_text(_gateway_log(until=five_minutes_in + timedelta(hours=1))["api_gateway_logs.csv"])
    run_dbt(["build", *SELECTION], warehouse, cwd=project)
    series = _requests_series(warehouse)
    assert series[-1] == (PARTIAL_HOUR, 36.0)
    assert _pages(warehouse) == []
    full = project / "warehouse" / "full.duckdb"
    run_dbt(["build", *SELECTION, "--full-refresh", "--target-path", str(tmp_path / "full_target")], full, cwd=project)
    assert _requests_series(full) == series
