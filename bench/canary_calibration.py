"""How often the canary gate's p95 verdict rolls back, or lets through, a canary (canary_version_comparison).

Simulated canary windows: the baseline's and the canary's durations lognormal (sigma 0.5: a steady function;
1.0: heavy-tailed, cold starts), the canary `slow` times the baseline's. Three p95 rules, each as the SQL
computes it (numpy's linear percentile is PERCENTILE_CONT):
- `point p95s`: ROLLBACK when the canary's p95 > ratio x the baseline's, as measured (the rule until 2026-12-07);
- `canary-side bound`: ROLLBACK when the canary's share above ratio x the baseline's p95 is over 5 % by a
  one-sided Wilson bound (a first fix, not kept: the baseline's p95 taken as exact);
- `Mood's test` (the model's rule): the canary's durations pooled with the baseline's times the ratio;
  ROLLBACK when the canary's share of the pool's slowest 5 % is above the scaled baseline's by a one-sided
  Newcombe bound, PROMOTE (on latency) when at or below it; either only with at least 59 baseline
  durations (p95_bound_min_sample at 95 %). Simulated durations never tie, so the model's sharing of the
  tail's places among durations equal to the pool's p95 plays no part here.

    .venv/bin/python bench/canary_calibration.py [--reps 4000] [--out bench/results/canary_calibration_<date>.md]
"""
from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

Z = 1.6448536270  # canary_confidence_pct 95
RATIO = 1.25      # canary_max_p95_duration_ratio
MIN_BASELINE_DURATIONS = 59  # p95_bound_min_sample at 95 %
SIZES = [(30, 30), (100, 100), (150, 150), (500, 500), (30, 1000), (1000, 100), (1000, 1000)]
SIGMAS = [0.5, 1.0]
SLOWDOWNS = [1.0, 1.25, 1.5, 2.0]


def wilson(x, n, side):
    p = x / n
    centre, spread = p + Z * Z / (2 * n), Z * np.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return (centre - spread if side == "lower" else centre + spread) / (1 + Z * Z / n)


def newcombe(x1, n1, x0, n0, side):
    p1, p0 = x1 / n1, x0 / n0
    if side == "lower":
        return p1 - p0 - np.hypot(p1 - wilson(x1, n1, "lower"), wilson(x0, n0, "upper") - p0)
    return p1 - p0 + np.hypot(wilson(x1, n1, "upper") - p1, p0 - wilson(x0, n0, "lower"))


def rates(rng, sigma: float, n_baseline: int, n_canary: int, slow: float, reps: int) -> dict[str, float]:
    baseline = rng.lognormal(5, sigma, (reps, n_baseline))
    canary = slow * rng.lognormal(5, sigma, (reps, n_canary))
    baseline_p95 = np.percentile(baseline, 95, axis=1)
    above = (canary > RATIO * baseline_p95[:, None]).sum(axis=1)
    pool_p95 = np.percentile(np.concatenate([canary, RATIO * baseline], axis=1), 95, axis=1)[:, None]
    own, scaled = (canary >= pool_p95).sum(axis=1), (RATIO * baseline >= pool_p95).sum(axis=1)
    enough = n_baseline >= MIN_BASELINE_DURATIONS
    return {
        "point p95s: rollback": (np.percentile(canary, 95, axis=1) > RATIO * baseline_p95).mean(),
        "canary-side bound: rollback": (wilson(above, n_canary, "lower") > 0.05).mean(),
        "Mood's test: rollback": enough * (newcombe(own, n_canary, scaled, n_baseline, "lower") > 0).mean(),
        "Mood's test: p95 within": enough * (newcombe(own, n_canary, scaled, n_baseline, "upper") <= 0).mean(),
    }


def report(reps: int, seed: int = 20261207) -> str:
    rng = np.random.default_rng(seed)
    lines = [f"# Canary p95 verdicts on simulated windows: {datetime.now(UTC):%Y-%m-%d}", "",
             f"Produced by `.venv/bin/python bench/canary_calibration.py --reps {reps}` (seed {seed}); ratio {RATIO}, "
             "95 % confidence. Share of windows; `slow` 1.0 is an unchanged canary (every rollback is false), "
             f"{RATIO} sits at the limit, above it a slower canary (every rollback is right).", "",
             "| sigma | baseline n | canary n | slow | point p95s: rollback | canary-side bound: rollback "
             "| Mood's test: rollback | Mood's test: p95 within |", "|---|---|---|---|---|---|---|---|"]
    for sigma in SIGMAS:
        for n_baseline, n_canary in SIZES:
            for slow in SLOWDOWNS:
                figures = rates(rng, sigma, n_baseline, n_canary, slow, reps)
                lines.append(f"| {sigma} | {n_baseline} | {n_canary} | {slow} | "
                             + " | ".join(f"{value:.3f}" for value in figures.values()) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=4000)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    text = report(args.reps)
    if args.out:
        args.out.write_text(text)
    print(text, end="")


if __name__ == "__main__":
    main()
