"""A service that falls silent while the rest of its log goes on pages (operator trials, the known gap of
stop 29). A bucket without requests used to be absent, so the detector had nothing to score; now a
complete bucket in which a series that was serving had no request reads `requests` 0
(macros/silent_buckets.sql), up to `zero_fill_max_hours` after its latest request, and the drop pages at
its first silent hour, rooted in `requests`. The service beside it, which goes on, does not page; nor does
a sparse dev series whose usual hour is empty. Shares and percentiles of a silent bucket stay absent."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from conftest import run_dbt
from hostile import contract_csv, rows
from project_copy import copy_project

SELECTION = ["-s", "+incident_postmortems", "--exclude", "test_type:unit", "tag:shipped_data", "test_name:quarantined_share"]
START = datetime(2024, 3, 1)
HOURS = 24 * 6 + 1
SILENT_FROM, SILENT_HOURS = datetime(2024, 3, 5, 10), 3  # checkout/prod serves nothing for 3 hours
RETIRED_AFTER = datetime(2024, 3, 4, 16)                 # legacy/prod's last hour with requests


def _per_hour(service: str, hour: int, hour_start: datetime) -> int:
    """Requests of `service` in the hour `hour` (from START): a daily cycle for the busy services, a request
    or two every seventh hour for the sparse dev one."""
    daytime = 8 <= hour_start.hour < 20
    if service == "checkout":
        silent = SILENT_FROM <= hour_start < SILENT_FROM + timedelta(hours=SILENT_HOURS)
        return 0 if silent else (120 if daytime else 40) + (hour * 7) % 11
    if service == "search":
        return (90 if daytime else 30) + (hour * 5) % 9
    if service == "legacy":
        return 0 if hour_start > RETIRED_AFTER else (60 if daytime else 20) + hour % 5
    return 1 + hour % 2 if hour % 7 == 3 else 0   # sparse/dev


def _requests() -> list[dict]:
    out = []
    for hour in range(HOURS):
        hour_start = START + timedelta(hours=hour)
        for service in ("checkout", "search", "legacy", "sparse"):
            count = _per_hour(service, hour, hour_start)
            for index in range(count):
                out.append({"request_id": f"{service}-{hour}-{index}", "region": "us-east",
                            "timestamp": (hour_start + timedelta(seconds=index * 3600 // count)).isoformat(sep=" "),
                            "environment": "dev" if service == "sparse" else "prod", "service_name": service,
                            "status_code": "200", "latency_ms": "120"})
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("silent") / "project",
                           {"api_gateway_logs.csv": contract_csv("api_gateway_logs", _requests())})
    warehouse = project / "warehouse" / "w.duckdb"
    run_dbt(["build", *SELECTION], warehouse, cwd=project)
    return project, warehouse


def test_a_service_that_falls_silent_alone_pages_at_its_first_silent_hour(built):
    _, warehouse = built
    silent = rows(warehouse, "select observed_at, value, is_anomaly from marts.metric_anomalies "
                             "where service_name = 'checkout/prod' and metric_name = 'requests' "
                             f"and observed_at >= '{SILENT_FROM}' order by observed_at limit {SILENT_HOURS + 1}")
    assert [(at, value) for at, value, _ in silent] == [
        (SILENT_FROM + timedelta(hours=hour), 0.0) for hour in range(SILENT_HOURS)] + [
        (SILENT_FROM + timedelta(hours=SILENT_HOURS), 120.0 + ((SILENT_FROM - START).days * 24 + 10 + SILENT_HOURS) * 7 % 11)]
    assert silent[0][2], "the first silent hour is an anomaly"
    incidents = rows(warehouse, "select service_name, started_at, root_cause_metric from marts.incidents "
                                "where service_name like '%/%' order by started_at")   # the shipped hourly metrics' service aside
    assert ("checkout/prod", SILENT_FROM, "requests") in incidents
    assert ("legacy/prod", RETIRED_AFTER + timedelta(hours=1), "requests") in incidents
    paged = {service for service, _, _ in incidents}
    assert paged == {"checkout/prod", "legacy/prod"}, "the service that goes on, and the sparse dev one, do not page"


def test_a_silent_bucket_has_a_zero_count_and_no_share_or_percentile(built):
    _, warehouse = built
    assert rows(warehouse, "select metric_name, value from intermediate.int_gateway__hourly_metrics "
                           f"where service_name = 'checkout/prod' and observed_at = '{SILENT_FROM}'") == [("requests", 0.0)]
    # the sparse series reads 0 between its requests, from its first one on; never before it
    sparse = rows(warehouse, "select min(observed_at), count(*), count(*) filter (where value = 0) "
                             "from intermediate.int_gateway__hourly_metrics where service_name = 'sparse/dev' and metric_name = 'requests'")
    first, buckets, zeros = sparse[0]
    assert first == START + timedelta(hours=3) and buckets - zeros == len([h for h in range(HOURS) if h % 7 == 3])


def test_zero_fill_stops_after_zero_fill_max_hours_and_is_off_at_0(built):
    project, warehouse = built
    counts = ("select count(*) filter (where value = 0), max(observed_at) from intermediate.int_gateway__hourly_metrics "
              f"where service_name = 'legacy/prod' and metric_name = 'requests' and observed_at > '{RETIRED_AFTER}'")
    run_dbt(["run", "-s", "int_gateway__hourly_metrics", "--full-refresh", "--vars", "{zero_fill_max_hours: 24}"], warehouse, cwd=project)
    assert rows(warehouse, counts) == [(24, RETIRED_AFTER + timedelta(hours=24))]   # retired after a day of zeros
    run_dbt(["run", "-s", "int_gateway__hourly_metrics", "--full-refresh", "--vars", "{zero_fill_max_hours: 0}"], warehouse, cwd=project)
    assert rows(warehouse, counts) == [(0, None)]
    assert rows(warehouse, "select count(*) from intermediate.int_gateway__hourly_metrics where value = 0 and metric_name = 'requests'") == [(0,)]


def test_the_postmortem_of_a_silence_says_so(built):
    """Its impact measures the drop from the baseline at the onset (a long silence's own baseline ends at 0:
    it read 'requests 0 -> 0'), and its fix asks whether the service is up and reachable."""
    _, warehouse = built
    drafts = dict(rows(warehouse, "select service_name, impact || ' | ' || fix from marts.incident_postmortems "
                                  "where service_name like '%/%'"))
    assert drafts["legacy/prod"].startswith("legacy/prod: requests 42 -> 0 (-100%)")
    assert f"checkout/prod served nothing from {SILENT_FROM:%Y-%m-%d %H:%M}: check that it is up and reachable" in drafts["checkout/prod"]
