#!/usr/bin/env python3
"""The benchmark: the whole project on synthetic logs at scale, on this machine.

    python bench/run_bench.py --size 1m [--repeats 3] [--out target/bench]

Sizes: 100k, 1m, 10m (gateway requests, and as many invocations, a week).
Steps, each figure the median of --repeats runs (the detector's exponent is fitted
on the fastest run at each size), ratios measured in the same run:

1. full build: `dbt build` of everything but the unit tests (dbt's advice for
   production runs: they test logic, not data) and the `shipped_data` tests
   (they assert answers about the shipped seeds), on the logs as Parquet
   through `log_source: external`. Wall time, dbt's time per model
   (run_results.json), peak RSS of the dbt process, rows per second.
2. dbt overhead: the heaviest SQL models re-run with `dbt run`, and their
   compiled SQL run directly in DuckDB (`create or replace table`), alternately.
3. chains: `chained_invocations` (LAG over the sequenced invocations) against the
   self-join of analyses/chained_invocations_self_join.sql, straight in DuckDB.
4. detector: the detection models' functions against the notebook's per-hour
   loop on 1,000 metrics x 8,760 hours, and the detector alone at 1/4, 1/2
   and 1 year (linear in hours?).
5. incremental: one more hour of logs, then `dbt build --selector hourly --no-write-json`,
   against the full build.

Writes <out>/<size>/report.json and report.md; --check exits 1 when a target
is missed.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

import detector_comparison  # noqa: E402
import generate_logs  # noqa: E402
from report import evaluate_targets, render_markdown  # noqa: E402

SIZES = {"100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
DBT = str(Path(sys.executable).with_name("dbt"))
BUILD_SELECTION = ["--exclude-resource-type", "unit_test"]
# The hourly run as the README's crontab runs it (python_checks/test_bench.py compares the two).
HOURLY_BUILD = ["build", "--selector", "hourly", "--no-write-json"]
HEAVY_MODELS = 5
# Runs argv[2:] and writes its peak RSS (wait4 of that child) to argv[1]; exits with its code.
MEASURE = (
    "import json, os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[2:])\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "open(sys.argv[1], 'w').write(json.dumps({'max_rss_kb': usage.ru_maxrss}))\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def dbt_environment(warehouse: Path) -> dict[str, str]:
    """The environment of the bench's dbt runs. A scheduled host keeps the bytecode its first run writes (make
    setup installs without it); where the environment says not to write it (this machine's does), every run
    compiled dbt's some 1,400 modules again: 1 to 1.5 s of each hourly run, a tenth of it."""
    env = {**os.environ, "DBT_DUCKDB_PATH": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
           "OPENBLAS_MAIN_FREE": "1", "GOTOBLAS_MAIN_FREE": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def rows_for(size: str) -> int:
    if size in SIZES:
        return SIZES[size]
    if size.isdigit() and int(size) > 0:
        return int(size)
    raise SystemExit(f"--size must be one of {', '.join(SIZES)} or a number of rows, got {size!r}")


def median(values: list[float]) -> float:
    return statistics.median(values)


class Bench:
    """One benchmark run at one size: its folders, logs, warehouse and dbt settings."""

    def __init__(self, size: str, out: Path, repeats: int, self_join_timeout_s: float, grain_weeks: int = 4):
        self.size, self.rows, self.repeats, self.grain_weeks = size, rows_for(size), repeats, grain_weeks
        self.self_join_timeout_s = self_join_timeout_s
        self.dir = out / size
        self.logs = out / "data" / size / "logs"
        self.next_hour = out / "data" / size / "next_hour"
        self.warehouse = self.dir / "warehouse" / "oncall_analytics.duckdb"
        self.target = self.dir / "dbt-target"
        self.vars = json.dumps({"log_source": "external", "logs_path": str(self.logs)})

    # -- inputs ---------------------------------------------------------------------------
    def ensure_logs(self) -> dict:
        """Generate the logs once per size and generator version (kept under <out>/data)."""
        stamp = {"rows": self.rows, "generator": (BENCH_DIR / "generate_logs.py").read_text()}
        marker = self.logs.parent / "generated.json"
        if not (marker.exists() and json.loads(marker.read_text()) == stamp):
            shutil.rmtree(self.logs.parent, ignore_errors=True)
            started = time.perf_counter()
            generate_logs.generate(self.rows, self.logs, self.next_hour)
            print(f"generated {self.rows:,} rows a log in {time.perf_counter() - started:.1f} s", flush=True)
            marker.write_text(json.dumps(stamp))
        for leftover in self.logs.glob("*/part-next-hour.parquet"):  # from an interrupted incremental step
            leftover.unlink()
        with duckdb.connect() as con:
            return {table.name: con.execute(f"select count(*) from read_parquet('{table}/*.parquet')").fetchone()[0]
                    for table in sorted(self.logs.iterdir()) if table.is_dir()}

    # -- dbt ------------------------------------------------------------------------------
    def dbt(self, args: list[str]) -> dict:
        """Run dbt; wall time, peak RSS of its process, and its run_results. Fails loudly on a dbt error."""
        env = dbt_environment(self.warehouse)
        command = [DBT, *args, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
                   "--target-path", str(self.target), "--log-path", str(self.dir / "dbt-logs"), "--vars", self.vars]
        usage_file = self.dir / "rusage.json"
        started = time.perf_counter()
        # dbt is started by a small fresh Python (MEASURE), which reports dbt's own peak RSS:
        # a child forked straight from this process would count this process's pages too.
        process = subprocess.run([sys.executable, "-c", MEASURE, str(usage_file), *command], cwd=PROJECT_DIR, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        wall = time.perf_counter() - started
        if process.returncode != 0:
            raise SystemExit(f"dbt {' '.join(args)} failed (exit {process.returncode}):\n{process.stdout[-6000:]}")
        peak_rss_mb = json.loads(usage_file.read_text())["max_rss_kb"] / 1024
        results_file = self.target / "run_results.json"
        # a run with --no-write-json leaves the previous run's file: not this run's results
        wrote_results = args[0] in ("build", "run") and "--no-write-json" not in args
        results = json.loads(results_file.read_text()) if results_file.exists() and wrote_results else {}
        return {"wall_s": wall, "peak_rss_mb": peak_rss_mb, "results": results}

    def full_build(self) -> dict:
        """Step 1: the full build from an empty warehouse, --repeats times."""
        self.dbt(["parse"])  # a warm partial-parse file, as a scheduled run has
        runs = []
        for _ in range(self.repeats):
            shutil.rmtree(self.warehouse.parent, ignore_errors=True)
            self.warehouse.parent.mkdir(parents=True)
            runs.append(self.dbt(["build", *BUILD_SELECTION]))
            print(f"full build: {runs[-1]['wall_s']:.1f} s, peak RSS {runs[-1]['peak_rss_mb']:.0f} MB", flush=True)
        per_node: dict[str, list[float]] = {}
        for run in runs:
            for result in run["results"]["results"]:
                per_node.setdefault(result["unique_id"], []).append(result["execution_time"])
        shutil.copy(self.warehouse, self.warehouse.with_suffix(".full"))
        return {
            "wall_s": median([r["wall_s"] for r in runs]),
            "wall_s_runs": [r["wall_s"] for r in runs],
            "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
            "nodes": len(runs[-1]["results"]["results"]),
            "node_s": {uid: median(times) for uid, times in per_node.items()},
        }

    # -- step 2 ---------------------------------------------------------------------------
    def dbt_overhead(self, node_s: dict[str, float]) -> dict:
        """Heaviest SQL models: dbt's own time for each vs its compiled SQL run directly."""
        manifest = json.loads((self.target / "manifest.json").read_text())
        sql_models = {uid: node for uid, node in manifest["nodes"].items()
                      if node["resource_type"] == "model" and node.get("language") == "sql"
                      and node["config"]["materialized"] in ("table", "incremental", "row_level_incremental")}
        heavy = sorted((uid for uid in sql_models if uid in node_s), key=lambda uid: -node_s[uid])[:HEAVY_MODELS]
        names = [sql_models[uid]["name"] for uid in heavy]
        dbt_runs, raw_runs = {n: [] for n in names}, {n: [] for n in names}
        shutil.copy(self.warehouse.with_suffix(".full"), self.warehouse)
        for _ in range(self.repeats):
            # one thread: the raw SQL runs one statement at a time, so must dbt
            run = self.dbt(["run", "--full-refresh", "--threads", "1", "-s", *names])
            for result in run["results"]["results"]:
                if result["unique_id"].startswith("model."):  # not the on-run-start hook (validate_python_model_vars)
                    dbt_runs[result["unique_id"].split(".")[-1]].append(result["execution_time"])
            with self.connect() as con:
                for uid, name in zip(heavy, names):
                    compiled = (self.target / "compiled" / "oncall_analytics" / sql_models[uid]["original_file_path"]).read_text()
                    started = time.perf_counter()
                    con.execute(f"create or replace table bench_raw.{name} as {compiled}")
                    raw_runs[name].append(time.perf_counter() - started)
        models = [{"model": n, "dbt_s": median(dbt_runs[n]), "raw_sql_s": median(raw_runs[n])} for n in names]
        dbt_total, raw_total = sum(m["dbt_s"] for m in models), sum(m["raw_sql_s"] for m in models)
        return {"models": models, "dbt_s": dbt_total, "raw_sql_s": raw_total, "ratio": dbt_total / raw_total}

    def connect(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(str(self.warehouse))
        con.execute("set memory_limit = '4GB'; set threads = 2; create schema if not exists bench_raw")
        return con

    # -- step 3 ---------------------------------------------------------------------------
    def chains(self) -> dict:
        """chained_invocations (its LAG model + the mart) against the self-join analysis."""
        self.dbt(["compile", "-s", "chained_invocations_self_join", "int_function_invocations__sequenced", "chained_invocations"])
        compiled = self.target / "compiled" / "oncall_analytics"
        sequenced = (compiled / "models/intermediate/serverless/int_function_invocations__sequenced.sql").read_text()
        mart = (compiled / "models/marts/serverless/chained_invocations.sql").read_text()
        self_join = (compiled / "analyses/chained_invocations_self_join.sql").read_text()
        lag_runs, join_runs, timed_out = [], [], False
        with self.connect() as con:
            invocations = con.execute("select count(*) from staging.stg_serverless__function_invocations").fetchone()[0]
            for _ in range(self.repeats):
                started = time.perf_counter()
                con.execute(f"create or replace table bench_raw.sequenced as {sequenced}")
                con.execute("create or replace table bench_raw.chains_lag as "
                            + mart.replace(relation_of(con, "int_function_invocations__sequenced"), "bench_raw.sequenced"))
                lag_runs.append(time.perf_counter() - started)
                if timed_out:
                    continue
                seconds, finished = run_with_timeout(con, f"create or replace table bench_raw.chains_self_join as {self_join}",
                                                     self.self_join_timeout_s)
                join_runs.append(seconds)
                timed_out = not finished
            links_lag = con.execute("select count(*) from bench_raw.chains_lag").fetchone()[0]
            links_join = None if timed_out else con.execute("select count(*) from bench_raw.chains_self_join").fetchone()[0]
        return {"invocations": invocations, "chain_mart_s": median(lag_runs), "self_join_s": median(join_runs),
                "self_join_timed_out": timed_out, "ratio": median(join_runs) / median(lag_runs),
                "links_chain_mart": links_lag, "links_self_join": links_join}

    # -- step 4 ---------------------------------------------------------------------------
    def detector(self, metrics: int, hours: int) -> dict:
        frame = detector_comparison.synthetic_metrics(metrics, hours)
        detector_runs, flags = [], None
        for _ in range(self.repeats):
            seconds, flags = detector_comparison.timed(detector_comparison.project_detector, frame)
            detector_runs.append(seconds)
        loop_s, loop_flags = detector_comparison.timed(detector_comparison.loop_detector, frame)  # minutes: once
        scaling = []
        for fraction in (0.25, 0.5):
            part = detector_comparison.synthetic_metrics(metrics, int(hours * fraction))
            scaling.append(scaling_point(int(hours * fraction), [
                detector_comparison.timed(detector_comparison.project_detector, part)[0] for _ in range(self.repeats)]))
        scaling.append(scaling_point(hours, detector_runs))
        robust = self.robust_detector(frame, metrics, hours, loop_s)
        return {"metrics": metrics, "hours": hours, "detector_s": median(detector_runs), "loop_s": loop_s,
                "ratio": loop_s / median(detector_runs), "same_flags": flags == loop_flags, "flags": len(flags),
                "scaling": scaling, "scaling_exponent": scaling_exponent(scaling),
                "scaling_exponent_medians": scaling_exponent(scaling, "detector_s"), "robust": robust}

    def robust_detector(self, frame, metrics: int, hours: int, loop_s: float) -> dict:
        """The default method (robust), the one the models run: against the same loop, by hours, and at a
        5-minute grain on `metrics` series x `self.grain_weeks` weeks."""
        runs = [detector_comparison.timed(detector_comparison.robust_detector, frame) for _ in range(self.repeats)]
        scaling = []
        for fraction in (0.25, 0.5):
            part = detector_comparison.synthetic_metrics(metrics, int(hours * fraction))
            scaling.append(scaling_point(int(hours * fraction), [
                detector_comparison.timed(detector_comparison.robust_detector, part)[0] for _ in range(self.repeats)]))
        scaling.append(scaling_point(hours, [r[0] for r in runs]))
        five = detector_comparison.synthetic_metrics(metrics, self.grain_weeks * 168, grain_minutes=5)
        five_runs = [detector_comparison.timed(detector_comparison.robust_detector, five, 48, 5.0, 5) for _ in range(self.repeats)]
        return {"detector_s": median(r[0] for r in runs), "ratio": loop_s / median(r[0] for r in runs), "flags": runs[0][1],
                "scaling": scaling, "scaling_exponent": scaling_exponent(scaling),
                "scaling_exponent_medians": scaling_exponent(scaling, "detector_s"),
                "grain_minutes": 5, "grain_metrics": metrics, "grain_weeks": self.grain_weeks, "grain_points": len(five),
                "grain_s": median(r[0] for r in five_runs), "grain_flags": five_runs[0][1]}

    # -- step 5 ---------------------------------------------------------------------------
    def incremental(self) -> dict:
        """One more hour of logs, then the hourly run, from the state the full build left."""
        added = []
        for table_dir in sorted(self.next_hour.iterdir()):
            for file in table_dir.glob("*.parquet"):
                target = self.logs / table_dir.name / file.name
                shutil.copy(file, target)
                added.append(target)
        runs = []
        try:
            for _ in range(self.repeats):
                shutil.copy(self.warehouse.with_suffix(".full"), self.warehouse)
                runs.append(self.dbt([*HOURLY_BUILD, *BUILD_SELECTION]))
                print(f"hourly run: {runs[-1]['wall_s']:.1f} s", flush=True)
        finally:
            for file in added:
                file.unlink()
        with duckdb.connect() as con:
            new_rows = sum(con.execute(f"select count(*) from read_parquet('{t}/*.parquet')").fetchone()[0]
                           for t in self.next_hour.iterdir())
        return {"wall_s": median([r["wall_s"] for r in runs]), "wall_s_runs": [r["wall_s"] for r in runs],
                "peak_rss_mb": max(r["peak_rss_mb"] for r in runs), "new_rows": new_rows}


def relation_of(con: duckdb.DuckDBPyConnection, table: str) -> str:
    catalog, schema = con.execute(
        "select table_catalog, table_schema from information_schema.tables where table_name = ?", [table]).fetchone()
    return f'"{catalog}"."{schema}"."{table}"'


def run_with_timeout(con: duckdb.DuckDBPyConnection, sql: str, timeout_s: float) -> tuple[float, bool]:
    """Seconds the statement took (or timeout_s), and whether it finished."""
    timer = threading.Timer(timeout_s, con.interrupt)
    started = time.perf_counter()
    timer.start()
    try:
        con.execute(sql)
        return time.perf_counter() - started, True
    except duckdb.InterruptException:
        return timeout_s, False
    finally:
        timer.cancel()


def scaling_point(hours: int, seconds: list[float]) -> dict:
    """One size of the detector's scaling: the median of its runs and the fastest."""
    return {"hours": hours, "detector_s": median(seconds), "fastest_s": min(seconds)}


def scaling_exponent(points: list[dict], key: str = "fastest_s") -> float:
    """Slope of log(time) on log(hours): 1.0 is linear. Fitted on the fastest run at each size by default:
    the computation is deterministic, so a slower repeat measures the machine's other load, not how the
    work grows (how much the repeats spread on the benchmark's machine: bench/README.md)."""
    import math
    xs = [math.log(p["hours"]) for p in points]
    ys = [math.log(p.get(key, p["detector_s"])) for p in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def machine() -> dict:
    memory_kb = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")), 0) if Path("/proc/meminfo").exists() else 0
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gb": round(memory_kb / 1024 / 1024, 1),
            "python": platform.python_version(), "duckdb": duckdb.__version__, "platform": platform.platform()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="100k", help="100k, 1m, 10m or a number of rows (default 100k)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure; the median is reported (default 3)")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "target" / "bench")
    parser.add_argument("--detector-metrics", type=int, default=1000, help="metrics for the detector comparison (default 1000)")
    parser.add_argument("--detector-hours", type=int, default=8760, help="hours for the detector comparison (default 8760)")
    parser.add_argument("--grain-weeks", type=int, default=4,
                        help="weeks of 5-minute buckets per metric for the robust detector at a 5-minute grain (default 4)")
    parser.add_argument("--self-join-timeout", type=float, default=600, help="seconds before the self-join is stopped (default 600)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    if args.repeats < 1:
        raise SystemExit("--repeats must be at least 1")

    bench = Bench(args.size, args.out.resolve(), args.repeats, args.self_join_timeout, args.grain_weeks)
    bench.dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    report = {"size": args.size, "rows": bench.rows, "repeats": args.repeats, "machine": machine(),
              "started_at": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}
    report["log_rows"] = bench.ensure_logs()
    report["full_build"] = bench.full_build()
    report["incremental"] = bench.incremental()
    report["dbt_overhead"] = bench.dbt_overhead(report["full_build"]["node_s"])
    report["chains"] = bench.chains()
    print("chains done", flush=True)
    report["detector"] = bench.detector(args.detector_metrics, args.detector_hours)
    report["targets"] = evaluate_targets(report)
    report["bench_s"] = time.perf_counter() - started
    (bench.dir / "report.json").write_text(json.dumps(report, indent=2, sort_keys=True))
    (bench.dir / "report.md").write_text(render_markdown(report))
    print((bench.dir / "report.md").read_text())
    if args.check and not all(t["met"] for t in report["targets"] if t["met"] is not None):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
