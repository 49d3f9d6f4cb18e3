"""`python -m oncall_analytics eval-detector DATA`: the project's detector, run through dbt, scored on a
labelled folder (issue 15, "An evaluation anyone can run"; `make eval-detector DATA=...`).

DATA is a folder in the nab_dev format (`metrics.csv.gz`, `windows.json`; oncall_analytics.evaluation reads
and checks it). The command:

1. writes the folder as the project's own logs (`log_source: external`) in a temporary folder: the
   any-resolution metrics log `service_metrics/part-0.parquet`, each labelled series its own service
   (service_name `<service_name>/<metric_name>`, so that no two series share an incident), and every other
   log the project reads as an empty file with its seed's columns;
2. for each method (`anomaly_method` robust, then notebook: the notebook's plain rule as the project
   computes it) runs `dbt build -s +metric_anomalies +incidents` into a temporary DuckDB file, without
   the unit tests (code, not data; the tests that assert the shipped data are off on external logs),
   with `detection_grain_minutes` set to --grain-minutes, and staging's accepted time range widened to
   the folder's times (accepted_times: labelled data is often older than a live log's floor);
3. reads the anomalous points (marts.metric_anomalies) and the incidents' starts (marts.incidents) from
   that warehouse and scores them with oncall_analytics.evaluation: per series, per labelled service and
   in total, windows paged and flagged, false pages per 1,000 series-hours and the median delay, both
   methods side by side (markdown on stdout, and in --out), with notes on what bends the figures: rows
   staging quarantined (observed hours count only the buckets the detector read), windows without
   observations or without any bucket a method scored (counted as missed), overlapping windows, series
   sampled more coarsely than the grain. A build that fails because staging quarantined too many rows says
   so in one line.

Exit codes: 0 scored, 2 a bad argument or a malformed folder (nothing run), 1 dbt failed or the detector
did not read the folder's series.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from oncall_analytics import evaluation as ev
from oncall_analytics.cli_paths import new_folder, output_file
from oncall_analytics.tsg_rerun import PATH_FORBIDDEN, _default_project_dir, _project_dir, _shown
from oncall_analytics.warehouse_file import unopenable_path_problem

METHODS = ("robust", "notebook")
# The detector, its incidents, the metrics log's quarantine and everything they read, with the data tests
# of what is built (cautious: not the tests of other marts), except the unit tests (code, not data). The
# tests that assert the shipped data's answers need no --exclude: they are off on external logs, and
# excluding them made dbt warn that the selector matched nothing (operator trial). Nor the quarantined share
# of the log's last hours (tag hourly_check): a folder is a finished data set, not a log being written, and a
# series whose last 8 hours were empty values (0.8 % of the folder) read as mostly refused and stopped the
# evaluation (operator trial); the whole folder's share is still judged.
SELECTION = ["-s", "+metric_anomalies", "+incidents", "+stg_metrics__service_metrics_quarantine",
             "--indirect-selection", "cautious", "--exclude", "test_type:unit", "tag:hourly_check"]
METRICS_LOG = "service_metrics"
MAX_HOURS_AHEAD = 87600  # the bound of the var accepted_time_max_hours_ahead (ten years)
SERIES_SEPARATOR = "/"


class EvalError(Exception):
    """A failure to report in one line, with its exit code."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def series_service(service: str, metric: str) -> str:
    """The service name a labelled series gets in the project: one service per series."""
    return f"{service}{SERIES_SEPARATOR}{metric}"


