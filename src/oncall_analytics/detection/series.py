"""Rows grouped by series (service_name, metric_name), shared by the kernels.

The kernels take long frames with one row per series and bucket. They tell
the series apart by integer codes from run-wise factorization (no hashing
or sorting of every string: bench/), find where each series starts
(`series_edges`), and score many series in one pass of array work, chunk
by chunk (`series_chunks`): one pass over a whole year of 1,000 series
would allocate arrays far larger than the CPU's cache, which on the bench
costs more than the per-series loop it replaces.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

SERIES_KEY = ["service_name", "metric_name"]
CHUNK_POINTS = 1 << 16  # buckets scored in one pass (bench/README.md: 2^15 to 2^17 are the fastest)
KERNEL_THREADS = min(os.cpu_count() or 1, 4)  # chunks scored at once (bench/README.md)


def factorize_runs(column: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """pd.factorize(column, sort=True), hashing one value per run of equal values.

    Metrics arrive grouped by series (8,760 rows per name for a year), so
    comparing neighbours is far cheaper than hashing every string (bench/).
    Any order gives the same codes, only slower when runs are short.
    """
    if len(column) == 0:
        return pd.factorize(column, sort=True)
    heads = np.r_[0, np.flatnonzero(column[1:] != column[:-1]) + 1]
    head_codes, uniques = pd.factorize(column[heads], sort=True)
    return np.repeat(head_codes, np.diff(np.r_[heads, len(column)])), uniques


def series_order(metrics: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(rows, series code, bucket minute, value) of the usable rows of a long frame, grouped by series and in
    time order: rows without a name, time or finite value are left out (factorize codes a missing name as
    -1, without a dropna over the string columns), and the rows are sorted only when they are not in that
    order yet."""
    service_codes, _ = factorize_runs(metrics["service_name"].to_numpy())
    metric_codes, metric_names = factorize_runs(metrics["metric_name"].to_numpy())
    observed = pd.to_datetime(metrics["observed_at"]).to_numpy()
    values = metrics["value"].to_numpy(dtype=float)
    usable = (service_codes >= 0) & (metric_codes >= 0) & ~np.isnat(observed) & np.isfinite(values)
    codes = service_codes.astype(np.int64) * max(len(metric_names), 1) + metric_codes
    minutes = observed.astype("datetime64[m]").astype(np.int64)
    rows = np.arange(len(values))
    if not usable.all():
        rows = rows[usable]
        codes, minutes, values = codes[rows], minutes[rows], values[rows]
    steps = np.diff(codes)
    if np.any((steps < 0) | ((steps == 0) & (np.diff(minutes) < 0))):
        order = np.lexsort((minutes, codes))
        rows, codes, minutes, values = rows[order], codes[order], minutes[order], values[order]
    return rows, codes, minutes, values


def series_starts(frame: pd.DataFrame) -> tuple[np.ndarray, bool]:
    """(index of the first row of each row's run of one series, whether the rows are grouped by series and
    in time order), from neighbouring names: no hashing of every string (bench/)."""
    services, metrics = frame["service_name"].to_numpy(), frame["metric_name"].to_numpy()
    size = len(frame)
    if size == 0:
        return np.zeros(0, dtype=np.int64), True
    new = np.empty(size, dtype=bool)
    new[0] = True
    np.not_equal(services[1:], services[:-1], out=new[1:])
    new[1:] |= metrics[1:] != metrics[:-1]
    heads = np.flatnonzero(new)
    starts = np.repeat(heads, np.diff(np.r_[heads, size]))
    observed = frame["observed_at"].to_numpy()
    if observed.dtype.kind != "M":
        observed = pd.to_datetime(frame["observed_at"]).to_numpy()
    in_order = (not pd.MultiIndex.from_arrays([services[heads], metrics[heads]]).has_duplicates
                and not np.any((np.diff(observed) < np.timedelta64(0)) & ~new[1:]))
    return starts, in_order


def rows_of(column: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """column[rows], without a copy when `rows` are all the rows in order (the usual case)."""
    return column if len(rows) == len(column) and np.array_equal(rows, np.arange(len(rows))) else column[rows]


def per_window(copies: list[np.ndarray]) -> np.ndarray:
    """A column of scores for each window, one after another (no copy for one window)."""
    return copies[0] if len(copies) == 1 else np.concatenate(copies)


def series_edges(codes: np.ndarray) -> np.ndarray:
    """Index of the first row of each series, plus the row count: rows grouped by the series `codes`."""
    if len(codes) == 0:
        return np.zeros(1, dtype=np.int64)
    return np.r_[0, np.flatnonzero(np.diff(codes)) + 1, len(codes)]


def per_series(edges: np.ndarray, column: np.ndarray) -> np.ndarray:
    """A per-series value (one per series of `edges`) repeated onto each row of its series."""
    return np.repeat(column, np.diff(edges))


def series_chunks(edges: np.ndarray, points: int = CHUNK_POINTS) -> Iterator[tuple[int, int, np.ndarray]]:
    """(first row, end row, edges within the chunk) of consecutive whole series of about `points` rows
    together (a longer series is a chunk of its own)."""
    series = 0
    while series < len(edges) - 1:
        last = max(int(np.searchsorted(edges, edges[series] + points, side="right")) - 1, series + 1)
        last = min(last, len(edges) - 1)
        first_row, end_row = int(edges[series]), int(edges[last])
        yield first_row, end_row, edges[series:last + 1] - first_row
        series = last


def chunked(kernel, edges: np.ndarray, *columns: np.ndarray, points: int = CHUNK_POINTS) -> dict[str, np.ndarray]:
    """kernel(*chunk columns, chunk edges) -> dict of arrays, over series_chunks, put back together. Chunks
    run on KERNEL_THREADS threads: numpy lets go of the GIL in array work, and the chunks share nothing."""
    chunks = list(series_chunks(edges, points))

    def run(chunk: tuple[int, int, np.ndarray]) -> dict[str, np.ndarray]:
        first_row, end_row, chunk_edges = chunk
        return kernel(*(column[first_row:end_row] for column in columns), chunk_edges)

    if len(chunks) > 1 and KERNEL_THREADS > 1:
        with ThreadPoolExecutor(KERNEL_THREADS) as pool:
            results = list(pool.map(run, chunks))
    else:
        results = [run(chunk) for chunk in chunks]
    out: dict[str, np.ndarray] = {}
    for (first_row, end_row, _), result in zip(chunks, results):
        for name, column in result.items():
            if name not in out:
                out[name] = np.empty(int(edges[-1]), dtype=column.dtype)
            out[name][first_row:end_row] = column
    return out
