"""The project's detector against the notebook's per-hour loop, on many metrics.

`synthetic_metrics` makes M metrics x H hours (daily cycle, noise, a few
spikes; deterministic). `loop_detector` is the notebook's solution: for every
metric and every hour, mean and std of the previous `window` values.
`project_detector` runs the package's notebook method (the functions behind
the dbt Python models: oncall_analytics.detection.scoring.score_metrics, then
methods.flag_anomalies) on the same frame. Both must flag the same hours.
`robust_detector` runs the default method, `robust` (methods.score_robust,
then its flags), at any grain: the method the models run by default.
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from oncall_analytics.detection.methods import flag_anomalies, score_robust
from oncall_analytics.detection.scoring import score_metrics

START = pd.Timestamp("2023-01-01 00:00:00")


def synthetic_metrics(metrics: int, hours: int, seed: int = 6, grain_minutes: int = 60) -> pd.DataFrame:
    """Long frame (service_name, metric_name, observed_at, value): `metrics` series of `hours` hours of
    buckets of `grain_minutes` (hours * 60 / grain_minutes points each)."""
    rng = np.random.default_rng(seed)
    points = hours * 60 // grain_minutes
    minute = np.arange(points) * grain_minutes
    base = rng.uniform(10, 1000, size=(metrics, 1))
    values = base * (1 + 0.2 * np.sin(2 * np.pi * minute / 1440)) + rng.normal(0, 1, size=(metrics, points)) * base * 0.02
    spikes = rng.random((metrics, points)) < 0.0005
    values = np.where(spikes, values * 3, values)
    return pd.DataFrame({
        "service_name": np.repeat([f"service-{m // 10:03d}" for m in range(metrics)], points),
        "metric_name": np.repeat([f"metric_{m % 10}" for m in range(metrics)], points),
        "observed_at": np.tile(START + pd.to_timedelta(minute, unit="m"), metrics),
        "value": values.ravel(),
    })


def loop_detector(frame: pd.DataFrame, window: int = 48, k: float = 5.0) -> set[tuple[str, str, int]]:
    """The notebook's solution_detect_anomalies, series by series: flagged (service, metric, hour)."""
    flags = set()
    for (service, metric), series in frame.groupby(["service_name", "metric_name"], sort=False):
        values = series["value"].to_numpy()
        for hour in range(window, len(values)):
            history = values[hour - window:hour]
            mean, std = history.mean(), history.std()
            if std > 0 and abs(values[hour] - mean) > k * std:
                flags.add((service, metric, hour))
    return flags


def project_detector(frame: pd.DataFrame, window: int = 48, k: float = 5.0) -> set[tuple[str, str, int]]:
    """The package's detector (scores, then the rule without the weekly excuse): flagged (service, metric, hour)."""
    scored = score_metrics(frame, [window], min_baseline_fraction=1.0)
    decided = flag_anomalies(scored, "notebook", window, k)
    # the notebook has no weekly excuse: compare its rule, |z| > k on a full window
    flagged = decided[decided["is_outlier"]]
    hours = ((flagged["observed_at"] - START) // pd.Timedelta(hours=1)).astype(int)
    return set(zip(flagged["service_name"], flagged["metric_name"], hours))


def robust_detector(frame: pd.DataFrame, window: int = 48, k: float = 5.0, grain_minutes: int = 60) -> int:
    """The robust method, as metric_anomalies runs it: scores at the grain, then its flags. Flags counted."""
    scored = score_robust(frame, [window], grain_minutes)
    return int(flag_anomalies(scored, "robust", window, k)["is_anomaly"].sum())


def timed(function, *args) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result
