"""Small logs as fresh as a live system's, for tests of the scheduled runs.

bench/generate_logs.py writes a week of every log at a tiny size (and the hour
after it); each log family is then moved forward in time so that the week ends
an hour ago and the next hour ends now, as on a live system: `dbt source
freshness` passes once the next hour has arrived. A family (the invocations;
the gateway's requests, workflow steps and host samples; the hourly metrics
and their incident labels; the any-resolution metrics) moves as one, so the rows of a family still line
up. Hourly metrics move by whole hours, the 5-minute metrics by 5 minutes, the logs by whole minutes."""
from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from conftest import PROJECT_DIR

# (tables with their timestamp columns, the unit the family moves by, how long
# before now its week ends: the logs leave room for their next hour)
FAMILIES = [
    ({"function_invocations": ["start_timestamp", "end_timestamp"]}, timedelta(minutes=1), timedelta(hours=1)),
    ({"api_gateway_logs": ["timestamp"], "workflow_tracking": ["timestamp"], "infrastructure_metrics": ["timestamp"]},
     timedelta(minutes=1), timedelta(hours=1)),
    ({"service_metrics_hourly": ["observed_at"], "incident_labels": ["started_at", "ended_at"]}, timedelta(hours=1), timedelta(0)),
    ({"service_metrics": ["observed_at"]}, timedelta(minutes=5), timedelta(0)),   # sampled every 5 minutes
]


def write_fresh_logs(logs: Path, next_hour: Path, rows: int = 1000) -> None:
    """The week's logs under `logs/<table>/`, the following hour's under `next_hour/<table>/`
    (not every table has one: the metrics seed is the week's only)."""
    generated = logs.parent / f"{logs.name}-generated"
    generated_next = logs.parent / f"{next_hour.name}-generated"
    subprocess.run([sys.executable, str(PROJECT_DIR / "bench" / "generate_logs.py"), "--rows", str(rows),
                    "--out", str(generated), "--next-hour", str(generated_next)], check=True, capture_output=True)
    now = datetime.now(UTC).replace(tzinfo=None)
    with duckdb.connect() as con:
        for tables, unit, before_now in FAMILIES:
            newest = max(_newest(con, generated / table, columns) for table, columns in tables.items())
            shift = unit * ((now - before_now - newest) // unit)
            for table, columns in tables.items():
                for source, target in ((generated, logs), (generated_next, next_hour)):
                    if (source / table).is_dir():
                        _write_shifted(con, source / table, target / table, columns, shift)
    # tables without a time of their own (flags and products, keyed by request) as they are
    for source, target in ((generated, logs), (generated_next, next_hour)):
        for folder in source.iterdir():
            if not (target / folder.name).exists():
                shutil.copytree(folder, target / folder.name)


def write_clock_ahead_rows(folder: Path, ahead: timedelta) -> None:
    """Three invocations from a writer whose clock runs `ahead` (new ids, the log's three newest rows moved):
    within the accepted horizon, they must not hold back the loading of the hours behind them (operator
    trial: the next two hours' invocations were never loaded by the hourly runs)."""
    staging = folder.parent / f"{folder.name}-clock-ahead"
    staging.mkdir()
    with duckdb.connect() as con:
        con.execute(f"copy (select * replace ('clock-ahead-' || row_number() over () as invocation_id) from ("
                    f"select * from read_parquet('{folder}/*.parquet') order by try_cast(start_timestamp as timestamp) desc limit 3))"
                    f" to '{staging}/clock-ahead.parquet' (format parquet)")
        _write_shifted(con, staging, folder, ["start_timestamp", "end_timestamp"], ahead)
    shutil.rmtree(staging)


def _newest(con, folder: Path, columns: list[str]) -> datetime:
    return max(con.execute(f"select max(try_cast({_quoted(c)} as timestamp)) from read_parquet('{folder}/*.parquet')").fetchone()[0]
               for c in columns)


def _write_shifted(con, source: Path, target: Path, columns: list[str], shift: timedelta) -> None:
    """Every file of `source` with `columns` moved by `shift`: typed columns keep their type, text
    columns stay text ('YYYY-MM-DD HH:MM:SS'), a text value that is not a timestamp stays as it was."""
    target.mkdir(parents=True, exist_ok=True)
    seconds = int(shift.total_seconds())
    for file in sorted(source.glob("*.parquet")):
        types = dict(con.execute(f"select column_name, column_type from (describe select * from read_parquet('{file}'))").fetchall())
        moved = []
        for column in columns:
            c = _quoted(column)
            if types[column] == "VARCHAR":
                moved.append(f"coalesce(strftime(try_cast({c} as timestamp) + to_seconds({seconds}), '%Y-%m-%d %H:%M:%S'), {c}) as {c}")
            else:
                moved.append(f"{c} + to_seconds({seconds}) as {c}")
        con.execute(f"copy (select * replace ({', '.join(moved)}) from read_parquet('{file}'))"
                    f" to '{target / file.name}' (format parquet)")


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'
