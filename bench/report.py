"""The benchmark's targets and its Markdown report (from the report dict of run_bench)."""
from __future__ import annotations


def at_rows(low: int, high: int | None = None):
    """A target set for log sizes from `low` (to `high`) rows."""
    def applies(report: dict) -> bool:
        return report["rows"] >= low and (high is None or report["rows"] <= high)
    return applies, f"{low:,} rows" if high == low else f"{low:,} rows and more"


def at_detector_workload(metrics: int = 1000, hours: int = 8760):
    """A target set for the detector comparison on at least `metrics` x `hours`."""
    def applies(report: dict) -> bool:
        return report["detector"]["metrics"] >= metrics and report["detector"]["hours"] >= hours
    return applies, f"{metrics:,} metrics x {hours:,} hours"


def at_grain_workload(metrics: int = 1000, weeks: int = 4):
    """A target set for the robust detector at a 5-minute grain on at least `metrics` x `weeks` weeks."""
    def applies(report: dict) -> bool:
        robust = report["detector"]["robust"]
        return robust["grain_metrics"] >= metrics and robust["grain_weeks"] >= weeks
    return applies, f"{metrics:,} metrics x {weeks} weeks at 5 minutes"


# (name, what is measured, the bound, where it applies, getter, "max" or "min")
TARGETS = [
    ("full build time", "full build wall time (s)", 120, at_rows(10_000_000), lambda r: r["full_build"]["wall_s"], "max"),
    ("full build memory", "peak RSS of the dbt process (MB)", 4096, at_rows(10_000_000),
     lambda r: r["full_build"]["peak_rss_mb"], "max"),
    ("dbt overhead", "dbt time / raw SQL time, heaviest models", 1.25, at_rows(10_000_000),
     lambda r: r["dbt_overhead"]["ratio"], "max"),
    ("detector vs loop", "per-hour loop time / detector time (notebook method)", 50, at_detector_workload(),
     lambda r: r["detector"]["ratio"], "min"),
    ("detector linear in hours", "exponent of time vs hours (1 = linear; notebook method)", 1.2, at_detector_workload(),
     lambda r: r["detector"]["scaling_exponent"], "max"),
    ("robust detector vs loop", "per-hour loop time / robust detector time (the default method)", 50, at_detector_workload(),
     lambda r: r["detector"]["robust"]["ratio"], "min"),
    ("robust detector linear in hours", "exponent of time vs hours (1 = linear; the default method)", 1.2, at_detector_workload(),
     lambda r: r["detector"]["robust"]["scaling_exponent"], "max"),
    ("robust detector at 5 minutes", "seconds to score and flag 1,000 series x 4 weeks of 5-minute buckets", 60,
     at_grain_workload(), lambda r: r["detector"]["robust"]["grain_s"], "max"),
    ("incremental hourly run", "hourly run / full build", 0.10, at_rows(10_000_000),
     lambda r: r["incremental"]["wall_s"] / r["full_build"]["wall_s"], "max"),
    ("chains vs self-join", "self-join time / chain mart time", 100, at_rows(1_000_000, 1_000_000),
     lambda r: r["chains"]["ratio"], "min"),
]


def evaluate_targets(report: dict) -> list[dict]:
    """Each target with its measured value; `met` is None where the target is not set (size, workload)."""
    evaluated = []
    for name, measure, bound, (applies, applies_at), value_of, kind in TARGETS:
        value = value_of(report)
        met = (value <= bound if kind == "max" else value >= bound) if applies(report) else None
        evaluated.append({"target": name, "measure": measure, "bound": bound, "kind": kind, "value": value,
                          "applies_at": applies_at, "met": met})
    return evaluated


def _figure(value: float) -> str:
    return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"


def _scaling(method: dict) -> str:
    """The detector's times by hours and the exponent (fitted on the fastest runs; on the medians too, when known)."""
    points = ", ".join(f"{p['hours']:,} h {_figure(p['detector_s'])}"
                       + (f" / {_figure(p['fastest_s'])}" if "fastest_s" in p else "") + " s" for p in method["scaling"])
    medians = method.get("scaling_exponent_medians")
    return points + f" (exponent {method['scaling_exponent']:.2f}" + (
        f" on the fastest runs, {medians:.2f} on the medians)" if medians is not None else ")")


