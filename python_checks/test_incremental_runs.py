"""Production runs: an incremental run after new (and late) rows equals a full
refresh; two runs in a row change nothing; a build killed midway and re-run
ends identical to a clean build (dbt retry does not: README, "Scheduled runs")."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import datetime, timedelta

import duckdb
import pytest

from conftest import DBT, PROJECT_DIR, run_dbt
from hostile import rows
from project_copy import copy_project

SHIPPED = (PROJECT_DIR / "seeds" / "function_invocations.csv").read_text()
NEW_ROWS = """\
new_001,user_auth,2,2023-12-05 08:00:00,2023-12-05 08:00:00.040,40.00,64.00,SUCCESS
new_002,user_auth,2,2023-12-05 08:00:00.040500,2023-12-05 08:00:00.070,29.50,64.00,ERROR
new_003,user_auth,2,2023-12-05 08:00:00.070,2023-12-05 08:00:00.090,20.00,64.00,SUCCESS
new_004,report_builder,1,2023-12-05 08:30:00,2023-12-05 08:30:04,4000.00,1024.00,SUCCESS
late_001,report_builder,1,2023-12-05 06:30:00,2023-12-05 06:30:03,3000.00,1024.00,ERROR
inv_057,report_builder,2,2023-12-05 06:00:00,2023-12-05 06:00:04.500,4500.00,1024.00,ERROR
new_005,user_auth,2,yesterday,2023-12-05 08:00:01,1.00,64.00,SUCCESS
,user_auth,2,2023-12-05 08:10:00,2023-12-05 08:10:01,1.00,64.00,SUCCESS
"""
COMPARED = [
    "staging.stg_serverless__function_invocations",
    "staging.stg_serverless__function_invocations_quarantine",
    "intermediate.int_serverless__hourly_metrics",
    "marts.canary_version_comparison",
    "marts.chained_invocations",
    "marts.invocation_chains",
    "marts.burst_windows",
    "marts.burst_error_correlation",
]
SELECTION = ["-s", "function_invocations", "path:seeds/expected", "path:models/staging/serverless",
             "path:models/intermediate/serverless", "path:models/marts/serverless", "int_serverless__hourly_metrics",
             # the log here is not the shipped one: tests of the shipped answers do not apply
             "--exclude", "test_name:equals_expected", "tag:shipped_data"]


def snapshot(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {table: sorted(con.execute(f"select * from {table}").fetchall(), key=repr) for table in COMPARED}


def build(project, warehouse, *extra):
    run_dbt(["build", *SELECTION, *extra], warehouse, cwd=project)


@pytest.fixture(scope="module")
def full_refresh_of_everything(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("full") / "p", {"function_invocations.csv": SHIPPED + NEW_ROWS})
    warehouse = project / "warehouse" / "oncall_analytics.duckdb"
    build(project, warehouse, "--full-refresh")
    return snapshot(warehouse)


def test_incremental_run_with_new_and_late_rows_equals_a_full_refresh(tmp_path, full_refresh_of_everything):
    project = copy_project(tmp_path / "p", {"function_invocations.csv": SHIPPED})
    warehouse = project / "warehouse" / "oncall_analytics.duckdb"
    build(project, warehouse)
    before = snapshot(warehouse)
    (project / "seeds" / "function_invocations.csv").write_text(SHIPPED + NEW_ROWS)
    build(project, warehouse)                      # incremental
    after = snapshot(warehouse)
    assert after != before                         # the new hour arrived ...
    ids = {row[0] for row in after["staging.stg_serverless__function_invocations"]}
    assert {"new_001", "late_001"} <= ids and "inv_057" not in ids   # ... a late row too; a conflict removed the stale id
    rejected = {row[0] for row in after["staging.stg_serverless__function_invocations_quarantine"]}
    assert {"inv_057", "new_005", None} <= rejected  # both copies of the conflict, an unreadable time, no id
    assert after == full_refresh_of_everything
    build(project, warehouse)                      # a second run changes nothing
    assert snapshot(warehouse) == full_refresh_of_everything


def test_a_killed_build_is_recovered_by_the_same_command_not_by_dbt_retry(tmp_path, full_refresh_of_everything):
    """README, "Scheduled runs": a run killed midway is recovered by running the same
    command again; `dbt retry` is not a recovery (it replays the last run that finished)."""
    project = copy_project(tmp_path / "p", {"function_invocations.csv": SHIPPED + NEW_ROWS})
    warehouse = project / "warehouse" / "oncall_analytics.duckdb"
    env = {**os.environ, "DBT_DUCKDB_PATH": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    dbt_args = ["--project-dir", str(project), "--profiles-dir", str(PROJECT_DIR)]
    command = [DBT, "build", *SELECTION, *dbt_args]
    # an earlier run that finished (as the previous hour's would have): its run_results.json is what retry reads
    subprocess.run([DBT, "seed", "-s", "function_invocations", *dbt_args], cwd=project, env=env, check=True, capture_output=True)
    process = subprocess.Popen(command, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    deadline = time.time() + 120
    for line in process.stdout:                    # kill as soon as the first model is written
        if "OK created" in line or time.time() > deadline:
            break
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode != 0
    # whatever the kill left behind is readable and whole: every relation that exists is queryable
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for schema, table in con.execute(
            "select table_schema, table_name from information_schema.tables where table_schema in ('staging', 'marts')"
        ).fetchall():
            con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()
    retry = subprocess.run([DBT, "retry", *dbt_args], cwd=project, env=env, capture_output=True, text=True)
    assert retry.returncode == 0 and "Nothing to do" in retry.stdout, retry.stdout[-3000:]
    assert _missing(warehouse), "dbt retry recovered the killed run: the README says it does not"
    rerun = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)   # the README's recovery
    assert rerun.returncode == 0, rerun.stdout[-6000:]
    assert not _missing(warehouse)
    assert snapshot(warehouse) == full_refresh_of_everything


def _missing(warehouse) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        present = {f"{schema}.{table}" for schema, table in con.execute(
            "select table_schema, table_name from information_schema.tables").fetchall()}
    return [table for table in COMPARED if table not in present]


GATEWAY_COMPARED = [
    "staging.stg_gateway__api_gateway_logs",
    "intermediate.int_gateway__hourly_metrics",
    "marts.tsg_step02_version_regression", "marts.tsg_step03_feature_flags",
    "marts.tsg_step04_regional_availability", "marts.tsg_step05_partitions", "marts.tsg_step06_zones",
    "marts.tsg_step07_endpoints", "marts.tsg_step08_products", "marts.tsg_step09_workflows",
    "marts.tsg_step10_top_errors", "marts.tsg_action_plan",
]
GATEWAY_MODELS = ["path:models/staging/gateway", "path:models/intermediate/gateway", "path:models/marts/tsg",
                  "int_gateway__hourly_metrics"]


def _gateway_csv_split(cutoff="2024-03-12 15:30:00"):
    """The shipped gateway log as it looked at `cutoff` (minus one request that
    arrives late), and as it looks after the next hour arrived."""
    import csv
    import io
    text = (PROJECT_DIR / "seeds" / "api_gateway_logs.csv").read_text()
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    late = next(r for r in body if "2024-03-12 14:40" <= r[1] < "2024-03-12 14:50" and r[15].startswith("5"))
    first = [r for r in body if r[1] < cutoff and r is not late]
    out_first, out_all = io.StringIO(), io.StringIO()
    csv.writer(out_first, lineterminator="\n").writerows([header, *first])
    csv.writer(out_all, lineterminator="\n").writerows([header, *body])
    return out_first.getvalue(), out_all.getvalue(), late[0]


def _rounded(row):
    # sums of floats depend on row order, which differs between an incremental
    # table and a rebuilt one: compare to 9 significant digits
    return tuple(float(f"{v:.9g}") if isinstance(v, float) else v for v in row)


def _gateway_snapshot(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {table: sorted((_rounded(r) for r in con.execute(f"select * from {table}").fetchall()), key=repr)
                for table in GATEWAY_COMPARED}


def test_incremental_gateway_run_with_a_new_hour_and_a_late_request_equals_a_full_refresh(tmp_path):
    first, everything, late_id = _gateway_csv_split()

    def seed_and_run(project, warehouse, *extra):
        run_dbt(["seed", "-s", "path:seeds", "--exclude", "path:seeds/expected", *extra], warehouse, cwd=project)
        run_dbt(["run", "-s", *GATEWAY_MODELS, *extra], warehouse, cwd=project)

    full = copy_project(tmp_path / "full", {"api_gateway_logs.csv": everything})
    seed_and_run(full, full / "warehouse" / "oncall_analytics.duckdb", "--full-refresh")
    expected = _gateway_snapshot(full / "warehouse" / "oncall_analytics.duckdb")

    project = copy_project(tmp_path / "incremental", {"api_gateway_logs.csv": first})
    warehouse = project / "warehouse" / "oncall_analytics.duckdb"
    seed_and_run(project, warehouse)
    (project / "seeds" / "api_gateway_logs.csv").write_text(everything)
    seed_and_run(project, warehouse)               # incremental
    actual = _gateway_snapshot(warehouse)
    assert late_id in {row[0] for row in actual["staging.stg_gateway__api_gateway_logs"]}
    assert actual == expected


def _gappy_and_steady_invocations(until_hour: int) -> str:
    """Two functions from 2023-12-01: `steady` twice an hour; `gappy` in hours 0 to 10 and again in hour 240
    (silent for longer than zero_fill_max_hours, 168, in between)."""
    header = "invocation_id,function_name,version_id,start_timestamp,end_timestamp,duration_ms,memory_used_mb,status\n"
    start, out = datetime(2023, 12, 1), []
    for hour in range(until_hour):
        for minute in (5, 35):
            at = start + timedelta(hours=hour, minutes=minute)
            out.append(f"s{hour}-{minute},steady,1,{at},{at + timedelta(milliseconds=50)},50.00,64.00,SUCCESS")
        if hour <= 10 or hour == 240:
            at = start + timedelta(hours=hour, minutes=10)
            out.append(f"g{hour},gappy,1,{at},{at + timedelta(milliseconds=50)},50.00,64.00,SUCCESS")
    return header + "\n".join(out) + "\n"


def test_zero_filled_silences_of_an_incremental_run_equal_a_full_refresh(tmp_path):
    """Review of the silence fill: a function silent for longer than zero_fill_max_hours that serves again had
    the rest of its gap filled by a full refresh and not by the incremental run that saw it return. Gap by gap,
    both fill the 168 hours after hour 10 and nothing after, and the hours before its return stay absent."""
    selection = ["-s", "+int_serverless__hourly_metrics", "--exclude", "resource_type:test"]
    query = "select service_name, metric_name, observed_at, value from intermediate.int_serverless__hourly_metrics"
    project = copy_project(tmp_path / "p", {"function_invocations.csv": _gappy_and_steady_invocations(200)})
    warehouse = project / "warehouse" / "w.duckdb"
    run_dbt(["build", *selection], warehouse, cwd=project)
    (project / "seeds" / "function_invocations.csv").write_text(_gappy_and_steady_invocations(260))
    run_dbt(["build", *selection], warehouse, cwd=project)          # incremental: gappy returns in hour 240
    incremental = set(rows(warehouse, query))
    run_dbt(["build", *selection, "--full-refresh"], warehouse, cwd=project)
    assert incremental == set(rows(warehouse, query))
    zeros = sorted(at for service, metric, at, value in incremental if service == "gappy" and metric == "invocations" and value == 0)
    returned = datetime(2023, 12, 1) + timedelta(hours=240)
    first_gap = [at for at in zeros if at < returned]
    assert (first_gap[0], first_gap[-1], len(first_gap)) == (datetime(2023, 12, 1, 11), datetime(2023, 12, 8, 10), 168)
    # after its return it is silent again: hours 241 to 257; the log's last complete hour (258, its last
    # event at 259:35) has no complete hour after it, and a silent hour waits for one
    assert [at for at in zeros if at > returned] == [returned + timedelta(hours=h) for h in range(1, 18)]
