"""Rows grouped by series (service_name, metric_name), shared by the kernels.

The kernels take long frames with one row per series and bucket. They find
where each series starts by comparing neighbouring names once (`run_heads`:
no hashing or sorting of every string, bench/), check the frame is grouped
and in time order from those heads alone (it usually is: the models read
it ordered from the engine), and only otherwise sort it by integer codes
from run-wise factorization. They score many series in one pass of array
work, chunk by chunk (`series_chunks`): one pass over a whole year of 1,000
series would allocate arrays far larger than the CPU's cache, which on the
bench costs more than the per-series loop it replaces. No full-size array
of codes, row numbers or per-row series starts is built on the way: each
one is fresh memory the kernel pays for in page faults (bench/README.md).
"""
from __future__ import annotations

import ctypes
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

SERIES_KEY = ["service_name", "metric_name"]
CHUNK_POINTS = 1 << 16  # buckets scored in one pass (bench/README.md: 2^15 to 2^17 are the fastest)
SAMPLE_ROWS = 1 << 12  # first rows that tell a column of repeated objects (object_changes)
KERNEL_THREADS = min(os.cpu_count() or 1, 4)  # chunks scored at once (bench/README.md)


def factorize_runs(column: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """pd.factorize(column, sort=True), hashing one value per run of equal values.

    Metrics arrive grouped by series (8,760 rows per name for a year), so
    comparing neighbours is far cheaper than hashing every string (bench/).
    Any order gives the same codes, only slower when runs are short.
    """
    if len(column) == 0:
        return pd.factorize(column, sort=True)
    heads = run_heads(column)
    head_codes, uniques = pd.factorize(column[heads], sort=True)
    return np.repeat(head_codes, np.diff(np.r_[heads, len(column)])), uniques


def run_heads(*columns: np.ndarray) -> np.ndarray:
    """Index of the first row of each run of rows equal in every column (row 0 included): neighbours
    compared, no hashing of every string (bench/)."""
    size = len(columns[0])
    if size == 0:
        return np.zeros(0, dtype=np.int64)
    changes = object_changes(columns)
    if changes is not None:  # only where an object changes
        differs = np.zeros(len(changes), dtype=bool)
        for column in columns:
            differs |= np.not_equal(column[changes + 1], column[changes])
        return np.r_[0, changes[differs] + 1]
    new = np.not_equal(columns[0][1:], columns[0][:-1])
    for column in columns[1:]:
        new |= column[1:] != column[:-1]
    return np.r_[0, np.flatnonzero(new) + 1]


def object_changes(columns: tuple[np.ndarray, ...]) -> np.ndarray | None:
    """Rows i after which some column holds another object at row i + 1, when every column repeats one object
    over runs of rows (score_robust's names: series_names; np.repeat, read_csv); None when a column does not
    (a sample of its first rows tells) or holds a NaN-like object, unequal to itself: compare every row then.
    Comparing two strings costs about 10 to 30 ns (memory: each string is an object of its own), 0.1 to 0.3 s
    a column of 8.76M rows; comparing their addresses, a tenth of that; between changes the objects are the
    same, so the rows are equal."""
    objects = [object_ids(column) for column in columns]
    if any(ids is None or mostly_distinct(ids[:SAMPLE_ROWS]) for ids in objects):
        return None
    moved = objects[0][1:] != objects[0][:-1]
    for ids in objects[1:]:
        moved |= ids[1:] != ids[:-1]
    changes = np.flatnonzero(moved)
    runs = np.r_[0, changes + 1]  # one object per column from each of these rows to the next
    if any(np.not_equal(column[runs], column[runs]).any() for column in columns):
        return None
    return changes


def object_ids(column: np.ndarray) -> np.ndarray | None:
    """The identity (address) of each object of a contiguous 1-D object array, as integers: a view of the
    array's pointers, no copy, valid while `column` lives. None for any other array."""
    if column.dtype != object or column.ndim != 1 or not column.flags.c_contiguous or len(column) == 0:
        return None
    return np.frombuffer((ctypes.c_size_t * len(column)).from_address(column.ctypes.data), dtype=np.uintp)


def mostly_distinct(objects: np.ndarray) -> bool:
    """Whether most rows of `objects` (object_ids) hold another object than the row before them."""
    return np.count_nonzero(objects[1:] != objects[:-1]) * 2 > len(objects)


def equals_value(column: np.ndarray, value) -> np.ndarray:
    """column == value, compared once per run of one object (object_changes) when the column repeats
    objects, or once for a read-only view of one value (methods.constant_column): not 8.76M times."""
    if column.ndim == 1 and len(column) and column.strides[0] == 0:
        return np.repeat(column[:1] == value, len(column))
    objects = object_ids(column)
    if objects is None or mostly_distinct(objects[:SAMPLE_ROWS]):
        return column == value
    runs = np.r_[0, np.flatnonzero(objects[1:] != objects[:-1]) + 1]
    return np.repeat(column[runs] == value, np.diff(np.r_[runs, len(column)]))


def grouped_in_time_order(services: np.ndarray, metrics: np.ndarray, heads: np.ndarray, times: np.ndarray,
                          in_name_order: bool = False) -> bool:
    """Whether rows with these run `heads` are grouped by series (one run each) and each in time order, and
    with `in_name_order` the series in name order too (as a sort leaves them): the names checked at the
    heads only, the times at every row."""
    names = pd.MultiIndex.from_arrays([services[heads], metrics[heads]])
    if names.has_duplicates or (in_name_order and not names.is_monotonic_increasing):
        return False
    backwards = np.flatnonzero(times[1:] < times[:-1]) + 1  # only where a series starts
    return bool(np.isin(backwards, heads).all())


def series_order(metrics: pd.DataFrame) -> tuple[np.ndarray | None, np.ndarray, np.ndarray, np.ndarray]:
    """(rows, series edges, bucket minute, value) of the usable rows of a long frame, grouped by series in
    name order and each in time order; `edges` (series_edges) delimit the series in that order. Rows without
    a name, time or finite value are left out. `rows` is None when every row is used as it stands (the
    frames the models read are ordered in the engine): no copy of the columns, no sort."""
    services, metric_names = metrics["service_name"].to_numpy(), metrics["metric_name"].to_numpy()
    observed = pd.to_datetime(metrics["observed_at"]).to_numpy()
    values = metrics["value"].to_numpy(dtype=float)
    minutes = bucket_minutes(observed)
    usable = ~np.isnat(observed) & np.isfinite(values)
    heads = run_heads(services, metric_names)
    # a missing name (None, NaN) starts a run wherever it appears: looking at the heads finds every one
    if (usable.all() and not pd.isna(services[heads]).any() and not pd.isna(metric_names[heads]).any()
            and grouped_in_time_order(services, metric_names, heads, minutes, in_name_order=True)):
        return None, np.r_[heads, len(values)], minutes, values
    service_codes, _ = factorize_runs(services)
    metric_codes, names = factorize_runs(metric_names)
    usable &= (service_codes >= 0) & (metric_codes >= 0)
    codes = service_codes.astype(np.int64) * max(len(names), 1) + metric_codes
    rows = np.flatnonzero(usable)
    order = np.lexsort((minutes[rows], codes[rows]))
    rows = rows[order]
    return rows, series_edges(codes[rows]), minutes[rows], values[rows]


def bucket_minutes(observed: np.ndarray) -> np.ndarray:
    """Minutes since the epoch (int64, floored) of datetime64 values; NaT gives some number (callers drop it).
    Nanoseconds by integer division: astype("datetime64[m]") gives the same minutes, at twice the cost."""
    if observed.dtype == np.dtype("datetime64[ns]"):
        return observed.view(np.int64) // 60_000_000_000
    return observed.astype("datetime64[m]").view(np.int64)


def bucket_starts(observed_column: pd.Series, rows: np.ndarray | None, minutes: np.ndarray) -> np.ndarray:
    """series_order's minutes as datetime64[ns] bucket starts: the frame's own column (no copy, like its values)
    when every row is used as it stands and it already holds exactly these instants, as the models' and the
    bench's frames do; otherwise a fresh column (minutes x 60e9)."""
    if rows is None:
        observed = pd.to_datetime(observed_column).to_numpy()
        if observed.dtype == np.dtype("datetime64[ns]") and holds_minutes(observed.view(np.int64), minutes):
            return observed
    return (minutes * 60_000_000_000).view("datetime64[ns]")


def holds_minutes(nanoseconds: np.ndarray, minutes: np.ndarray, block: int = 1 << 16) -> bool:
    """nanoseconds == minutes x 60e9 everywhere, compared block by block through one small buffer: the full
    product is 70 MB of fresh memory for a year of 1,000 series, whose page faults cost more than the
    arithmetic (0.01 s idle, up to 0.1 s on the bench's loaded machine)."""
    buffer = np.empty(min(block, len(minutes)), dtype=np.int64)
    for start in range(0, len(minutes), block):
        part = np.multiply(minutes[start:start + block], 60_000_000_000, out=buffer[:len(minutes[start:start + block])])
        if not np.array_equal(part, nanoseconds[start:start + block]):
            return False
    return True


def series_heads(frame: pd.DataFrame) -> tuple[np.ndarray, bool]:
    """(index of the first row of each run of one series, whether the rows are grouped by series and each
    in time order), from neighbouring names: no hashing of every string (bench/)."""
    services, metrics = frame["service_name"].to_numpy(), frame["metric_name"].to_numpy()
    if len(frame) == 0:
        return np.zeros(0, dtype=np.int64), True
    heads = run_heads(services, metrics)
    observed = frame["observed_at"].to_numpy()
    if observed.dtype.kind != "M":
        observed = pd.to_datetime(frame["observed_at"]).to_numpy()
    return heads, grouped_in_time_order(services, metrics, heads, observed)


def first_rows(heads: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each of `rows`: the first row of its series, from the series' first rows `heads` (ascending)."""
    return heads[np.searchsorted(heads, rows, side="right") - 1]


def same_series_as_previous(edges: np.ndarray) -> np.ndarray:
    """Per row after the first: whether it belongs to the series of the row before it (series `edges`)."""
    same = np.ones(max(int(edges[-1]) - 1, 0), dtype=bool)
    same[edges[1:-1] - 1] = False
    return same


def series_names(column: np.ndarray, rows: np.ndarray | None, edges: np.ndarray) -> np.ndarray:
    """rows_of(column, rows) of a name column in series_order's order (`rows`, `edges`), as each series' first
    name repeated over its rows: equal names, one object per series, so that finding the series of these rows
    again (flag_anomalies: series_heads) compares one object per series, not two strings per row
    (object_changes): 0.03 s for each fresh column of a year of 1,000 series, 0.2 to 0.5 s saved."""
    return per_series(edges, column[edges[:-1] if rows is None else rows[edges[:-1]]])


def rows_of(column: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
    """column[rows]; the column itself (no copy) when `rows` is None: every row, in order (series_order)."""
    return column if rows is None else column[rows]


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
    run on KERNEL_THREADS threads: numpy lets go of the GIL in array work, and the chunks share nothing. Each
    chunk's result goes straight into the output columns (allocated from the first chunk's dtypes), so no
    more than a chunk per thread is held at a time: holding every chunk's result until the end cost the
    robust step 0.7 GB of fresh memory a year of 1,000 series, and the page faults of two threads on it
    (bench/README.md)."""
    chunks = list(series_chunks(edges, points))
    out: dict[str, np.ndarray] = {}
    if not chunks:
        return out

    def run(chunk: tuple[int, int, np.ndarray]) -> dict[str, np.ndarray]:
        first_row, end_row, chunk_edges = chunk
        return kernel(*(column[first_row:end_row] for column in columns), chunk_edges)

    def store(chunk: tuple[int, int, np.ndarray], result: dict[str, np.ndarray]) -> None:
        for name, column in result.items():
            out[name][chunk[0]:chunk[1]] = column

    first = run(chunks[0])
    out.update({name: np.empty(int(edges[-1]), dtype=column.dtype) for name, column in first.items()})
    store(chunks[0], first)
    rest = chunks[1:]
    if len(rest) > 1 and KERNEL_THREADS > 1:
        with ThreadPoolExecutor(KERNEL_THREADS) as pool:
            for _ in pool.map(lambda chunk: store(chunk, run(chunk)), rest):
                pass
    else:
        for chunk in rest:
            store(chunk, run(chunk))
    return out
