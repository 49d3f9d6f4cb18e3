"""The invocation marts against an independent pandas implementation on a
random log full of edge cases (gaps at the bound, overlaps, equal starts,
second boundaries, case variants of status), built through dbt on a copy of
the project."""
from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from conftest import run_dbt
from project_copy import copy_project

FUNCTIONS = ["alpha", "beta", "gamma"]
WINDOW = (pd.Timestamp("2024-03-01 12:00:00"), pd.Timestamp("2024-03-01 12:00:20"))


def random_log(seed: int = 7, rows: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    records, previous_end = [], {}
    for i in range(rows):
        function = FUNCTIONS[rng.integers(len(FUNCTIONS))]
        base = previous_end.get(function, WINDOW[0] - pd.Timedelta(seconds=2))
        kind = rng.integers(6)
        if kind == 0:      # right at, just inside or just outside the chain bound
            start = base + pd.Timedelta(microseconds=int(rng.choice([0, 1, 999, 1000, 1001, 1500])))
        elif kind == 1:    # overlap with the previous invocation
            start = base - pd.Timedelta(microseconds=int(rng.integers(1, 5000)))
        elif kind == 2:    # a second boundary
            start = base.ceil("s") - pd.Timedelta(microseconds=int(rng.choice([0, 1])))
        else:
            start = base + pd.Timedelta(microseconds=int(rng.integers(2000, 400_000)))
        duration_us = int(rng.integers(0, 50_000))
        end = start + pd.Timedelta(microseconds=duration_us)
        previous_end[function] = max(end, previous_end.get(function, end))
        records.append({
            "invocation_id": f"r{i:05d}",
            "function_name": function,
            "version_id": int(rng.integers(1, 4)),
            "start_timestamp": start,
            "end_timestamp": end,
            "duration_ms": round(duration_us / 1000, 3),
            "memory_used_mb": float(rng.integers(64, 512)),
            "status": str(rng.choice(["SUCCESS", "success", "ERROR", "Error"])),
        })
    log = pd.DataFrame(records)
    # equal start times within a function
    log.loc[log.index[5], ["function_name", "start_timestamp"]] = log.loc[log.index[4], ["function_name", "start_timestamp"]].values
    log.loc[log.index[5], "end_timestamp"] = log.loc[log.index[5], "start_timestamp"] + pd.Timedelta(milliseconds=1)
    return log


def to_csv(log: pd.DataFrame) -> str:
    out = log.copy()
    for column in ["start_timestamp", "end_timestamp"]:
        out[column] = out[column].dt.strftime("%Y-%m-%d %H:%M:%S.%f")
    return out.to_csv(index=False)


def expected_canary(log, function, start, end):
    scoped = log[(log.function_name == function) & (log.start_timestamp >= start) & (log.start_timestamp <= end)]
    is_error = scoped.status.str.upper() == "ERROR"
    grouped = scoped.assign(is_error=is_error).groupby("version_id")
    frame = pd.DataFrame({
        "total_invocations": grouped.size(),
        "error_count": grouped.is_error.sum(),
        "error_rate_pct": (grouped.is_error.mean() * 100).round(2),
        "avg_duration_ms": grouped.duration_ms.mean().round(2),
        "avg_memory_used_mb": grouped.memory_used_mb.mean().round(2),
    }).reset_index()
    return sorted(map(tuple, frame.itertuples(index=False)))


Z95 = 1.6448536270  # canary_confidence_pct 95, one-sided


def wilson(successes, trials, side):
    """Wilson's score bound on successes / trials (Wilson 1927)."""
    share = successes / trials
    centre, spread = share + Z95 ** 2 / (2 * trials), Z95 * np.sqrt(share * (1 - share) / trials + Z95 ** 2 / (4 * trials ** 2))
    return (centre - spread if side == "lower" else centre + spread) / (1 + Z95 ** 2 / trials)


def newcombe(x1, n1, x0, n0, side):
    """Newcombe's hybrid score bound on x1 / n1 - x0 / n0 (his method 10)."""
    p1, p0 = x1 / n1, x0 / n0
    if side == "lower":
        return p1 - p0 - np.hypot(p1 - wilson(x1, n1, "lower"), wilson(x0, n0, "upper") - p0)
    return p1 - p0 + np.hypot(wilson(x1, n1, "upper") - p1, p0 - wilson(x0, n0, "lower"))


def p95_tail(own, scaled):
    """Mood's quantile test's counts: each side's durations in the pool's slowest 5 %, those equal to the pool's
    p95 sharing the places the slower ones leave (as the intermediate model describes it)."""
    pool = np.concatenate([own, scaled])
    q = np.percentile(pool, 95)
    above, tied = [(side > q).sum() for side in (own, scaled)], [(side == q).sum() for side in (own, scaled)]
    share = min(1.0, max(0.0, 0.05 * len(pool) - sum(above)) / sum(tied)) if sum(tied) else 0.0
    return q, above[0] + tied[0] * share, above[1] + tied[1] * share


def expected_canary_verdicts(log, function, start, end, min_invocations=30, max_increase_pct=1.0, ratio=1.25):
    """Per version: (version_id, pooled p95, tail share delta and its bounds in points, verdict), the p95 judged
    by Mood's quantile test against the baseline's durations times `ratio`, as the YAML describes it."""
    scoped = log[(log.function_name == function) & (log.start_timestamp >= start) & (log.start_timestamp <= end)]
    durations = {v: g.duration_ms.to_numpy() for v, g in scoped.groupby("version_id")}
    errors = {v: int((g.status.str.upper() == "ERROR").sum()) for v, g in scoped.groupby("version_id")}
    baseline = min((v for v, d in durations.items() if len(d) >= min_invocations), default=min(durations))
    scaled = ratio * durations[baseline]
    enough_to_bound_p95 = len(scaled) >= 59   # 1 - 0.95^n >= 95 %
    out = []
    for version, own in sorted(durations.items()):
        q, x1, x0 = p95_tail(own, scaled)
        n1, n0 = len(own), len(scaled)
        low, high = 100 * newcombe(x1, n1, x0, n0, "lower"), 100 * newcombe(x1, n1, x0, n0, "upper")
        error_low = 100 * newcombe(errors[version], n1, errors[baseline], n0, "lower")
        error_high = 100 * newcombe(errors[version], n1, errors[baseline], n0, "upper")
        if version == baseline:
            verdict, low, high, delta = "BASELINE", None, None, None
        else:
            delta = 100 * (x1 / n1 - x0 / n0)
            if error_low > max_increase_pct or (min(n1, n0) >= min_invocations and enough_to_bound_p95 and low > 0):
                verdict = "ROLLBACK"
            elif min(n1, n0) < min_invocations or error_high > max_increase_pct or not enough_to_bound_p95 or high > 0:
                verdict = "INSUFFICIENT_SAMPLE"
            else:
                verdict = "PROMOTE"
        out.append((version, q, delta, low, high, verdict))
    return out


def expected_links(log, max_gap_us):
    ordered = log.sort_values(["function_name", "start_timestamp", "invocation_id"]).copy()
    ordered["previous_id"] = ordered.groupby("function_name").invocation_id.shift()
    ordered["previous_end"] = ordered.groupby("function_name").end_timestamp.shift()
    gap = (ordered.start_timestamp - ordered.previous_end) // pd.Timedelta(microseconds=1)
    links = ordered[(gap >= 0) & (gap <= max_gap_us)]
    return sorted(zip(links.function_name, links.previous_id, links.invocation_id, gap[links.index].astype(int)))


def expected_bursts(log, min_invocations):
    seconds = log.assign(window=log.start_timestamp.dt.floor("s"), is_error=log.status.str.upper() == "ERROR")
    grouped = seconds.groupby(["function_name", "window"]).agg(n=("invocation_id", "size"), errors=("is_error", "sum")).reset_index()
    bursts = grouped[grouped.n >= min_invocations]
    return sorted(
        (r.function_name, r.window.to_pydatetime(), int(r.n), int(r.errors), round(r.errors * 100 / r.n, 2))
        for r in bursts.itertuples()
    )


@pytest.fixture(scope="module")
def random_build(tmp_path_factory):
    log = random_log()
    project = copy_project(tmp_path_factory.mktemp("project") / "p", {"function_invocations.csv": to_csv(log)})
    warehouse = project / "warehouse" / "w.duckdb"
    vars_yaml = (
        "{canary_function_name: alpha, canary_window_start: '2024-03-01 12:00:00',"
        " canary_window_end: '2024-03-01 12:00:20', chain_max_gap_us: 1000, burst_min_invocations: 3}"
    )
    run_dbt(["seed", "-s", "function_invocations"], warehouse, cwd=project)
    run_dbt(["run", "-s", "path:models/staging/serverless", "path:models/intermediate/serverless",
             "path:models/marts/serverless", "--vars", vars_yaml], warehouse, cwd=project)
    return log, warehouse


def _fetch(warehouse, sql):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_random_log_exercises_the_edges(random_build):
    log, _ = random_build
    assert len(expected_links(log, 1000)) >= 20
    assert len(expected_bursts(log, 3)) >= 5


def test_canary_matches_independent_implementation(random_build):
    log, warehouse = random_build
    actual = _fetch(warehouse, "select version_id, total_invocations, error_count, error_rate_pct, avg_duration_ms,"
                               " avg_memory_used_mb from marts.canary_version_comparison")
    expected = expected_canary(log, "alpha", *WINDOW)
    assert len(actual) == len(expected) == 3
    for got, want in zip(sorted(actual), expected):
        assert got[:3] == want[:3]
        # both sides round to 2 decimals, possibly with different tie rules
        assert got[3:] == pytest.approx(want[3:], abs=0.0051)


def test_chains_match_independent_implementation(random_build):
    log, warehouse = random_build
    actual = _fetch(warehouse, "select function_name, previous_invocation_id, chained_invocation_id, gap_us"
                               " from marts.chained_invocations")
    assert sorted(actual) == expected_links(log, 1000)


def test_bursts_match_independent_implementation(random_build):
    log, warehouse = random_build
    actual = _fetch(warehouse, "select function_name, window_start_time, invocation_count, error_count, error_rate_pct"
                               " from marts.burst_windows")
    expected = expected_bursts(log, 3)
    assert [row[:4] for row in sorted(actual)] == [row[:4] for row in expected]
    assert [row[4] for row in sorted(actual)] == pytest.approx([row[4] for row in expected], abs=0.0051)


def test_chain_lengths_add_up_to_the_links(random_build):
    _, warehouse = random_build
    (links,), = _fetch(warehouse, "select count(*) from marts.chained_invocations")
    (chain_links,), = _fetch(warehouse, "select coalesce(sum(link_count), 0) from marts.invocation_chains")
    assert links == chain_links


def test_canary_p95_verdicts_match_independent_implementation(random_build):
    """The p95 test (Mood's quantile test with Newcombe bounds) and the verdict ladder, recomputed in pandas. The
    random log's versions are small (21 to 34 invocations), so it checks the figures; the unit tests of
    canary_version_comparison hold each verdict's case."""
    log, warehouse = random_build
    actual = _fetch(warehouse, "select version_id, pooled_p95_duration_ms, tail_share_delta_pct, tail_share_delta_lower_bound_pct,"
                               " tail_share_delta_upper_bound_pct, verdict from marts.canary_version_comparison order by version_id")
    expected = expected_canary_verdicts(log, "alpha", *WINDOW)
    assert [row[0] for row in actual] == [row[0] for row in expected]
    for got, want in zip(actual, expected):
        assert got[1] == pytest.approx(want[1], abs=0.0051)
        assert [value is None for value in got[2:5]] == [value is None for value in want[2:5]]
        assert [value for value in got[2:5] if value is not None] == pytest.approx([value for value in want[2:5] if value is not None], abs=0.0051)
        assert got[5] == want[5]
