"""The dated evidence report for the robust detector on a labelled folder (issue 15).

    .venv/bin/python bench/detector_eval/nab_report.py /work/shared/data/nab_dev [--skip-timing]

Writes bench/detector_eval/results/<folder name>_<UTC date>.md: the default against the notebook's rule
per series, per NAB folder and in total, the operating curve over k, the ablation, the sensitivity of
every parameter, a leave-one-folder-out check, the grains and the kernel's speed (kernel_speed.py).
"""
from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import experiments as ex  # noqa: E402
import kernel_speed  # noqa: E402

from oncall_analytics import evaluation as ev  # noqa: E402
from oncall_analytics.detection.paging import PagingParams  # noqa: E402
from oncall_analytics.detection.robust import RobustParams  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
FIGURES = ["paged", "flagged", "false_pages", "per_1000_h", "median_delay_h"]


def table(frame: pd.DataFrame) -> str:
    """A frame as a markdown table (whole floats as integers, others with two decimals, folders as 'a / b / c')."""
    def cell(value) -> str:
        if isinstance(value, dict):
            return " / ".join(str(v) for v in value.values())
        if isinstance(value, float):
            return f"{value:.0f}" if value.is_integer() else f"{value:.2f}"
        return str(value).replace("|", "\\|")
    lines = ["| " + " | ".join(str(c) for c in frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def parameter_rows() -> pd.DataFrame:
    reasons = {
        "grain_minutes": "hourly buckets page the most windows per false page on nab_dev (grain table); any divisor of a day works",
        "baseline_hours": "the notebook's 48 h window; 24 and 96 h page 1-3 windows fewer (sensitivity)",
        "scale_hours": "two weeks: a bad day is tolerated and weekly recurrences are remembered; 7 days pages 6 windows fewer, 28 the same",
        "scale_quantile": "tail-calibrated (at an hourly grain a day's largest residual); 0.98 gives the same figures, 0.95 doubles the false pages",
        "scale_day_quantile": "a metric pages on what is worse than its second-worst day of the fortnight, not on a weekly burst",
        "min_history_hours": "one day of residuals: scores as soon as a day's tail is known; 48 h barely changes the figures",
        "seasonal_days": "one week of the same time of day, trimmed; 4 and 14 days give the same figures",
        "seasonal_min_days": "a profile needs three days before it can replace the level",
        "seasonal_scale_ratio": "the profile is used when it explains the residuals clearly better (30 %); 0.5-0.9 give the same figures",
        "level_shift_hours": "the project's level_shift_window_hours; the statistic is reported, not paged (it only added false pages)",
        "min_relative_scale": ("a floor for metrics that barely move (constants, one tick, last-bit noise: operator trial); "
                               "nab_dev's figures are the same with 0"),
        "anomaly_k": "the notebook's k; with this scale it keeps false pages at or under 1 per 1,000 h",
        "sustained_k_ratio": "Western Electric rule 2 (2 of 3 beyond 2 of 3 sigma limits) scaled to k",
        "sustained_points": "Western Electric rule 2",
        "sustained_window_points": "Western Electric rule 2",
        "incident_quiet_hours": "a metric quiet for 6 h is a new problem; 24 h swallows windows that follow a false page",
        "incident_join_gap_hours": "causes precede symptoms by minutes to a couple of hours (the unseen set's symptom lags 2 h)",
        "incident_join_min_abs_correlation": "the project's causal_min_abs_correlation",
        "incident_join_max_lag_hours": "the project's causal_max_lag_hours",
    }
    rows = []
    for params in (RobustParams, PagingParams):
        source = Path(sys.modules[params.__module__].__file__).read_text().splitlines()
        for field in fields(params):
            comment = next((line.split("#", 1)[1].strip() for line in source if line.strip().startswith(f"{field.name}:")), "")
            default = f"{field.default:.4g}"
            rows.append({"parameter": field.name, "default": default, "meaning": comment, "why this default": reasons.get(field.name, "")})
    return pd.DataFrame(rows)


def summary(folder: ex.Folder, default: pd.DataFrame, notebook: pd.DataFrame) -> str:
    """Computed sentences: the two methods' totals and which series make the difference."""
    ours, theirs = ex.figures(default), ex.figures(notebook)
    behind = [name for name, paged in ours["folders"].items() if paged < theirs["folders"][name]]
    return "\n".join([
        f"- Default: {ours['paged']}/{ours['windows']} windows paged ({ours['paged'] / ours['windows']:.0%}) at "
        f"{ours['per_1000_h']:.2f} false pages per 1,000 series-hours; the notebook's rule: {theirs['paged']}/{theirs['windows']} "
        f"({theirs['paged'] / theirs['windows']:.0%}) at {theirs['per_1000_h']:.2f}. "
        f"False pages {ours['false_pages']} against {theirs['false_pages']} ({1 - ours['false_pages'] / theirs['false_pages']:.0%} fewer).",
        f"- Folders where the default pages fewer windows than the notebook's rule: {', '.join(behind) or 'none'}.",
        f"- Series that differ (default against the notebook's rule): {ex.series_changes(notebook, default)}.",
    ])


def frontier_reading(front: pd.DataFrame, default: dict) -> str:
    """One sentence on the frontier: how the default compares within 1 false page per 1,000 h, and the
    smallest budget, if any, in which some setting pages 80 % of the windows."""
    within_one = front.loc[front["budget"] == 1.0, "most paged"]
    best = int(within_one.iloc[0]) if len(within_one) else 0
    reaching = front[front["most paged"] >= 0.8 * default["windows"]]
    target = (f"some setting pages 80 % of the windows within {reaching['budget'].min():g}" if len(reaching)
              else f"no setting pages 80 % of the windows within {front['budget'].max():g}")
    return (f"Within 1 false page per 1,000 h the best setting pages {best} windows, the default {default['paged']}; "
            f"{target}.")


def report(path: str, with_timing: bool) -> str:
    folder = ex.Folder(path)
    default, notebook = folder.robust(), folder.notebook(60, 5.0)
    robust_total, notebook_total = ex.figures(default), ex.figures(notebook)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=RESULTS.parent).stdout.strip()
    sections = [
        f"# Robust detector on {Path(path).name}: {dt.datetime.now(dt.UTC):%Y-%m-%d}",
        f"Data: `{path}` ({len(folder.windows)} series, {robust_total['windows']} labelled windows). Commit {commit}. "
        "Produced by `.venv/bin/python bench/detector_eval/nab_report.py " + path + "`. Definitions: "
        "`oncall_analytics/evaluation.py` (a window is paged when an incident of its series starts inside it, at the "
        "grain; a false page is an incident starting in no window; observed hours = buckets with data x grain). "
        "This report runs the package's kernels directly in Python (fast enough for the sweeps below); "
        "`make eval-detector DATA=" + path + "` runs the same detector through dbt.",
        "## Summary",
        summary(folder, default, notebook),
        "## Targets (issue 15), at the default 60-minute grain",
        table(pd.DataFrame([
            {"figure": "windows paged", "target": ">= 80 %", "robust (default)": f"{robust_total['paged']}/{robust_total['windows']} "
             f"({robust_total['paged'] / robust_total['windows']:.0%})", "notebook rule": f"{notebook_total['paged']}/{notebook_total['windows']} "
             f"({notebook_total['paged'] / notebook_total['windows']:.0%})"},
            {"figure": "false pages per 1,000 series-hours", "target": "<= 1.0", "robust (default)": f"{robust_total['per_1000_h']:.2f}",
             "notebook rule": f"{notebook_total['per_1000_h']:.2f}"},
            {"figure": "paged per folder " + " / ".join(robust_total["folders"]), "target": ">= notebook in every folder",
             "robust (default)": " / ".join(str(v) for v in robust_total["folders"].values()),
             "notebook rule": " / ".join(str(v) for v in notebook_total["folders"].values())},
        ])),
        "## Per NAB folder and per series (default against the notebook's rule, 60 minutes)",
        ev.side_by_side({"robust": default, "notebook": notebook}, per_series=False),
        ev.side_by_side({"robust": default, "notebook": notebook}),
    ]
    curve = ex.operating_curve(folder)
    front = ex.frontier(folder)
    budgets = pd.concat([ex.best_within(curve, b).assign(budget=b) for b in (1.0, 2.0, 3.0, notebook_total["per_1000_h"])])
    sections += [
        "## Operating curve: k from 3 to 10 (everything else at its default)",
        "Windows paged (of 56) and false pages per 1,000 h as k varies; folders in the order " + " / ".join(robust_total["folders"]) + ".",
        table(curve.pivot(index="k", columns="method", values=["paged", "per_1000_h"]).reset_index().set_axis(
            ["k", "paged (notebook)", "paged (robust)", "false/1000 h (notebook)", "false/1000 h (robust)"], axis=1)),
        "Most windows paged within a false-page budget (per 1,000 h):",
        table(budgets[["budget", "method", "k", "paged", "per_1000_h", "folders"]]),
        "## Per folder at the notebook's own false-page count",
        "The robust detector's best paged windows in each folder at a k (3 to 10) whose false pages there do not exceed the notebook's.",
        table(ex.folder_parity(folder)),
        "## Ablation (60 minutes, k = 5)",
        "From the notebook's rule to the default one choice at a time, then the default without each choice. "
        "`changed series` lists where the paged windows or false pages moved, to show when a gain comes from one series.",
        table(ex.ablation(folder)[["step", *FIGURES, "folders", "changed series"]]),
        "## Sensitivity (each parameter around its default, the others at theirs)",
        table(ex.sensitivity(folder)[["parameter", "value", "is_default", *FIGURES, "folders"]]),
        "## What tuning could reach",
        "The best of 216 settings (k x the scale's memory and day quantile x the history it needs) within each "
        "false-page budget, chosen on the very data it is scored on, so an upper bound of what tuning these "
        "parameters could give rather than a result. " + frontier_reading(front, robust_total),
        table(front),
        "## Leave one NAB folder out",
        "k and scale_day_quantile chosen on the other five folders (most windows paged at <= 1 false page per 1,000 h there), "
        "then scored on the held-out folder.",
        table(ex.leave_one_folder_out(folder)),
        "## Windows the default misses",
        "The most extreme z-score inside each missed window, and whether the notebook's rule pages it. On the "
        "development data all scored missed windows stay under |z| 4.5 and 10 of 18 under 2.5: against the series' "
        "own bad days of the fortnight nothing stands out, so a lower k or a sustained rule reaches them only with "
        "many more false pages (operating curve). The two unscored ones lie in the series' first day (iio "
        "NetworkIn starts 18 h before its first window; its big spike comes an hour before the window anyway).",
        table(ex.missed_windows(folder)),
        "## Ideas tried and not kept",
        "Each over k, to compare with the default at equal false pages. Scoring each bucket's minimum and maximum as "
        "well as its mean (the largest |z| of the three, the extremes' divided by a ratio) finds short spikes the hourly "
        "mean hides and reaches the notebook's recall in every folder at k = 4, but at 2.5 false pages per 1,000 h; at "
        "the default's false-page rate it pages fewer windows than the default. Scoring log(value) of positive series "
        "pages fewer windows at every rate (realAdExchange loses most). A CUSUM of the z-scores (evidence that "
        "accumulates over hours just under k) or-ed with the default's flags pages fewer windows, not more: its "
        "early flags open incidents before the windows, which then start inside no window.",
        table(ex.alternatives(folder)[["variant", "k", *FIGURES, "folders"]]),
        "## Grain (defaults; windows stay in hours)",
        table(ex.grains(folder)[["grain_minutes", "method", *FIGURES, "folders"]]),
        "## Parameters",
        table(parameter_rows()),
    ]
    if with_timing:
        sections += ["## Speed (this machine, shared)", kernel_speed.markdown(kernel_speed.measure())]
    else:
        sections += ["## Speed", "Not measured for this report (`--skip-timing`). `kernel_speed.py` measures the kernel "
                     "alone; `make bench` measures the detector as the project runs it (bench/results/)."]
    return "\n\n".join(sections) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="labelled folder (metrics.csv.gz, windows.json)")
    parser.add_argument("--skip-timing", action="store_true", help="leave out the speed section (kernel_speed.py)")
    parser.add_argument("--out", type=Path, default=None, help="output file (default results/<folder>_<date>.md)")
    args = parser.parse_args()
    out = args.out or RESULTS / f"{Path(args.folder).name}_{dt.datetime.now(dt.UTC):%Y-%m-%d}.md"
    text = report(args.folder, not args.skip_timing)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
