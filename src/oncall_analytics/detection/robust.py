"""The robust detector's per-series kernel (issue 15): seasonal, robust, any grain.

`score_series(times, values, params)` scores ONE series whose observations
are bucketed at `params.grain_minutes` (bucket start times, distinct, in
increasing order). Everything it uses lies strictly before the scored
bucket, so a later observation never changes an earlier score. On a grid of
buckets aligned on UTC midnight (a missing bucket is a hole, never an older
bucket pulled in):

- **level baseline**: the median of the medians of the 8 blocks of
  `baseline_hours / 8` before the bucket's block (48 h: eight 6-hour blocks,
  blocks without data left out, at least 2 with data). Blocks make the
  median cost linear; the baseline ignores the current block, so an anomaly
  never pulls its own baseline towards it during its first hours.
- **daily seasonal baseline**: the trimmed mean (highest and lowest dropped)
  of the same time of day on the previous `seasonal_days` days, from at least
  `seasonal_min_days` of them. The time of day is read on the clock of
  `time_zone` (UTC by default): for traffic on local time, the same time of
  day is 23 or 25 hours back across a change of the clocks, so a daily
  cycle does not read as an anomaly for days after it. The weekly pair
  below reads the same clock.
- **scale** (one per UTC day, from the complete days in the previous
  `scale_hours`): each day's residuals |value - baseline| give one estimate of
  the standard deviation, their `scale_quantile` quantile (at an hourly
  grain, the day's largest) divided by the same order statistic of |N(0, 1)|;
  the scale is the `scale_day_quantile` quantile of those daily estimates
  (0.9 of 14 days: the second-worst day). For Gaussian noise it is 1.1
  (5 minutes) to 1.25 (hourly) standard deviations; for bursty metrics it is as wide as their bad
  days, so a burst like the fortnight's usual ones does not page (against a
  MAD every burst of a heavy-tailed metric would), while one bad day, or an
  incident of a day, does not widen it. It never goes below the metric's
  resolution (the smallest non-zero step between consecutive values in
  those days), so a quantised metric does not page on one tick, nor below
  `min_relative_scale` (0.1 %) of the baseline's size, so a metric that
  barely moved (a constant, one tick in a fortnight, means that differ in
  their last bit) does not page on a change of a fraction of a percent at a
  z of thousands, while a constant that jumps by more than k times that
  share pages. A metric flat at exactly zero has no size to measure a move
  against (one error after days of none, or a disk that starts writing,
  would read z = infinity): it is not scored until it has moved.
- **model choice** (per day): the seasonal baseline replaces the level when
  its residual scale is at most `seasonal_scale_ratio` times the level's over
  the same days, i.e. when the daily profile is real in the past data.
- **evidence**: a bucket is scored (`is_scored`) when its baseline exists and
  the scale rests on at least `min_history_hours` of observed residuals;
  `scale_points` says how many.

Columns besides the z-score: the weekly pair of the project's weekly rule
(the same time in the latest earlier week with it observed:
weekly_difference_z and weekly_reference_z). `level_shift_z()` gives, on
demand, a level-shift statistic that accounts for autocorrelation; it does
not page (on the development data it only added false pages,
bench/detector_eval).

Everything is array work (block reshapes, sliding views over days, prefix
sums) over many series at once, each on its own stretch of one grid
(`layout`, `score_many`); the only Python loop runs over the seasonal days.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache, partial
from statistics import NormalDist
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from oncall_analytics.detection.series import chunked, per_series, same_series_as_previous, series_edges

DAY_MINUTES = 1440
WEEK_DAYS = 7
LEVEL_BLOCKS = 8  # blocks per level baseline window
MIN_LEVEL_BLOCKS = 2  # blocks with data needed for a level baseline
MIN_DAY_POINTS = 6  # residuals a day needs to give a scale estimate
NETWORK_WIDTH = 16  # rows up to this long are sorted by a sorting network (network_sorted)


@lru_cache(maxsize=64)
def zone(name: str):
    """The tz database's zone `name` (ZoneInfo; ValueError or KeyError when there is none)."""
    if not isinstance(name, str) or not name or name != name.strip():
        raise ValueError(name)
    return ZoneInfo(name)


