"""Synthetic hourly metrics for the detection tests, and the detection
pipeline chained through the package's functions (no dbt needed)."""
from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from conftest import PROJECT_DIR
from oncall_analytics.detection import incidents as INCIDENTS
from oncall_analytics.detection import methods as METHODS
from oncall_analytics.detection import scoring as SCORES

sys.path.insert(0, str(PROJECT_DIR / "scripts"))
import generate_service_metrics  # noqa: E402

HOUR_ZERO = pd.Timestamp("2023-11-17 00:00:00")


def long_format(metrics: dict[str, np.ndarray], service: str = "svc", hour_zero: pd.Timestamp = HOUR_ZERO) -> pd.DataFrame:
    """{metric: hourly values} -> contract long format; NaN values are missing hours."""
    frames = []
    for name, values in metrics.items():
        hours = np.arange(len(values))
        present = ~np.isnan(values)
        frames.append(pd.DataFrame({
            "service_name": service, "metric_name": name,
            "observed_at": hour_zero + pd.to_timedelta(hours[present], unit="h"), "value": values[present],
        }))
    return pd.concat(frames, ignore_index=True)


def notebook_metrics(seed: int = 99) -> dict[str, np.ndarray]:
    return generate_service_metrics.make_metrics(seed)


def hour_of(timestamps) -> np.ndarray:
    return ((pd.to_datetime(pd.Series(timestamps)) - HOUR_ZERO) // pd.Timedelta(hours=1)).to_numpy()


def detect(metrics: pd.DataFrame, window: int = 48, k: float = 5.0, min_fraction: float = 0.5) -> pd.DataFrame:
    scores = SCORES.score_metrics(metrics, [window], min_fraction)
    return METHODS.flag_anomalies(scores, "notebook", window, k)


def localize(metrics: pd.DataFrame, window: int = 48, k: float = 5.0, gap: float = 24) -> pd.DataFrame:
    """incidents rows for `metrics`."""
    return INCIDENTS.summarize(INCIDENTS.localize(detect(metrics, window, k), gap))


def background(rng: np.random.Generator, hours: int) -> dict[str, np.ndarray]:
    """Healthy metrics of a service: two with a daily cycle, three flat-noisy."""
    t = np.arange(hours)
    daily = np.sin(2 * np.pi * (t % 24) / 24 - rng.uniform(0, 2 * np.pi))
    return {
        "requests": 500 + 150 * daily + rng.normal(0, 15, hours),
        "latency_p95_ms": 80 + 10 * daily + rng.normal(0, 4, hours),
        "queue_depth": 20 + rng.normal(0, 2, hours),
        "error_rate": np.clip(0.01 + rng.normal(0, 0.001, hours), 0, 1),
        "saturation": 0.6 + rng.normal(0, 0.02, hours),
    }


def planted_incident(seed: int, hours: int = 14 * 24, lead_hours: int = 1, missing_share: float = 0.0,
                     shape: str = "step") -> tuple[pd.DataFrame, int]:
    """A service whose cause metric `zz_upstream_cause` breaks at a random hour
    and drags `aa_symptom` (a name sorting first) `lead_hours` later. Also
    carries a constant metric. Returns (long metrics, onset hour)."""
    rng = np.random.default_rng(seed)
    metrics = background(rng, hours)
    onset = int(rng.integers(72, hours - 48))
    cause = 0.05 + rng.normal(0, 0.002, hours)
    symptom = 0.30 + rng.normal(0, 0.004, hours)
    after = np.arange(hours - onset)
    bump = np.ones_like(after, dtype=float) if shape == "step" else np.exp(-after / 8)
    cause[onset:] += 0.04 * bump
    symptom[onset + lead_hours:] -= 0.06 * bump[: hours - onset - lead_hours]
    metrics.update({"zz_upstream_cause": cause, "aa_symptom": symptom, "build_info": np.full(hours, 3.0)})
    if missing_share:
        for _name, values in metrics.items():
            drop = rng.random(hours) < missing_share
            drop[onset:onset + lead_hours + 1] = False  # both onsets stay observable
            values[drop] = np.nan
    return long_format(metrics), onset


def weekly_spike_metrics(seed: int, hours: int = 21 * 24, first_spike: int = 9) -> dict[str, np.ndarray]:
    """A metric with a large spike at the same hour of every week (a weekly batch job)."""
    rng = np.random.default_rng(seed)
    metrics = background(rng, hours)
    batch = 100 + rng.normal(0, 3, hours)
    batch[first_spike::168] += 400 + rng.normal(0, 3, len(range(first_spike, hours, 168)))
    metrics["batch_rows_written"] = batch
    return metrics