def write_logs(metrics: pd.DataFrame, logs: Path, project_dir: Path) -> dict[str, tuple[str, str]]:
    """The folder's metrics as `<logs>/service_metrics/part-0.parquet` and an empty file for every other log
    (the header of its seed, text columns); returns project service name -> (service_name, metric_name) of
    the folder. `logs` must be a checked path (evaluate_folder): it becomes SQL text."""
    services = {series_service(s, m): (s, m) for s, m in metrics[ev.SERIES_KEY].drop_duplicates().itertuples(index=False)}
    frame = pd.DataFrame({
        "service_name": [series_service(s, m) for s, m in zip(metrics["service_name"], metrics["metric_name"])],
        "metric_name": metrics["metric_name"].to_numpy(),
        "observed_at": pd.to_datetime(metrics["observed_at"]).dt.strftime("%Y-%m-%d %H:%M:%S.%f").to_numpy(),
        # as text, each float's shortest exact form: a pandas NaN registered with DuckDB reads as null, and staging
        # would call a NaN missing rather than not finite; an empty value is written empty, which staging calls missing
        "value": [None if missing else repr(float(value))
                  for value, missing in zip(metrics["value"].to_numpy(dtype=float), metrics["value_is_missing"].to_numpy())],
    })
    (logs / METRICS_LOG).mkdir(parents=True)
    with duckdb.connect() as con:
        con.register("frame", frame)
        con.execute(f"copy (select * from frame) to '{logs / METRICS_LOG / 'part-0.parquet'}' (format parquet)")
        for seed in sorted((project_dir / "seeds").glob("*.csv")):
            if seed.stem == METRICS_LOG:
                continue
            with seed.open(newline="") as file:  # the header only: the project folder's path never becomes SQL
                header = next(csv.reader(file))
            (logs / seed.stem).mkdir()
            columns = ", ".join('cast(null as varchar) as "' + column.replace('"', '""') + '"' for column in header)
            con.execute(f"copy (select {columns} where false) to '{logs / seed.stem / 'part-0.parquet'}' (format parquet)")
    return services


def accepted_times(metrics: pd.DataFrame, now: dt.datetime | None = None) -> dict[str, object]:
    """The vars that make staging accept every time of the folder: labelled data is history, often older
    than the live-log floor accepted_time_floor (2000 by default), where every row would be quarantined and
    the build would fail on the quarantined share. The floor is the day of the folder's first time, the
    horizon its last; the project's own bounds (1900 to 2199, ten years ahead) still hold."""
    first, last = metrics["observed_at"].min(), metrics["observed_at"].max()
    now = pd.Timestamp(now or dt.datetime.now(dt.UTC)).tz_localize(None)
    if first < pd.Timestamp("1900-01-01") or last > pd.Timestamp("2199-12-31"):
        raise EvalError(f"the folder's times run from {first} to {last}; the project accepts 1900 to 2199", code=2)
    hours_ahead = max(24, int(np.ceil((last - now) / pd.Timedelta(hours=1))) + 24)
    if hours_ahead > MAX_HOURS_AHEAD:
        raise EvalError(f"the folder's last time {last} lies more than {MAX_HOURS_AHEAD // 8760} years ahead", code=2)
    return {"accepted_time_floor": f"{first.floor('D'):%Y-%m-%d %H:%M:%S}", "accepted_time_max_hours_ahead": hours_ahead}


def dbt_command(project_dir: Path, logs: Path, method: str, grain_minutes: int, target_path: Path,
                extra_vars: dict | None = None) -> list[str]:
    """The build of one method; its artifacts go to `target_path` (the work folder), not the project's target/."""
    dbt = str(Path(sys.executable).with_name("dbt"))
    variables = {"log_source": "external", "logs_path": str(logs), "anomaly_method": method,
                 "detection_grain_minutes": grain_minutes, **(extra_vars or {})}
    return [dbt, "build", *SELECTION, "--vars", json.dumps(variables, sort_keys=True),
            "--project-dir", str(project_dir), "--profiles-dir", str(project_dir), "--target-path", str(target_path)]


