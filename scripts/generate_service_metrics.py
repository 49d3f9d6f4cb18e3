"""Write seeds/service_metrics_hourly.csv: the anomaly notebook's 14 days of
hourly metrics for `ranking-service`, in the contract's long format.

The random draws follow the notebook exactly (numpy default_rng(99), one
normal() call of 336 draws per metric in the notebook's order), and values are
written with repr() (shortest text that round-trips the float) so the detector
reproduces the notebook's flags bit for bit. Re-running it is idempotent;
python_checks/test_detection_seed.py checks the committed file is its output.

    .venv/bin/python scripts/generate_service_metrics.py [output.csv]
"""
from __future__ import annotations

import csv
import sys
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

SEED = 99
DAYS = 14
HOURS = DAYS * 24
HOUR_ZERO = datetime(2023, 11, 17)
SERVICE_NAME = "ranking-service"
DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "seeds" / "service_metrics_hourly.csv"

# Planted incidents (hour indices), documented in seeds/incident_labels.csv.
DEPLOY_HOUR = 4 * 24 + 14       # cache invalidated by a deploy
PIPELINE_BREAK_HOUR = 9 * 24 + 3  # upstream feature pipeline breaks silently
CTR_LAG_HOURS = 6               # users feel the pipeline break this much later


def _daily_cycle(hours: np.ndarray, level: float, swing: float) -> np.ndarray:
    return level + swing * np.sin(2 * np.pi * (hours % 24) / 24 - 1.2)


def make_metrics(seed: int = SEED) -> dict[str, np.ndarray]:
    """Metric name -> 336 hourly values. Draw order matters: do not reorder."""
    rng = np.random.default_rng(seed)
    hours = np.arange(HOURS)
    qps = _daily_cycle(hours, 1000, 300) + rng.normal(0, 25, HOURS)
    cache_hit_rate = np.clip(0.92 + rng.normal(0, 0.004, HOURS), 0, 1)
    p50_ms = _daily_cycle(hours, 42, 4) + rng.normal(0, 1.5, HOURS)
    p99_ms = _daily_cycle(hours, 95, 12) + rng.normal(0, 6, HOURS)
    feature_null_rate = np.clip(0.002 + rng.normal(0, 0.0005, HOURS), 0, 1)
    model_score_mean = 0.31 + rng.normal(0, 0.004, HOURS)
    ctr = 0.051 + rng.normal(0, 0.0012, HOURS)

    decay = np.exp(-np.arange(30) / 12)
    incident_1 = slice(DEPLOY_HOUR, DEPLOY_HOUR + 30)
    cache_hit_rate[incident_1] -= 0.25 * decay
    p99_ms[incident_1] += 140 * decay
    p50_ms[incident_1] += 6 * decay

    feature_null_rate[PIPELINE_BREAK_HOUR:] += 0.04
    model_score_mean[PIPELINE_BREAK_HOUR:] += 0.05
    ctr[PIPELINE_BREAK_HOUR + CTR_LAG_HOURS:] -= 0.004

    return {
        "qps": qps,
        "cache_hit_rate": cache_hit_rate,
        "p50_ms": p50_ms,
        "p99_ms": p99_ms,
        "feature_null_rate": feature_null_rate,
        "model_score_mean": model_score_mean,
        "ctr": ctr,
    }


def write_csv(path: Path, metrics: dict[str, np.ndarray]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["service_name", "metric_name", "observed_at", "value"])
        for metric_name, values in metrics.items():
            for hour, value in enumerate(values):
                observed_at = HOUR_ZERO + timedelta(hours=hour)
                writer.writerow([SERVICE_NAME, metric_name, observed_at.strftime("%Y-%m-%d %H:%M:%S"), repr(float(value))])


if __name__ == "__main__":
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT
    write_csv(output, make_metrics())
    print(f"wrote {output}")