@dataclass(frozen=True)
class RobustParams:
    """Parameters of the robust detector (the dbt vars set some of them: methods.robust_params; the rest are
    the package's defaults, chosen in bench/detector_eval)."""

    grain_minutes: int = 60  # bucket size of the input, minutes; must divide a day
    baseline_hours: float = 48  # level baseline: median over this many hours before the bucket's block
    scale_hours: float = 336  # scale: residuals of this many hours of complete days before the bucket's day
    scale_quantile: float = 0.99  # per day: this quantile of |residual|, over the same quantile of |N(0,1)|
    scale_day_quantile: float = 0.9  # scale = this quantile of those daily estimates over scale_hours
    min_history_hours: float = 24  # observed hours of residuals the scale needs before a bucket is scored
    seasonal_days: int = 7  # daily profile: same time of day on this many previous days
    seasonal_min_days: int = 3  # ... of which at least this many observed
    seasonal_scale_ratio: float = 0.7  # use the daily profile when its residual scale <= ratio x the level's (0: never)
    level_shift_hours: float = 6  # level-shift statistic: mean z over this many hours
    min_relative_scale: float = 1e-3  # the scale is at least this share of |baseline| (a series that barely moves)
    time_zone: str = "UTC"  # the clock the daily and weekly profiles follow (an IANA name: traffic on local time)

    def __post_init__(self):
        if int(self.grain_minutes) != self.grain_minutes or self.grain_minutes < 1 or DAY_MINUTES % int(self.grain_minutes):
            raise ValueError(f"grain_minutes must be a whole number of minutes dividing a day (1440), got {self.grain_minutes!r}")
        positive = ["baseline_hours", "scale_hours", "min_history_hours", "level_shift_hours"]
        for name in positive:
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")
        if self.min_history_hours > self.scale_hours:
            raise ValueError(f"min_history_hours must be at most scale_hours ({self.scale_hours:g}): the scale rests on the "
                             f"residuals of that many hours, so a longer history is never reached; got {self.min_history_hours!r}")
        if not 0.5 <= self.scale_quantile < 1:
            raise ValueError(f"scale_quantile must be in [0.5, 1), got {self.scale_quantile!r}")
        if not 0 < self.scale_day_quantile <= 1:
            raise ValueError(f"scale_day_quantile must be in (0, 1], got {self.scale_day_quantile!r}")
        if not 1 <= self.seasonal_min_days <= self.seasonal_days:
            raise ValueError(f"seasonal_min_days must be in [1, seasonal_days], got {self.seasonal_min_days!r}")
        if not 0 <= self.min_relative_scale < 1:
            raise ValueError(f"min_relative_scale must be in [0, 1), got {self.min_relative_scale!r}")
        if not self.seasonal_scale_ratio >= 0:
            raise ValueError(f"seasonal_scale_ratio must not be negative (0 turns the daily profile off), got {self.seasonal_scale_ratio!r}")
        try:
            zone(self.time_zone)
        except (ValueError, TypeError, KeyError, OSError) as error:
            raise ValueError(f"time_zone must be an IANA time zone name such as Europe/Berlin, got {self.time_zone!r}") from error

    @property
    def points_per_day(self) -> int:
        return DAY_MINUTES // int(self.grain_minutes)

    @property
    def block_points(self) -> int:
        """Buckets per level block: baseline_hours / 8, at least one bucket."""
        return max(1, int(self.baseline_hours * 60 / LEVEL_BLOCKS // self.grain_minutes))

    @property
    def scale_days(self) -> int:
        return max(1, int(round(self.scale_hours / 24)))


DEFAULTS = RobustParams()
OUTPUT_COLUMNS = ["expected_value", "scale", "z_score", "is_scored", "scale_points", "is_seasonal",
                  "weekly_reference_value", "weekly_difference_z", "weekly_reference_z"]


def time_window_sums(steps: np.ndarray, columns: list[np.ndarray], window: int, *, inclusive: bool = False) -> list[np.ndarray]:
    """For each observation i (steps sorted, distinct), the sums of each column over the observations j
    with steps[i] - window <= steps[j] < steps[i]: the previous `window` steps by time; with inclusive=True
    over steps[i] - window < steps[j] <= steps[i] instead (the last `window` steps, i included)."""
    first = np.searchsorted(steps, steps - window + inclusive, side="left")
    here = np.arange(len(steps)) + inclusive
    sums = []
    for column in columns:
        prefix = np.concatenate(([0.0], np.cumsum(column, dtype=float)))
        sums.append(prefix[here] - prefix[first])
    return sums


def row_medians(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(median ignoring NaN, count of non-NaN) of each row of a 2-D array of finite values or NaN; NaN where a
    row is empty."""
    width = rows.shape[1]
    if width <= NETWORK_WIDTH and not has_negative_zero(rows):
        ordered, counts = network_sorted(rows)
    else:
        ordered = np.sort(rows, axis=1).T  # NaN sort last
        counts = width - np.isnan(rows).sum(axis=1)
    index = np.arange(len(rows))
    middle = (ordered[np.maximum((counts - 1) // 2, 0), index] + ordered[np.minimum(counts // 2, width - 1), index]) / 2
    return np.where(counts > 0, middle, np.nan), counts


def has_negative_zero(array: np.ndarray) -> bool:
    """Whether -0.0 is in `array`: sorts may order it either way around 0.0, so a network and np.sort can differ."""
    zero = array == 0
    return bool(zero.any() and np.signbit(array[zero]).any())


@cache
def sorting_network(width: int) -> tuple[tuple[int, int], ...]:
    """Comparators (i, j), i < j, of Batcher's odd-even merge sort of `width` values: that of the next power of
    two without those that touch its padding (values above every other, which no comparator moves)."""
    size = 1 << max(width - 1, 0).bit_length()
    pairs = []
    p = 1
    while p < size:
        k = p
        while k >= 1:
            for j in range(k % p, size - k, 2 * k):
                pairs += [(i + j, i + j + k) for i in range(k) if (i + j) // (2 * p) == (i + j + k) // (2 * p)]
            k //= 2
        p *= 2
    return tuple((i, j) for i, j in pairs if j < width)


def network_sorted(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(each row sorted, NaN last, as a (width, rows) array; count of non-NaN per row) of a 2-D array of finite
    values or NaN, none -0.0, by a sorting network over its columns: np.sort sorts each row on its own, which
    for short rows (1.5M rows of 6 for the level baseline of a year of 1,000 hourly series) costs mostly calls.
    NaN becomes +inf, the same order; the values are the sorted ones of np.sort wherever they are finite."""
    columns = [np.fmin(column, np.inf) for column in rows.T]  # NaN to inf (fmin skips NaN), the rest unchanged
    counts = np.zeros(len(rows), dtype=np.int64)
    for column in columns:
        counts += column != np.inf
    for i, j in sorting_network(len(columns)):
        low = np.minimum(columns[i], columns[j])
        np.maximum(columns[i], columns[j], out=columns[j])
        columns[i] = low
    return np.stack(columns), counts


def previous_rows(array: np.ndarray, width: int, fill=np.nan) -> np.ndarray:
    """Read-only view (len, ..., width) whose row i holds array[i - width], ..., array[i - 1] along axis 0
    (`fill` before the start): the `width` rows before each row."""
    padded = np.concatenate([np.full((width, *array.shape[1:]), fill, dtype=array.dtype), array])
    return np.lib.stride_tricks.sliding_window_view(padded, width, axis=0)[:len(array)]


def window_sums(array: np.ndarray, width: int) -> np.ndarray:
    """Sum along axis 0 of the `width` rows before each row (prefix sums; integers stay exact)."""
    cumulative = np.concatenate((np.zeros((1, *array.shape[1:]), dtype=np.int64), np.cumsum(array, axis=0, dtype=np.int64)))
    rows = np.arange(len(array))
    return cumulative[rows] - cumulative[np.maximum(rows - width, 0)]


def level_baseline(grid: np.ndarray, block: int) -> np.ndarray:
    """Per grid position: median of the medians of the LEVEL_BLOCKS blocks before its block."""
    blocks = len(grid) // block
    medians, _ = row_medians(grid.reshape(blocks, block))
    baseline, counts = row_medians(previous_rows(medians, LEVEL_BLOCKS))
    return np.repeat(np.where(counts >= MIN_LEVEL_BLOCKS, baseline, np.nan), block)


def seasonal_baseline(grid: np.ndarray, period: int, days: int, min_days: int, clock: np.ndarray | None = None) -> np.ndarray:
    """Per grid position: trimmed mean (max and min dropped from 3 values on) of the same phase on the previous days.
    `clock` (local_clock_shift): per grid position, the buckets its local clock is ahead of UTC; the same
    phase is then the same local time of day (23 or 25 hours back across a change of the clocks)."""
    size = len(grid)
    padded = np.concatenate([np.full(days * period, np.nan), grid])
    # the day loop adds these without a mask: the values with 0 for NaN, and 1 per value seen
    filled = np.where(np.isnan(padded), 0.0, padded)
    seen = (filled == padded).view(np.int8)
    count = np.zeros(size, dtype=np.int8 if days < 128 else np.int64)
    total = np.zeros(size)
    high = np.full(size, np.nan)  # fmax and fmin skip NaN: NaN until a day is seen
    low = np.full(size, np.nan)
    doubling = clock is None and not has_negative_zero(grid)
    for day in range(1, days + 1):
        earlier = same_phase(clock, day * period, days * period, size)
        count += seen[earlier]
        total += filled[earlier]
        if not doubling:
            np.fmax(high, padded[earlier], out=high)
            np.fmin(low, padded[earlier], out=low)
    if doubling:
        high, low = (window_extreme(extreme, padded, period, days, size) for extreme in (np.fmax, np.fmin))
    trim = count >= 3
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(trim, total - high - low, total) / (count - 2 * trim.view(np.int8))
    return np.where(count >= min_days, mean, np.nan)


def window_extreme(extreme: np.ufunc, padded: np.ndarray, period: int, days: int, size: int) -> np.ndarray:
    """np.fmax or np.fmin of the same phase on the previous `days` days (seasonal_baseline on UTC) by doubling:
    pairs of days, then fours, then the two overlapping widest windows that cover them all: 3 passes for 7
    days instead of 7. The same values whatever the order, as no -0.0 is in the grid (the caller checks)."""
    covered, window = 1, padded  # window[j]: the extreme of padded[j], padded[j + period], ... (covered cells)
    while covered * 2 <= days:
        window = extreme(window[covered * period:], window[:-covered * period])
        covered *= 2
    if covered == days:
        return window[:size].copy()
    lead = (days - covered) * period  # the window of the `covered` latest days starts this much later
    return extreme(window[lead:lead + size], window[:size])


def same_phase(clock: np.ndarray | None, back: int, pad: int, size: int) -> slice | np.ndarray:
    """Where each grid position's same phase `back` buckets earlier sits in the grid after `pad` NaN cells: a
    contiguous slice on UTC, the cells of the same local time otherwise (same_local_time)."""
    if clock is None:
        return slice(pad - back, pad - back + size)
    return same_local_time(clock, back, pad)


def local_clock_shift(first_step: np.ndarray, stretch: np.ndarray, grain: int, time_zone: str) -> np.ndarray | None:
    """Per grid cell: how many buckets the local clock of `time_zone` is ahead of UTC at the cell's time (None
    for UTC: nothing to shift). `first_step`: per series stretch of layout(), the bucket number (minutes // grain)
    of its first cell; `stretch`: the stretch sizes."""
    if time_zone == "UTC":
        return None
    steps = np.arange(int(stretch.sum())) + np.repeat(first_step - np.r_[0, np.cumsum(stretch)[:-1]], stretch)
    utc = pd.DatetimeIndex((steps * grain * 60_000_000_000).astype("datetime64[ns]"), tz="UTC")
    local = utc.tz_convert(zone(time_zone)).tz_localize(None)
    offset_minutes = (local.asi8 - utc.tz_localize(None).asi8) // 60_000_000_000
    return np.rint(offset_minutes / grain).astype(np.int64)


def same_local_time(clock: np.ndarray, back: int, pad: int) -> np.ndarray:
    """Per grid position i: the cell `back` buckets earlier on the local clock, i - back + clock[i] -
    clock[i - back], in the grid after `pad` NaN cells (cell 0, a NaN, before the grid)."""
    position = np.arange(len(clock))
    earlier = position - back
    shift = clock - clock[np.maximum(earlier, 0)]
    return np.clip(earlier + shift + pad, 0, None)


def daily_scale(abs_residual: np.ndarray, steps_abs: np.ndarray, params: RobustParams) -> tuple[np.ndarray, np.ndarray]:
    """(scale, residual points) per model and day from the previous scale_days complete days (module docstring).

    `abs_residual` (models, days, points_per_day): |residual| of each baseline model on the day-shaped grid,
    NaN where nothing was observed; `steps_abs` (days, points_per_day): |step from the previous observation|.
    Each day with at least MIN_DAY_POINTS residuals gives one estimate of the standard deviation: the r-th
    largest |residual|, r = ceil((1 - scale_quantile) * n), divided by the same order statistic of n draws of
    |N(0, 1)| (the |N| quantile at 1 - (r - 1/2) / n). The scale of a day is the `scale_day_quantile`
    quantile of the estimates of the previous days (the lower empirical quantile: for 14 days and 0.9, the
    second largest), never below the finest non-zero step of those days; 0 when they never changed.
    """
    models, days, per_day = abs_residual.shape
    counts = per_day - np.isnan(abs_residual).sum(axis=2)
    ranks, gaussian = order_statistic_table(per_day, params.scale_quantile)
    rank = ranks[counts]
    if ranks.max() == 1:  # the largest (at an hourly grain and 0.99): no sort needed
        order_statistic = fold_last_axis(np.fmax, abs_residual)
    else:
        largest_first = np.sort(-abs_residual.reshape(models * days, per_day), axis=1)
        order_statistic = -largest_first[np.arange(models * days), rank.ravel() - 1].reshape(models, days)
    with np.errstate(invalid="ignore", divide="ignore"):
        estimate = np.where(counts >= MIN_DAY_POINTS, order_statistic / gaussian[counts], np.nan)
        resolution = fold_last_axis(np.minimum, np.where(steps_abs > 0, steps_abs, np.inf))
    window_days = params.scale_days
    ordered = np.sort(previous_rows(estimate.T, window_days), axis=2)  # (days, models, previous days), NaN last
    days_seen = window_sums(~np.isnan(estimate.T), window_days)
    pick = np.maximum(np.ceil(params.scale_day_quantile * days_seen).astype(np.int64), 1) - 1
    quantile = np.take_along_axis(ordered, pick[:, :, None], axis=2)[:, :, 0].T
    points = window_sums(np.where(counts >= MIN_DAY_POINTS, counts, 0).T, window_days).T.astype(float)
    finest = fold_last_axis(np.minimum, previous_rows(resolution, window_days, np.inf))
    scale = np.where(np.isfinite(finest), np.fmax(quantile, finest), 0.0)  # never changed: flat, scale 0
    return np.where(days_seen.T > 0, scale, np.nan), points


def fold_last_axis(ufunc: np.ufunc, array: np.ndarray) -> np.ndarray:
    """ufunc.reduce(array, axis=-1) of np.fmax or np.minimum, one column after another: numpy reduces a short
    last axis row by row (0.2 ms for the 5,400 days of 24 hours of one chunk; a fifth of that here). The same
    values: the largest or smallest is one of them, whatever the order (no -0.0: |values| or steps > 0)."""
    out = array[..., 0].copy()
    for column in range(1, array.shape[-1]):
        ufunc(out, array[..., column], out=out)
    return out


def relative_floor(scale: np.ndarray, expected: np.ndarray, share: float) -> np.ndarray:
    """The scale a bucket is scored with: never below `share` of |baseline| (module docstring), so a series
    that barely moved (a constant, a quantised metric with one tick, means that differ in their last bit)
    does not page on a change of a fraction of a percent at z in the thousands or the trillions. 0 for a
    series flat at zero, NaN where there is no scale yet."""
    return np.where(np.isnan(scale), np.nan, np.fmax(scale, share * np.abs(expected)))


@lru_cache(maxsize=16)
def order_statistic_table(per_day: int, scale_quantile: float) -> tuple[np.ndarray, np.ndarray]:
    """For each count n of residuals in a day (0 to per_day): the rank r = ceil((1 - scale_quantile) * n)
    (at least 1) and the approximate r-th largest of n draws of |N(0, 1)|, its quantile at
    1 - (r - 1/2) / n. One inverse CDF per count, once per grain."""
    counts = np.arange(per_day + 1)
    ranks = np.maximum(np.ceil((1 - scale_quantile) * counts).astype(np.int64), 1)
    tails = (ranks - 0.5) / np.maximum(counts, 1)
    normal = NormalDist()
    gaussian = np.array([normal.inv_cdf(1 - tail / 2) for tail in tails])
    ranks.flags.writeable = gaussian.flags.writeable = False
    return ranks, gaussian


def weekly_reference(grid: np.ndarray, position: np.ndarray, week: int, edges: np.ndarray,
                     clock: np.ndarray | None = None) -> np.ndarray:
    """Per observation: the value at the same phase in the latest earlier week of its series where it was
    observed. `edges`: the series' first rows, as in score_many (series laid out by layout(): at least a week
    of empty cells before each, weeks aligned on the grid). `clock`: as in seasonal_baseline, the same phase
    is the same local time."""
    earlier = position - week
    if clock is not None:
        earlier = earlier + clock[position] - clock[earlier]
    reference = grid[earlier]  # the empty cells before a series: NaN in its first week
    unseen = np.flatnonzero(np.isnan(reference))  # a few rows: the rest need no series start
    first_position = position[edges[np.searchsorted(edges, unseen, side="right") - 1]]  # the grid cell of its series' first bucket
    older = earlier[unseen] - week >= first_position  # an older week of the series may hold that phase
    missing, first_position = unseen[older], first_position[older]
    if len(missing):
        table = grid.reshape(-1, week)
        latest = np.where(np.isnan(table), -1, np.arange(len(table))[:, None])
        np.maximum.accumulate(latest, axis=0, out=latest)
        week_of, phase = earlier[missing] // week + 1, earlier[missing] % week
        found = latest[week_of - 1, phase]
        in_series = found >= first_position // week  # not a week of an earlier series
        reference[missing] = np.where(in_series, table[np.maximum(found, 0), phase], np.nan)
    return reference


def to_minutes(times) -> np.ndarray:
    """Minutes since the Unix epoch (int64) of datetime64 values or of integer minutes."""
    array = np.asarray(times)
    if np.issubdtype(array.dtype, np.datetime64):
        return array.astype("datetime64[m]").astype(np.int64)
    return array.astype(np.int64)


def empty_scores(n: int = 0) -> dict[str, np.ndarray]:
    floats = {c: np.full(n, np.nan) for c in OUTPUT_COLUMNS}
    return {**floats, "is_scored": np.zeros(n, dtype=bool), "is_seasonal": np.zeros(n, dtype=bool),
            "scale_points": np.zeros(n, dtype=np.int64)}


def score_series(times, values, params: RobustParams = DEFAULTS) -> dict[str, np.ndarray]:
    """Score columns (OUTPUT_COLUMNS) of one series bucketed at the grain; see the module docstring.

    `times`: bucket starts (datetime64, or int minutes since the epoch), distinct and increasing, each a
    multiple of the grain; `values`: finite floats. Raises ValueError otherwise.
    """
    values = np.asarray(values, dtype=float)
    minutes = to_minutes(times)
    if len(values) != len(minutes):
        raise ValueError("score_series: times and values differ in length")
    return score_many(minutes, values, np.array([0, len(values)]), params)


def layout(steps: np.ndarray, edges: np.ndarray, params: RobustParams) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
    """(grid cell of each observation, grid size, each stretch's first bucket number, stretch sizes) of series laid end to end
    on one grid of buckets. A series' stretch starts with `lead` empty cells (at least every look-back: the
    scale's days, the daily profile's days, the level's blocks, a week), then its days from the UTC midnight
    before its first bucket; stretches are whole multiples of a block, a day and a week, so every reshape
    of the grid (blocks, days, weeks) keeps each series' own cells, and nothing reaches another series."""
    per_day, block = params.points_per_day, params.block_points
    unit = np.lcm(block, WEEK_DAYS * per_day)
    lead = max(params.scale_days * per_day, params.seasonal_days * per_day, LEVEL_BLOCKS * block, WEEK_DAYS * per_day)
    lead = -(-lead // unit) * unit
    first_steps = steps[edges[:-1]]
    origin = first_steps - first_steps % per_day  # the UTC midnight before the first bucket
    span = steps[edges[1:] - 1] - origin + 1
    stretch = lead + -(-span // unit) * unit
    first_cell = np.r_[0, np.cumsum(stretch)[:-1]]
    counts = np.diff(edges)
    position = steps - np.repeat(origin - first_cell - lead, counts)
    return position, int(stretch.sum()), origin - lead, stretch


def score_many(minutes: np.ndarray, values: np.ndarray, edges: np.ndarray, params: RobustParams = DEFAULTS) -> dict[str, np.ndarray]:
    """score_series of many series at once: `minutes` (int minutes since the epoch) and `values` of rows
    grouped by series, `edges` the first row of each series plus the row count. One pass of array work over
    all of them (layout()), so the cost is per bucket, not per series; run it over chunks of series of
    about CHUNK_POINTS buckets (score_chunks), which keeps the arrays in the CPU's cache."""
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        return empty_scores()
    grain = int(params.grain_minutes)
    steps = minutes // grain
    if np.any(steps * grain != minutes):  # minutes % grain, without the slow integer remainder
        raise ValueError(f"score_series: times must be bucket starts at the {grain}-minute grain (bucket the series first)")
    same_series = same_series_as_previous(edges)
    if np.any((np.diff(minutes) <= 0) & same_series):
        raise ValueError("score_series: times must be distinct and increasing (one value per bucket)")
    if not np.all(np.isfinite(values)):
        raise ValueError("score_series: values must be finite")

    per_day = params.points_per_day
    position, size, first_step, stretch = layout(steps, edges, params)
    grid = np.full(size, np.nan)
    grid[position] = values
    clock = local_clock_shift(first_step, stretch, grain, params.time_zone)

    level = level_baseline(grid, params.block_points)
    seasonal = seasonal_baseline(grid, per_day, params.seasonal_days, params.seasonal_min_days, clock)
    day_rows = size // per_day
    scales, points = daily_scale(residuals(grid, level, seasonal).reshape(2, day_rows, per_day),
                                 step_sizes(values, position, edges, size).reshape(day_rows, per_day), params)
    min_points = params.min_history_hours * 60 / grain
    with np.errstate(invalid="ignore"):
        use_seasonal_day = (points[1] >= min_points) & (scales[1] <= params.seasonal_scale_ratio * scales[0])

    day = position // per_day
    seasonal_here = seasonal[position]
    is_seasonal = use_seasonal_day[day] & ~np.isnan(seasonal_here)
    expected = np.where(is_seasonal, seasonal_here, level[position])
    model_day = day + is_seasonal * day_rows  # the row's day in the scales and points of its model, level then seasonal
    scale = relative_floor(scales.ravel()[model_day], expected, params.min_relative_scale)
    scale_points = points.ravel()[model_day].astype(np.int64)
    with np.errstate(invalid="ignore"):
        is_scored = ~np.isnan(expected) & (scale_points >= min_points) & (scale > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z_score = np.where(is_scored, (values - expected) / scale, np.nan)
        reference = weekly_reference(grid, position, WEEK_DAYS * per_day, edges, clock)
        weekly_difference_z = np.where(is_scored, (values - reference) / (np.sqrt(2.0) * scale), np.nan)
        weekly_reference_z = np.where(is_scored, (reference - expected) / scale, np.nan)
    return {
        "expected_value": expected,
        "scale": np.where(np.isnan(expected), np.nan, scale),
        "z_score": z_score,
        "is_scored": is_scored,
        "scale_points": scale_points,
        "is_seasonal": is_seasonal,
        "weekly_reference_value": reference,
        "weekly_difference_z": weekly_difference_z,
        "weekly_reference_z": weekly_reference_z,
    }


def residuals(grid: np.ndarray, level: np.ndarray, seasonal: np.ndarray) -> np.ndarray:
    """|grid - baseline| of the level and the seasonal baseline, (2, grid size), written in place."""
    out = np.empty((2, len(grid)))
    np.subtract(grid, level, out=out[0])
    np.subtract(grid, seasonal, out=out[1])
    return np.abs(out, out=out)


def step_sizes(values: np.ndarray, position: np.ndarray, edges: np.ndarray, size: int) -> np.ndarray:
    """Per grid cell: |step from the previous observation of its series|; NaN at each series' first bucket and
    where nothing was observed."""
    steps = np.abs(np.diff(values))
    steps[edges[1:-1] - 1] = np.nan  # the step into a series' first row comes from another series
    out = np.full(size, np.nan)
    out[position[1:]] = steps
    return out


def level_shift_z(times, z_score, params: RobustParams = DEFAULTS) -> np.ndarray:
    """Level-shift statistic of one series (score_series' times and z-scores): the mean z of the scored
    buckets in (t - level_shift_hours, t], divided by its standard error under AR(1) noise,
    sqrt((1 + rho) / (1 - rho) / m), rho = the lag-1 autocorrelation of the z-scores of consecutive
    buckets over the previous scale_hours of complete days (clipped to [0, 0.95]). NaN until those days
    hold min_history_hours of such pairs: with no estimate of rho, strongly autocorrelated z-scores (a
    daily cycle at 5 minutes) would be read as independent, and every series shifted on its first scored
    day (operator trial). Reported, not paged."""
    minutes = to_minutes(times)
    z_score = np.asarray(z_score, dtype=float)
    if len(minutes) == 0:
        return np.zeros(0)
    steps = minutes // int(params.grain_minutes)
    scored = ~np.isnan(z_score)
    z = np.where(scored, z_score, 0.0)
    window = max(1, int(round(params.level_shift_hours * 60 / params.grain_minutes)))
    count, total = time_window_sums(steps, [scored.astype(float), z], window, inclusive=True)
    pair = np.r_[False, (np.diff(steps) == 1) & scored[1:] & scored[:-1]]
    products = np.where(pair, z * np.r_[0.0, z[:-1]], 0.0)
    day = (minutes // DAY_MINUTES) - minutes[0] // DAY_MINUTES
    days = int(day[-1]) + 1
    per_day = np.stack([np.bincount(day, weights=products, minlength=days),
                        np.bincount(day, weights=np.where(scored, z * z, 0.0), minlength=days),
                        np.bincount(day, weights=pair.astype(float), minlength=days)], axis=1)
    in_window = previous_rows(per_day, params.scale_days, 0.0).sum(axis=-1)
    known = in_window[:, 2] >= params.min_history_hours * 60 / params.grain_minutes
    with np.errstate(invalid="ignore", divide="ignore"):
        # z-scores all 0 (a constant series) show no noise to correct for: rho 0, not 0/0 (a trial's constant that
        # stepped up was first reported a day late, its span starting 19 h after the step)
        rho = np.where(known, np.clip(np.where(in_window[:, 1] > 0, in_window[:, 0] / in_window[:, 1], 0.0), 0.0, 0.95), np.nan)[day]
        statistic = total / count * np.sqrt(count * (1 - rho) / (1 + rho))
    return np.where(scored, statistic, np.nan)


def score_chunks(minutes: np.ndarray, values: np.ndarray, edges: np.ndarray, params: RobustParams = DEFAULTS) -> dict[str, np.ndarray]:
    """score_many over rows grouped by series (`edges`: series.series_edges), chunk by chunk (series.chunked)."""
    return chunked(partial(score_many, params=params), edges, minutes, values) if len(values) else empty_scores()


def score_frame(metrics: pd.DataFrame, params: RobustParams = DEFAULTS) -> pd.DataFrame:
    """score_series over every series of a long frame (service_name, metric_name, observed_at, value)
    already bucketed at the grain: the frame's rows ordered by series and time, with the score columns
    and `series_start` (the first row of each row's series)."""
    frame = metrics.sort_values(["service_name", "metric_name", "observed_at"], ignore_index=True)
    codes, _ = pd.MultiIndex.from_frame(frame[["service_name", "metric_name"]]).factorize()
    edges = series_edges(codes)
    columns = score_chunks(to_minutes(pd.to_datetime(frame["observed_at"]).to_numpy()), frame["value"].to_numpy(dtype=float),
                           edges, params)
    for name in OUTPUT_COLUMNS:
        frame[name] = columns[name]
    frame["series_start"] = per_series(edges, edges[:-1])
    return frame
