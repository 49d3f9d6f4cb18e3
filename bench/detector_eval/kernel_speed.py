"""Speed of the robust kernel (score_series + flag_points, series by series) against the notebook's loop.

    .venv/bin/python bench/detector_eval/kernel_speed.py [--series 1000] [--loop-sample 20]

Sizes of issue 15: 1,000 series x 8,760 hours at a 60-minute grain (the target: at least 50 x faster
than the notebook's per-hour loop, and linear in hours), and 1,000 series x 4 weeks at a 5-minute grain
(8,064,000 points, at most 60 s). The loop is timed on a sample of series and scaled to all of them; the
kernel is timed on all of them, the best of `--repeats` runs each (the machine is shared).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from detector_comparison import loop_detector  # noqa: E402  the notebook's loop, as the bench times it

from oncall_analytics.detection.paging import flag_points  # noqa: E402
from oncall_analytics.detection.robust import RobustParams, score_series  # noqa: E402

START_MINUTE = 27_000_000  # 2021-05-03 00:00 UTC, a day boundary


def synthetic(series: int, points: int, grain: int, seed: int = 6):
    """Deterministic values like bench/detector_comparison.py: a daily cycle, 2 % noise, rare 3 x spikes."""
    rng = np.random.default_rng(seed)
    minutes = START_MINUTE + grain * np.arange(points, dtype=np.int64)
    base = rng.uniform(10, 1000, size=(series, 1))
    values = base * (1 + 0.2 * np.sin(2 * np.pi * minutes / 1440)) + rng.normal(0, 1, size=(series, points)) * base * 0.02
    return minutes, np.where(rng.random((series, points)) < 0.0005, values * 3, values)


def kernel_seconds(minutes: np.ndarray, values: np.ndarray, params: RobustParams, repeats: int) -> tuple[float, int]:
    best, flagged = np.inf, 0
    for _ in range(repeats):
        started, flagged = time.perf_counter(), 0
        for row in values:
            scores = score_series(minutes, row, params)
            flagged += int(flag_points(scores["z_score"], scores["weekly_difference_z"], scores["weekly_reference_z"])["is_anomaly"].sum())
        best = min(best, time.perf_counter() - started)
    return best, flagged


def measure(series: int = 1000, loop_sample: int = 20, repeats: int = 2) -> dict:
    hourly = RobustParams(grain_minutes=60)
    minutes, values = synthetic(series, 8760, 60)
    sample = pd.DataFrame({"service_name": "s", "metric_name": np.repeat(np.arange(loop_sample).astype(str), len(minutes)),
                           "value": values[:loop_sample].ravel()})
    started = time.perf_counter()
    loop_detector(sample)
    loop = (time.perf_counter() - started) * series / loop_sample
    kernel, flagged = kernel_seconds(minutes, values, hourly, repeats)
    by_hours = {hours: kernel_seconds(minutes[:hours], values[:, :hours], hourly, repeats)[0] for hours in (2190, 4380)}
    by_hours[8760] = kernel
    exponent = float(np.polyfit(np.log(list(by_hours)), np.log(list(by_hours.values())), 1)[0])
    del values
    five_minutes, five_values = synthetic(series, 4 * 7 * 288, 5)
    five, five_flagged = kernel_seconds(five_minutes, five_values, RobustParams(grain_minutes=5), 1)
    return {"series": series, "loop_s": loop, "loop_sample": loop_sample, "kernel_s": kernel, "flagged": flagged,
            "ratio": loop / kernel, "by_hours": by_hours, "exponent": exponent, "five_minute_s": five,
            "five_minute_points": five_values.size, "five_minute_flagged": five_flagged}


def markdown(result: dict) -> str:
    by_hours = ", ".join(f"{h:,} h {s:.2f} s" for h, s in result["by_hours"].items())
    return "\n".join([
        f"- {result['series']:,} series x 8,760 hours at 60 minutes: kernel {result['kernel_s']:.2f} s, notebook loop "
        f"{result['loop_s']:.1f} s (timed on {result['loop_sample']} series, scaled): **{result['ratio']:.0f} x** (target >= 50 x); "
        f"{result['flagged']:,} buckets flagged",
        f"- kernel time by hours: {by_hours} (exponent {result['exponent']:.2f}, 1 = linear)",
        f"- {result['series']:,} series x 4 weeks at 5 minutes ({result['five_minute_points']:,} points): "
        f"**{result['five_minute_s']:.1f} s** (target <= 60 s); {result['five_minute_flagged']:,} buckets flagged",
    ])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--loop-sample", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    print(markdown(measure(args.series, args.loop_sample, args.repeats)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