def run_method(project_dir: Path, logs: Path, warehouse: Path, method: str, grain_minutes: int,
               services: dict[str, tuple[str, str]], extra_vars: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Build the detector with `method` into `warehouse`; (flags, incidents, scored buckets) keyed by the folder's series."""
    command = dbt_command(project_dir, logs, method, grain_minutes, warehouse.parent / f"target-{method}", extra_vars)
    env = {**os.environ, "DBT_DUCKDB_PATH": str(warehouse), "OPENBLAS_MAIN_FREE": "1", "GOTOBLAS_MAIN_FREE": "1"}
    print(f"running ({method}): {shlex.join(command)}", file=sys.stderr, flush=True)
    result = subprocess.run(command, cwd=project_dir, env=env, capture_output=True, text=True)
    (warehouse.parent / f"dbt-{method}.log").write_text(result.stdout)   # dbt's output, beside its warehouse
    if result.returncode != 0:
        quarantined = quarantine_note(warehouse, services)
        if quarantined:  # the usual cause on labelled data: say it in one line, not in dbt's log
            raise EvalError(f"dbt build with anomaly_method {method} failed: {quarantined}, more than the project accepts "
                            "(quarantine_share_error_pct); fix those rows in metrics.csv.gz")
        raise EvalError(f"dbt build with anomaly_method {method} failed (exit {result.returncode}; --work-dir DIR keeps the "
                        f"logs and the warehouse to look into, e.g. the quarantine views):\n{result.stdout[-6000:]}")
    return read_detector_output(warehouse, services, method)


def read_detector_output(warehouse: Path, services: dict[str, tuple[str, str]], method: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(anomalous points, incidents' starts, scored buckets) of a warehouse built by run_method, keyed by the folder's series."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        flags = con.execute("select service_name, metric_name, observed_at from marts.metric_anomalies"
                            " where is_anomaly").df()
        scored = con.execute("select service_name, metric_name, observed_at from marts.metric_anomalies"
                             " where is_scored").df()
        incidents = con.execute("select service_name, started_at from marts.incidents").df()
        seen = {row[0] for row in con.execute("select distinct service_name from marts.metric_anomalies").fetchall()}
    if not seen & set(services):
        raise EvalError(f"the detector (anomaly_method {method}) scored none of the folder's {len(services)} series: "
                        f"this project's metric_anomalies does not read the `{METRICS_LOG}` log (issue 15, point 4)")
    return (_to_series(flags, services, "metric_anomalies"), _to_series(incidents, services, "incidents"),
            _to_series(scored, services, "metric_anomalies"))


def detector_hours(warehouse: Path, services: dict[str, tuple[str, str]], grain_minutes: int) -> pd.Series:
    """Observed hours per series (evaluation.observed_hours) of the buckets the detector read, scored or not:
    a bucket whose rows staging quarantined is no hour the detector could have paged in (the folder's own
    buckets would count it in the false pages' denominator)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        buckets = con.execute("select service_name, metric_name, observed_at from marts.metric_anomalies").df()
    return ev.observed_hours(_to_series(buckets, services, "metric_anomalies"), grain_minutes)


def quarantine_note(warehouse: Path, services: dict[str, tuple[str, str]] | None = None) -> str | None:
    """What staging quarantined of the folder's rows (e.g. repeated timestamps): how many, why, and the
    series with most; None when nothing was, or when the build stopped before the base model existed.
    As on a live system they were set aside and the detector did not see them."""
    # the base model, built first: there even when a test on it stopped the build before the quarantine view
    rejected = "from staging.base_metrics__service_metrics where quarantine_reason is not null"
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            total = con.execute(f"select count(*) {rejected}").fetchone()[0]
            if not total:
                return None
            reasons = con.execute(f"select quarantine_reason, count(*) as n {rejected} group by 1 order by n desc, 1 limit 3").fetchall()
            worst = con.execute(f"select coalesce(service_name, '(none)'), count(*) as n {rejected} group by 1 order by n desc, 1 limit 1").fetchone()
    except (duckdb.Error, OSError):
        return None
    series = "/".join(services[worst[0]]) if services and worst[0] in services else worst[0]
    because = "; ".join(f"{reason} ({count})" for reason, count in reasons)
    return f"staging quarantined {total} row(s) of the folder's metrics ({because}; most in {series}: {worst[1]})"


def _to_series(frame: pd.DataFrame, services: dict[str, tuple[str, str]], mart: str) -> pd.DataFrame:
    """The mart's rows with service_name and metric_name of the labelled series (the project's service)."""
    strays = sorted(set(frame["service_name"]) - set(services))
    if strays:
        raise EvalError(f"marts.{mart} holds services that are not series of the folder: {strays[:5]}")
    keys = [services[name] for name in frame["service_name"]]
    return frame.drop(columns=["metric_name"], errors="ignore").assign(
        service_name=[k[0] for k in keys], metric_name=[k[1] for k in keys])


def never_scored(hours: pd.Series, scored: pd.DataFrame) -> dict[str, float]:
    """The series with observed hours but no bucket the method scored: 'service/metric' -> observed hours."""
    scored_series = set(zip(scored["service_name"], scored["metric_name"]))
    return {f"{service}/{metric}": observed for (service, metric), observed in hours.items()
            if observed > 0 and (service, metric) not in scored_series}


def evaluate_folder(folder: Path, project_dir: Path, grain_minutes: int = 60, work: Path | None = None,
                    methods=METHODS) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Per-series figures (oncall_analytics.evaluation.evaluate) of each method, run through dbt, and notes
    on the input (quarantined rows)."""
    try:
        metrics, windows = ev.read_folder(folder)
    except (OSError, ValueError, KeyError) as error:
        raise EvalError(f"DATA {folder}: {error}", code=2) from None
    if metrics.empty:
        raise EvalError(f"DATA {folder}: {ev.metrics_file(folder).name} has no rows", code=2)
    with tempfile.TemporaryDirectory(prefix="eval-detector-") as scratch:
        work = Path(work or scratch).resolve()
        if PATH_FORBIDDEN.search(str(work)):   # logs_path becomes SQL text in the source's location
            raise EvalError(f"work folder {_shown(str(work))}: its path may not hold {{ }} ' \" \\ * ? [ ] or control characters", 2)
        # before anything is written or run: the build stopped on these after writing the logs (operator trial)
        partition = next((part for part in work.parts if "=" in part), None)
        if partition:   # DuckDB reads a `<column>=<value>` folder on the logs' path as a column of every row
            raise EvalError(f"work folder {_shown(str(work))}: its folder {_shown(partition)} is named like a partition "
                            "(`<column>=<value>`), which DuckDB would read as a column of the logs; use another folder", 2)
        unopenable = unopenable_path_problem(work / f"{methods[0]}.duckdb")   # a '#' in a folder (dbt-duckdb)
        if unopenable:
            raise EvalError(f"work folder {_shown(str(work))}: {unopenable}", 2)
        logs = work / "logs"
        services = write_logs(metrics, logs, project_dir)
        times = accepted_times(metrics)
        results, notes = {}, ev.input_notes(windows, metrics, grain_minutes)
        without_data = set(ev.windows_without(windows, ev.bucket_metrics(metrics, grain_minutes), grain_minutes))
        for method in methods:
            flags, incidents, scored = run_method(project_dir, logs, work / f"{method}.duckdb", method, grain_minutes, services, times)
            hours = detector_hours(work / f"{method}.duckdb", services, grain_minutes)
            results[method] = ev.evaluate(windows, flags, incidents, hours, grain_minutes)
            note = quarantine_note(work / f"{method}.duckdb", services)
            kept = " (of exact duplicates, one copy is kept)" if note and "exact duplicate" in note else ""
            said = f"{note}; the detector did not see those rows{kept}"
            if note and said not in notes:
                notes.append(said)
            never = never_scored(hours, scored)
            if never:
                were = "was" if len(never) == 1 else "were"
                notes.append(f"{method}: {len(never)} series with observations {were} never scored (too short a history, "
                             f"too coarse a sampling for the grain, a flat series): their {sum(never.values()):,.0f} observed "
                             f"hours count in its false-page rate: {', '.join(list(never)[:5])}")
            unjudged = [w for w in ev.windows_without(windows, scored, grain_minutes) if w not in without_data]
            if unjudged:
                notes.append(f"{method}: {len(unjudged)} window(s) hold no bucket it scored (too little history before them, "
                             f"a gap, rows staging quarantined, a flat series) and count as missed: {', '.join(unjudged[:5])}")
    return results, notes


def report(folder: Path, results: dict[str, pd.DataFrame], grain_minutes: int, command: str, notes=()) -> str:
    """The dated markdown report: the targets' figures, per labelled service and in total, then per series."""
    totals = {m: ev.total_of(r) for m, r in results.items()}
    lines = [f"# The detector through dbt on {folder.name}: {dt.datetime.now(dt.UTC):%Y-%m-%d}", "",
             f"Data: `{folder}` ({len(next(iter(results.values())))} series). Grain {grain_minutes} minutes. "
             f"Produced by `{command}` (oncall_analytics/eval_detector.py; definitions in oncall_analytics/evaluation.py).", ""]
    for method, row in totals.items():
        share = f"{row.windows_paged / row.windows:.0%}" if row.windows else "no labelled window"
        lines.append(f"- {method}: {row.windows_paged}/{row.windows} windows paged ({share}), {row.windows_flagged} flagged, "
                     f"{row.false_pages} false page{'' if row.false_pages == 1 else 's'} = "
                     f"{row.false_pages_per_1000_hours:.2f} per 1,000 series-hours, "
                     f"median delay {'-' if pd.isna(row.median_delay_hours) else f'{row.median_delay_hours:.1f} h'}")
    lines += [f"- Note: {note}" for note in notes]
    lines += ["", LEGEND.format(grain=grain_minutes), "",
              "## Per series, per labelled service and in total", "", ev.side_by_side(results), ""]
    return "\n".join(lines)


# the report's definitions, in its own words (a reader had only the module to go by: operator trial)
LEGEND = ("How to read it (oncall_analytics/evaluation.py has the details): each series is bucketed at {grain} minutes "
          "and scored on its own. A window is **paged** when an incident (a page) of its series starts inside it, and "
          "**flagged** when at least one anomalous bucket falls inside it; an incident open since before the window "
          "pages nothing in it. A **false page** is an incident that starts in no window; its rate is per 1,000 "
          "observed hours (buckets holding data, at the grain). The **delay** of a paged window runs from its first "
          "bucket to the start of the first incident inside it, both bucket starts. The table's rows are the series, "
          "then each labelled service (NAB's folder) and the total.")


def labelled_folder(text: str) -> Path:
    """DATA as given; empty is refused (Path("") is the current folder, which an operator trial's empty DATA scored)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("DATA is empty: give the labelled folder (metrics.csv.gz, windows.json)")
    return Path(text)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m oncall_analytics eval-detector", allow_abbrev=False,
                                description="Run the project's detector through dbt on a labelled folder (metrics.csv.gz, "
                                            "windows.json) and score it against the windows, robust and notebook side by side.")
    p.add_argument("data", type=labelled_folder, help="the labelled folder (the format of /work/shared/data/nab_dev, its README)")
    p.add_argument("--grain-minutes", type=int, default=60, help="detection_grain_minutes of the run: a divisor of 60 (default 60)")
    p.add_argument("--method", choices=METHODS, action="append", dest="methods",
                   help="score only this anomaly_method (repeatable; default: robust and notebook)")
    p.add_argument("--out", type=output_file, help="also write the report (markdown) to this file")
    p.add_argument("--project-dir", type=_project_dir, default=_default_project_dir(),
                   help="the dbt project (default: the current folder if it is the project, else this package's checkout)")
    p.add_argument("--work-dir", type=new_folder,
                   help="keep the logs, the two warehouses and dbt's output (dbt-<method>.log) in this new folder "
                        "(default: a temporary folder, removed)")
    return p


def main(argv: list[str]) -> int:
    p = parser()
    try:
        args = p.parse_args(argv)
    except SystemExit as stop:
        return int(stop.code or 0)
    if args.grain_minutes < 1 or 60 % args.grain_minutes:  # the rule of the var detection_grain_minutes
        print(f"{p.prog}: error: --grain-minutes must divide an hour (as detection_grain_minutes), got {args.grain_minutes}",
              file=sys.stderr)
        return 2
    inputs = [args.data / name for name in (ev.WINDOWS_FILE, ev.METRICS_FILE, ev.METRICS_FILE_PLAIN) if (args.data / name).is_file()]
    if args.out and args.out.exists() and any(args.out.samefile(given) for given in inputs):   # over the labels (operator trial)
        print(f"{p.prog}: error: argument --out: {args.out} is an input of DATA {args.data}: write the report elsewhere",
              file=sys.stderr)
        return 2
    if not Path(sys.executable).with_name("dbt").is_file():
        print(f"{p.prog}: error: dbt not found next to this Python; run `make setup`", file=sys.stderr)
        return 1
    try:
        results, notes = evaluate_folder(args.data, args.project_dir, args.grain_minutes, args.work_dir,
                                  tuple(dict.fromkeys(args.methods or METHODS)))
    except EvalError as error:
        print(f"{p.prog}: error: {error}", file=sys.stderr)
        return error.code
    text = report(args.data.resolve(), results, args.grain_minutes, "python -m oncall_analytics eval-detector " + shlex.join(argv), notes)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
        print(f"report written to {args.out.absolute()}", file=sys.stderr)
    return 0