def render_markdown(report: dict) -> str:
    full, inc, over, chains, det = (report[k] for k in ("full_build", "incremental", "dbt_overhead", "chains", "detector"))
    machine = report["machine"]
    total_rows = sum(report["log_rows"].values())
    lines = [
        f"# Benchmark: {report['size']} ({report['rows']:,} requests and invocations)",
        "",
        f"{report['started_at']}, {machine['cpus']} CPUs ({machine['cpu']}), {machine['memory_gb']} GB, "
        f"Python {machine['python']}, DuckDB {machine['duckdb']}; medians of {report['repeats']} run(s).",
        "",
        "## Targets",
        "",
        "| target | measure | bound | measured | met |",
        "| --- | --- | --- | --- | --- |",
    ]
    for t in report["targets"]:
        bound = ("≤ " if t["kind"] == "max" else "≥ ") + _figure(t["bound"])
        met = {True: "yes", False: "**no**", None: f"n/a (set for {t['applies_at']})"}[t["met"]]
        lines.append(f"| {t['target']} | {t['measure']} | {bound} | {_figure(t['value'])} | {met} |")
    lines += [
        "",
        "## Full build",
        "",
        f"- wall time {_figure(full['wall_s'])} s (runs: {', '.join(_figure(s) for s in full['wall_s_runs'])}), "
        f"{full['nodes']} nodes, peak RSS {full['peak_rss_mb']:,.0f} MB",
        f"- {total_rows:,} log rows in all tables: {total_rows / full['wall_s']:,.0f} rows per second",
        "- rows per table: " + ", ".join(f"{t} {n:,}" for t, n in report["log_rows"].items()),
        "",
        "Slowest nodes (dbt's execution time, median):",
        "",
        "| node | seconds |",
        "| --- | --- |",
    ]
    for uid, seconds in sorted(full["node_s"].items(), key=lambda kv: -kv[1])[:15]:
        lines.append(f"| {uid.split('.', 2)[0]} {uid.split('.')[-1] if uid.startswith('model') else uid.split('.', 2)[2]} | {_figure(seconds)} |")
    lines += [
        "",
        "## Incremental hourly run",
        "",
        f"- {inc['new_rows']:,} new log rows, `dbt build --selector hourly --no-write-json` (the README's crontab): {_figure(inc['wall_s'])} s "
        f"({inc['wall_s'] / full['wall_s']:.1%} of the full build), peak RSS {inc['peak_rss_mb']:,.0f} MB",
        "",
        "## dbt overhead",
        "",
        "| model | dbt (s) | raw SQL (s) |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {m['model']} | {_figure(m['dbt_s'])} | {_figure(m['raw_sql_s'])} |" for m in over["models"]]
    lines += [
        f"| **total** | {_figure(over['dbt_s'])} | {_figure(over['raw_sql_s'])} |",
        "",
        f"Ratio {over['ratio']:.2f}.",
        "",
        "## Chains: LAG vs self-join",
        "",
        f"- {chains['invocations']:,} invocations; chain mart (sequenced + mart) {_figure(chains['chain_mart_s'])} s, "
        f"self-join {'> ' if chains['self_join_timed_out'] else ''}{_figure(chains['self_join_s'])} s"
        f"{' (stopped at the timeout)' if chains['self_join_timed_out'] else ''}: "
        f"{'at least ' if chains['self_join_timed_out'] else ''}{chains['ratio']:,.0f}x",
        f"- links: chain mart {chains['links_chain_mart']:,}, self-join "
        f"{'n/a' if chains['links_self_join'] is None else format(chains['links_self_join'], ',')}",
        "",
        "## Detector vs the notebook's per-hour loop",
        "",
        f"- {det['metrics']:,} metrics x {det['hours']:,} hours: detector {_figure(det['detector_s'])} s, "
        f"loop {_figure(det['loop_s'])} s: {det['ratio']:,.0f}x; same flags: {'yes' if det['same_flags'] else '**no**'} "
        f"({det['flags']:,})",
        "- detector time by hours (median / fastest of the runs): " + _scaling(det),
        f"- the default method, robust (what the models run): {_figure(det['robust']['detector_s'])} s, "
        f"{det['robust']['ratio']:,.0f}x the loop ({det['robust']['flags']:,} flags); by hours: "
        + _scaling(det["robust"]),
        f"- robust at a {det['robust']['grain_minutes']}-minute grain: {det['robust']['grain_metrics']:,} metrics x "
        f"{det['robust']['grain_weeks']} weeks ({det['robust']['grain_points']:,} points) in {_figure(det['robust']['grain_s'])} s",
        "",
    ]
    return "\n".join(lines)
