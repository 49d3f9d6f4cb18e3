"""The research scripts behind the detector's defaults (bench/detector_eval): the pieces the dated
report's conclusions rest on, on frames small enough to check by hand."""
from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from conftest import PROJECT_DIR

sys.path.insert(0, str(PROJECT_DIR / "bench" / "detector_eval"))

import experiments  # noqa: E402
import nab_report  # noqa: E402


def scored_rows(z_by_series: dict[str, list[float]]) -> pd.DataFrame:
    rows = []
    for name, zs in z_by_series.items():
        start = len(rows)
        rows += [{"metric_name": name, "z_score": z, "series_start": start} for z in zs]
    return pd.DataFrame(rows)


def test_cusum_accumulates_evidence_on_either_side_and_restarts_with_each_series():
    nan = np.nan
    frame = scored_rows({
        "up": [2.0, 2.0, 2.0, nan, 2.0, 2.0],   # sum of z - 1: 1, 2, 3, (skipped), 4, 5: beyond 3.5 from the 5th row
        "down": [-3.0, -3.0, 0.0, 0.0],          # 2, 4 (flagged), 3, 2: below 3.5 again
        "fresh": [2.0, 2.0, 0.5],                # a new series starts at 0, not at the previous series' sum
    })
    flagged = experiments.cusum_flags(frame, drift=1.0, decision=3.5)
    assert flagged.tolist() == [False, False, False, False, True, True,
                                False, True, False, False,
                                False, False, False]


def test_cusum_never_flags_noise_below_its_drift():
    frame = scored_rows({"calm": list(np.resize([0.9, -0.9, 0.5], 300))})
    assert not experiments.cusum_flags(frame, drift=1.0, decision=2.0).any()


def test_the_frontier_sentence_follows_the_table():
    front = pd.DataFrame([{"budget": 1.0, "most paged": 36}, {"budget": 2.0, "most paged": 40}, {"budget": 3.0, "most paged": 44}])
    assert nab_report.frontier_reading(front, {"paged": 35, "windows": 56}) == (
        "Within 1 false page per 1,000 h the best setting pages 36 windows, the default 35; "
        "no setting pages 80 % of the windows within 3.")
    reached = front.assign(**{"most paged": [45, 46, 50]})
    assert nab_report.frontier_reading(reached, {"paged": 45, "windows": 56}).endswith(
        "some setting pages 80 % of the windows within 1.")
