"""The SLO models in production runs: an hourly (incremental) run after a new
hour of gateway logs, with a late request inside the lookback, reads only the
lookback's slice of the log and ends equal to a full refresh; an hourly run
after a change of what an SLO counts stops instead of mixing definitions."""
from __future__ import annotations

import copy
import csv
import io
import json
import re
import shutil

import duckdb
import yaml

from conftest import PROJECT_DIR, run_dbt
from project_copy import copy_project

COMPARED = ["intermediate.int_slo__event_buckets", "marts.slo_status", "marts.slo_burn_rate_alerts"]
SEEDS = ["seed", "-s", "api_gateway_logs", "function_invocations"]
MODELS = ["run", "-s", "+slo_status", "+slo_burn_rate_alerts"]


def gateway_log_until(cutoff: str) -> tuple[str, str, str]:
    """The shipped gateway log as it looked at `cutoff` minus one 5xx request
    that arrives late (14:40-14:50, inside the lookback), the whole log, and
    the late request's id."""
    rows = list(csv.reader(io.StringIO((PROJECT_DIR / "seeds" / "api_gateway_logs.csv").read_text())))
    header, body = rows[0], rows[1:]
    late = next(r for r in body if "2024-03-12 14:40" <= r[1] < "2024-03-12 14:50" and r[15].startswith("5")
                and r[6] == "api.gateway.main" and r[5] == "prod" and r[24] in ("false", "0", ""))
    first = [r for r in body if r[1] < cutoff and r is not late]

    def text(lines):
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([header, *lines])
        return out.getvalue()
    return text(first), text(body), late[0]


def snapshot(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {table: sorted(con.execute(f"select * from {table}").fetchall(), key=repr) for table in COMPARED}


def test_hourly_run_reads_the_lookback_only_and_equals_a_full_refresh(tmp_path):
    first, everything, late_id = gateway_log_until("2024-03-12 15:30:00")
    project = copy_project(tmp_path / "p", {"api_gateway_logs.csv": first})
    warehouse = project / "warehouse" / "oncall_analytics.duckdb"
    run_dbt(SEEDS, warehouse, cwd=project)
    run_dbt(MODELS, warehouse, cwd=project)
    before = snapshot(warehouse)

    (project / "seeds" / "api_gateway_logs.csv").write_text(everything)
    run_dbt(SEEDS, warehouse, cwd=project)
    run_dbt(MODELS, warehouse, cwd=project)                      # the hourly run: incremental
    compiled = (project / "target" / "compiled" / "oncall_analytics" / "models" / "intermediate" / "slo"
                / "int_slo__event_buckets.sql").read_text()
    incremental = snapshot(warehouse)

    run_dbt([*MODELS, "--full-refresh"], warehouse, cwd=project)
    full_refresh = snapshot(warehouse)

    # the slice read: from incremental_lookback_hours (3) before the newest bucket loaded (15:25)
    assert re.search(r"requested_at >= cast\('2024-03-12 12:25:00", compiled), compiled[:3000]
    assert incremental != before                                # the new hour arrived ...
    assert incremental == full_refresh                          # ... and the late request was counted
    # the late request's bucket holds it: recounted from staging, independently
    with duckdb.connect(str(warehouse), read_only=True) as con:
        counted, recounted = con.execute("""
            with late as (
                select time_bucket(interval '5 minutes', requested_at, timestamp '2000-01-01') as bucket_start
                from staging.stg_gateway__api_gateway_logs where request_id = ?
            )
            select
                (select total_events - good_events from intermediate.int_slo__event_buckets as b
                 where b.slo_name = 'gateway_main_availability' and b.bucket_start = late.bucket_start),
                (select count(*) from staging.stg_gateway__api_gateway_logs as r
                 where r.service_name = 'api.gateway.main' and r.environment = 'prod' and not r.is_test_traffic
                   and r.status_code >= 500
                   and time_bucket(interval '5 minutes', r.requested_at, timestamp '2000-01-01') = late.bucket_start)
            from late
        """, [late_id]).fetchone()
    assert counted == recounted >= 1
    newest = max(row[2] for row in incremental["intermediate.int_slo__event_buckets"] if row[1] == "gateway_requests")
    assert str(newest) == "2024-03-12 16:25:00"


def test_an_incremental_run_that_counts_an_slo_otherwise_stops_naming_it(built_warehouse, tmp_path):
    """The buckets record what they count (counted_as). An hourly run after a change of what an SLO counts
    (its threshold) or with a new SLO would mix two definitions in one rolling window, so it stops naming
    the SLO and leaves the table as it was; a new objective changes no bucket and runs; a full refresh
    counts everything again."""
    warehouse = tmp_path / built_warehouse.name
    shutil.copy(built_warehouse, warehouse)
    slos = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]["slos"]

    def run(changed: list[dict], *flags: str):
        return run_dbt(["run", "-s", "int_slo__event_buckets", *flags, "--vars", json.dumps({"slos": changed})], warehouse, check=False)

    def counted_as(name: str) -> set:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return {row[0] for row in con.execute("select distinct counted_as from intermediate.int_slo__event_buckets"
                                                  " where slo_name = ?", [name]).fetchall()}

    assert counted_as("gateway_main_latency") == {"gateway_requests: real (not test) requests of api.gateway.main, "
                                                  "environment prod; good: latency_ms < 1000"}
    stricter = copy.deepcopy(slos)
    stricter[1]["indicator"]["threshold_ms"] = 500
    refused = run(stricter)
    assert refused.returncode != 0
    assert "counts SLO 'gateway_main_latency' as `gateway_requests: real (not test) requests of api.gateway.main, environment prod; " \
           "good: latency_ms < 1000`, and this run's var 'slos' counts it as `" in refused.stdout
    assert "latency_ms < 500`" in refused.stdout and "--full-refresh" in refused.stdout
    added = [*copy.deepcopy(slos), {**slos[2], "name": "image_processor_availability_2"}]
    refused = run(added)
    assert refused.returncode != 0 and "SLO 'image_processor_availability_2' is new in var 'slos'" in refused.stdout
    assert counted_as("gateway_main_latency") == {"gateway_requests: real (not test) requests of api.gateway.main, "
                                                  "environment prod; good: latency_ms < 1000"}
    looser_objective = copy.deepcopy(slos)
    looser_objective[1]["objective_pct"] = 98
    assert run(looser_objective).returncode == 0
    assert run(stricter, "--full-refresh").returncode == 0
    assert counted_as("gateway_main_latency") == {"gateway_requests: real (not test) requests of api.gateway.main, "
                                                  "environment prod; good: latency_ms < 500"}


