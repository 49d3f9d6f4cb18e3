"""Write seeds/service_metrics.csv: a small deterministic sample of the data
contract's any-resolution metrics log (service_name, metric_name, observed_at,
value) at 5-minute resolution, the shape users' own metrics arrive in.

Two services x two metrics x three days (2024-05-06 to 2024-05-08 UTC, 864
samples a series), each a daily cycle plus noise (numpy default_rng(2024)),
and one sharp incident: checkout-api's p99 latency jumps fourfold and its
error rate to about 8 % from 2024-05-07 14:10 to 14:40 (seven samples), the
other series untouched. Values are written with repr() (the shortest text
that round-trips the float). Re-running it rewrites an identical file;
python_checks/test_detection_seed.py checks the committed one is its output.

    .venv/bin/python scripts/generate_service_metrics_sample.py [output.csv]
"""
from __future__ import annotations

import csv
import sys
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from seed_contract import contract_columns, in_contract_order

SEED = 2024
START = datetime(2024, 5, 6)
STEP = timedelta(minutes=5)
SAMPLES = 3 * 24 * 12
SERVICES = ("checkout-api", "search-api")
INCIDENT_SERVICE = "checkout-api"
INCIDENT = (datetime(2024, 5, 7, 14, 10), datetime(2024, 5, 7, 14, 40))   # both inclusive
DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "seeds" / "service_metrics.csv"


def make_series(seed: int = SEED) -> dict[tuple[str, str], np.ndarray]:
    """(service, metric) -> SAMPLES values. Draw order matters: do not reorder."""
    rng = np.random.default_rng(seed)
    minutes = np.arange(SAMPLES) * 5
    cycle = np.sin(2 * np.pi * (minutes % 1440) / 1440 - 1.2)
    series = {}
    for level, service in zip((180.0, 90.0), SERVICES):
        series[(service, "latency_p99_ms")] = level * (1 + 0.15 * cycle) + rng.normal(0, level * 0.03, SAMPLES)
        series[(service, "error_rate")] = np.clip(0.004 + 0.001 * cycle + rng.normal(0, 0.0005, SAMPLES), 0, 1)
    moments = [START + STEP * i for i in range(SAMPLES)]
    incident = np.array([INCIDENT[0] <= moment <= INCIDENT[1] for moment in moments])
    series[(INCIDENT_SERVICE, "latency_p99_ms")][incident] *= 4
    series[(INCIDENT_SERVICE, "error_rate")][incident] += 0.08
    return series


def write_csv(path: Path, series: dict[tuple[str, str], np.ndarray]) -> None:
    columns = contract_columns("service_metrics")
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for (service, metric), values in series.items():
            for index, value in enumerate(values):
                observed_at = (START + STEP * index).strftime("%Y-%m-%d %H:%M:%S")
                writer.writerow(in_contract_order({"service_name": service, "metric_name": metric,
                                                   "observed_at": observed_at, "value": repr(float(value))}, columns))


if __name__ == "__main__":
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT
    write_csv(output, make_series())
    print(f"wrote {output}")
