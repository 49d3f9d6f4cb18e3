"""A tiny labelled folder in the nab_dev format (metrics.csv.gz, windows.json) whose scores are obvious,
for the tests of `make eval-detector` and the README's example (python_checks/fixtures/labelled_sample/).

Four services of one metric each, ten days from 2024-01-01, the noise two sines whose periods do not
divide a day (|z| stays under 2 for a mean/std or median/quantile baseline), with anomalies of 100 to 200
noise amplitudes that any detector in the project flags:

- svc_a/latency: hourly; a 3-hour spike of +100 from day 7 12:00; window day 7 10:00 - 16:00
  (paged with a delay of 2 h).
- svc_b/queue_depth: every 5 minutes; +50 for 2 hours from day 8 03:00; window day 8 02:00 - 06:00
  (paged with a delay of 1 h).
- svc_c/cpu: hourly; a 2-hour spike of +80 from day 9 06:00 and no window (one false page).
- svc_d/errors: hourly, no anomaly; window day 6 00:00 - 05:00 (missed: neither paged nor flagged).

Totals: 3 windows, 2 paged, 2 flagged, 1 false page in 960 observed hours (1.04 per 1,000), median delay 1.5 h.

    python python_checks/labelled_sample.py FOLDER   (writes the folder)
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

START = pd.Timestamp("2024-01-01 00:00:00")
DAYS = 10
EXPECTED_TOTAL = {"windows": 3, "windows_paged": 2, "windows_flagged": 2, "false_pages": 1, "observed_hours": 960.0,
                  "median_delay_hours": 1.5}
EXPECTED_PER_SERIES = {  # (windows, paged, flagged, incidents, false pages, delays in hours)
    ("svc_a", "latency"): (1, 1, 1, 1, 0, [2.0]),
    ("svc_b", "queue_depth"): (1, 1, 1, 1, 0, [1.0]),
    ("svc_c", "cpu"): (0, 0, 0, 1, 1, []),
    ("svc_d", "errors"): (1, 0, 0, 0, 0, []),
}


def _series(service: str, metric: str, step_minutes: int, level: float, bumps: list[tuple[str, float, float]]) -> pd.DataFrame:
    times = pd.date_range(START, periods=DAYS * 1440 // step_minutes, freq=f"{step_minutes}min")
    hours = (times - START) / pd.Timedelta(hours=1)
    values = level + 0.5 * np.sin(2 * np.pi * hours / 7.3) + 0.3 * np.sin(2 * np.pi * hours / 3.1)
    for start, length_hours, size in bumps:
        begin = pd.Timestamp(start)
        values = values + np.where((times >= begin) & (times < begin + pd.Timedelta(hours=length_hours)), size, 0.0)
    return pd.DataFrame({"service_name": service, "metric_name": metric, "observed_at": times.strftime("%Y-%m-%d %H:%M:%S"),
                         "value": np.round(values, 6)})


def frames() -> tuple[pd.DataFrame, dict[str, list[list[str]]]]:
    metrics = pd.concat([
        _series("svc_a", "latency", 60, 10.0, [("2024-01-07 12:00", 3, 100.0)]),
        _series("svc_b", "queue_depth", 5, 20.0, [("2024-01-08 03:00", 2, 50.0)]),
        _series("svc_c", "cpu", 60, 30.0, [("2024-01-09 06:00", 2, 80.0)]),
        _series("svc_d", "errors", 60, 5.0, []),
    ], ignore_index=True)
    windows = {"svc_a/latency": [["2024-01-07 10:00:00", "2024-01-07 16:00:00"]],
               "svc_b/queue_depth": [["2024-01-08 02:00:00", "2024-01-08 06:00:00"]],
               "svc_c/cpu": [],
               "svc_d/errors": [["2024-01-06 00:00:00", "2024-01-06 05:00:00"]]}
    return metrics, windows


def write(folder: Path) -> Path:
    metrics, windows = frames()
    folder.mkdir(parents=True, exist_ok=True)
    metrics.to_csv(folder / "metrics.csv.gz", index=False, compression={"method": "gzip", "mtime": 0})
    (folder / "windows.json").write_text(json.dumps(windows, indent=1) + "\n")
    return folder


if __name__ == "__main__":
    print(write(Path(sys.argv[1])))