def test_an_slo_whose_log_has_no_event_yet_warns_and_the_hourly_runs_go_on(tmp_path):
    """A gateway-only team gives its function log as an empty file (operator trial): every hourly run after
    the first stopped with "SLO ... is new in var 'slos'", since an SLO of a log without events has no
    buckets, and the gateway SLOs were never paged; slo_counts_events passed, though 7 SLOs counted
    nothing. Now the hourly runs go on, the test warns naming the function SLOs, and when the function
    log's first events come its SLOs are counted from the whole log, as a full refresh counts them (an
    empty table's lookback bound was the run's start, so the log's first rows older than 3 hours waited
    for the daily full refresh)."""
    invocations = (PROJECT_DIR / "seeds" / "function_invocations.csv").read_text()
    project = copy_project(tmp_path / "p", {"function_invocations.csv": invocations.splitlines(keepends=True)[0]})
    warehouse = project / "warehouse" / "oncall_analytics.duckdb"
    run_dbt(SEEDS, warehouse, cwd=project)
    run_dbt(MODELS, warehouse, cwd=project)
    run_dbt(MODELS, warehouse, cwd=project)                      # the next hourly run: incremental, goes on
    tested = run_dbt(["test", "-s", "test_name:slo_counts_events", "--target-path", str(tmp_path / "target")],
                     warehouse, cwd=project, check=False)
    assert "Got 7 results" in tested.stdout and "WARN=1" in tested.stdout, tested.stdout[-3000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        sources = {row[0] for row in con.execute("select distinct event_source from intermediate.int_slo__event_buckets").fetchall()}
    assert sources == {"gateway_requests"}

    (project / "seeds" / "function_invocations.csv").write_text(invocations)
    run_dbt(SEEDS, warehouse, cwd=project)
    run_dbt(MODELS, warehouse, cwd=project)                      # the function log's first events: incremental
    incremental = snapshot(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:   # all of them, old ones too (the bound of an empty table
        loaded = con.execute("select count(*) from staging.base_serverless__function_invocations").fetchone()[0]
    assert loaded == len(invocations.splitlines()) - 1              # was the run's start: its last 3 hours only)
    run_dbt([*MODELS, "--full-refresh"], warehouse, cwd=project)
    assert incremental == snapshot(warehouse)
    assert any(row[1] == "function_invocations" for row in incremental["intermediate.int_slo__event_buckets"])
