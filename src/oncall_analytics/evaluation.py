"""Scoring a detector against labelled anomaly windows (issue 15).

A labelled folder holds `metrics.csv.gz` (service_name, metric_name,
observed_at, value) and `windows.json` ({"<service_name>/<metric_name>":
[[start, end], ...]}, inclusive, an empty list for a series without labelled
anomaly). Every series is scored on its own. The figures depend only on the
windows and on the detector's output, so the same functions score the
package's kernels here and the dbt build's tables later:

- the **grain**: the detector sees each series bucketed at `grain_minutes`
  (mean of the observations whose time falls in [b, b + grain), buckets
  aligned on the Unix epoch, labelled by their start b). Windows are compared
  at the same grain: a window [start, end] covers the buckets from the one
  holding `start` to the one holding `end`, both included. So a flag or an
  incident start (a bucket label) is inside a window when
  floor(start) <= t <= floor(end);
- **windows paged**: windows with at least one incident of their series
  starting inside them (an incident that opened before the window and is
  still open does not count);
- **windows flagged**: windows with at least one anomalous bucket inside;
- **false pages**: incidents that start inside no window of their series;
- **observed hours**: per series, the number of buckets holding at least one
  observation, times grain_minutes / 60 (the hours the detector had data
  for, not the span from first to last observation);
- **false pages per 1,000 series-hours**: 1,000 x false pages / observed
  hours, summed over the series of a row;
- **delay**: for a paged window, the start of the first incident inside it
  minus the window's first bucket, in hours (NAB centres its windows on the
  labelled event, so a delay of about half the window is a page at the
  event itself). A row's median delay is the median over its paged windows.

The notebook's plain rule (`notebook_rule`) is scored side by side: a rolling
z-score over the previous 48 hours of buckets at k = 5, its flags clustered
into incidents the notebook's way (a gap of more than 24 h starts a new one).
"""
from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from oncall_analytics.detection.paging import PagingParams, flag_frame, page_incidents, summarize_incidents
from oncall_analytics.detection.robust import RobustParams, score_frame, time_window_sums
from oncall_analytics.detection.series import series_edges
from oncall_analytics.error_text import first_line

SERIES_KEY = ["service_name", "metric_name"]
METRICS_FILE = "metrics.csv.gz"
METRICS_FILE_PLAIN = "metrics.csv"   # also read, uncompressed, when the .gz is not there
WINDOWS_FILE = "windows.json"
SeriesWindows = dict[tuple[str, str], list[tuple[pd.Timestamp, pd.Timestamp]]]
FIGURE_COLUMNS = ["windows", "windows_paged", "windows_flagged", "incidents", "false_pages", "observed_hours",
                  "false_pages_per_1000_hours", "median_delay_hours"]


# A time of day followed by an offset (Z, +05:30, -0800, +02): what tells a time with an offset from a naive one
UTC_OFFSET = r"\d{2}:?\d{2}(?::?\d{2}(?:[.,]\d+)?)?\s*(?:[zZ]|[+-]\d{2}(?::?\d{2})?)\s*$"


def utc_times(values, where: str, first_line: int | None = None) -> pd.Series:
    """ISO 8601 times as naive UTC (datetime64[ns]): a time with an offset is converted to UTC (offsets may
    differ row to row, as across a DST change), a time without one is UTC already. The two kinds are parsed
    apart: parsed together, pandas reads a naive time that follows an offset one in that offset. Numbers
    (epoch seconds?), missing times and text that is not a time are refused, naming `where` and the value's
    position (its line in a file when `first_line`, the line of the first value, is given)."""
    values = pd.Series(values).reset_index(drop=True)
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        raise ValueError(f"{where}: times must be ISO 8601 text (e.g. 2024-05-07 14:10:00, UTC, or with an offset), "
                         f"found numbers such as {values.iloc[0]}")
    if values.isna().any():
        raise ValueError(f"{where}: {int(values.isna().sum())} missing time(s), the first {_position(int(values.isna().idxmax()), first_line)}")
    text = values.astype(str)
    if len(text) and pd.to_numeric(text, errors="coerce").notna().all():  # CSV read as text: numbers only
        raise ValueError(f"{where}: times must be ISO 8601 text (e.g. 2024-05-07 14:10:00, UTC, or with an offset), "
                         f"found numbers such as {text.iloc[0]}")
    given, text = text, text.str.upper()   # a lower-case 't' or 'z' (2024-01-08t11:00:00z), as staging reads them
    with_offset = text.str.contains(UTC_OFFSET, regex=True).to_numpy()
    parsed = pd.Series(np.empty(len(text), dtype="datetime64[ns]"))
    try:
        for rows, utc in ((with_offset, True), (~with_offset, False)):
            if rows.any():
                times = pd.to_datetime(text[rows], utc=utc, format="ISO8601")
                parsed[rows] = (times.dt.tz_localize(None) if utc else times).astype("datetime64[ns]").to_numpy()
    except (ValueError, TypeError, OverflowError):
        bad = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce").isna().to_numpy()
        first = int(np.argmax(bad)) if bad.any() else 0
        form = ISO_TIME_FORM.fullmatch(text.iloc[first].strip())
        if form and not 1678 <= int(form.group(0)[:4]) <= 2261:  # the form is right, the year is not: say so (not of hour 25)
            raise ValueError(f"{where}: {_position(first, first_line)}: {given.iloc[first][:60]!r} is outside the times that can "
                             "be held (years 1678 to 2261; the project itself keeps 1900 to 2199)") from None
        raise ValueError(f"{where}: {_position(first, first_line)}: {given.iloc[first][:60]!r} is not an ISO 8601 time "
                         "(e.g. 2024-05-07 14:10:00, UTC, or with an offset)") from None
    return parsed


def _position(index: int, first_line: int | None) -> str:
    return f"value {index + 1}" if first_line is None else f"line {index + first_line}"


DATE_ALONE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
ISO_TIME_FORM = re.compile(r"[0-9]{4}-[0-1][0-9]-[0-3][0-9]([ T][0-2][0-9]:[0-5][0-9](:[0-5][0-9]([.][0-9]+)?)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?")


def parse_windows(raw, where: Path) -> SeriesWindows:
    """windows.json's object {"<service_name>/<metric_name>": [[start, end], ...]} as UTC times (utc_times);
    every shape error names the file and the key."""
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: must be an object {{\"<service_name>/<metric_name>\": [[start, end], ...]}}, found {type(raw).__name__}")
    windows: SeriesWindows = {}
    for key, spans in raw.items():
        service, _, metric = key.partition("/")
        if not service or not metric:
            raise ValueError(f"{where}: key {key!r} is not '<service_name>/<metric_name>'")
        if not isinstance(spans, list) or not all(
                isinstance(span, list) and len(span) == 2 and all(isinstance(t, str) and t.strip() for t in span) for span in spans):
            raise ValueError(f"{where}: {key} must be a list of [start, end] pairs of times as text (an empty list: no window), "
                             f"found {json.dumps(spans)[:80]}")
        dates_alone = [t for span in spans for t in span if DATE_ALONE.fullmatch(t.strip())]
        if dates_alone:  # a label's '2024-01-07' means a day, and would read as its midnight
            raise ValueError(f"{where}: {key} has a window time {dates_alone[0][:40]!r} without a time of day; give one "
                             "(e.g. [\"2024-01-07 00:00:00\", \"2024-01-07 23:59:59\"] for the day)")
        times = utc_times([t for span in spans for t in span], f"{where}: {key}") if spans else pd.Series([], dtype="datetime64[ns]")
        parsed = [(pd.Timestamp(times.iloc[2 * i]), pd.Timestamp(times.iloc[2 * i + 1])) for i in range(len(spans))]
        if any(end < start for start, end in parsed):
            raise ValueError(f"{where}: {key} has a window that ends before it starts")
        windows[(service, metric)] = parsed
    return windows


def read_folder(folder: str | Path) -> tuple[pd.DataFrame, SeriesWindows]:
    """(metrics, windows) of a labelled folder, times in naive UTC; every series must have a windows entry
    and vice versa. Every refusal names the file, and the line or key at fault. A value that is empty, NaN
    or infinite is kept (the project quarantines it, and the report says so); text that is not a number is
    refused."""
    folder = Path(folder)
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "does not exist"
        raise FileNotFoundError(f"labelled folder {folder.absolute()} {what}")
    metrics = read_metrics(metrics_file(folder))
    if not (folder / WINDOWS_FILE).is_file():
        raise FileNotFoundError(f"labelled folder {folder.absolute()}: {WINDOWS_FILE} is missing")
    try:
        raw = json.loads((folder / WINDOWS_FILE).read_text(encoding="utf-8-sig"), object_pairs_hook=_unique_keys)
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(f"{folder / WINDOWS_FILE}: not valid JSON ({error})") from None
    windows = parse_windows(raw, folder / WINDOWS_FILE)
    in_metrics = set(metrics[SERIES_KEY].drop_duplicates().itertuples(index=False, name=None))
    if in_metrics != set(windows):
        unmatched, unused = in_metrics - set(windows), set(windows) - in_metrics
        # names written in two Unicode forms (macOS writes decomposed é) print alike: say so (operator trial)
        forms = {tuple(unicodedata.normalize("NFC", part) for part in key) for key in unmatched} & \
            {tuple(unicodedata.normalize("NFC", part) for part in key) for key in unused}
        hint = ("; some names differ only in their Unicode form (composed and decomposed accents, as macOS writes file names): "
                "write both files with one form (NFC)" if forms else "")
        raise ValueError(f"labelled folder {folder}: every series needs a windows.json entry (an empty list if it has no "
                         f"anomaly), and every entry its series; series without windows entry: "
                         f"{_listed(unmatched)}; windows entries without metrics: {_listed(unused)}{hint}")
    return metrics, windows


def metrics_file(folder: Path) -> Path:
    """The folder's metrics: metrics.csv.gz, or metrics.csv when only that is there (an operator trial's plain
    file was reported missing); both is ambiguous."""
    found = [folder / name for name in (METRICS_FILE, METRICS_FILE_PLAIN) if (folder / name).is_file()]
    if not found:
        raise FileNotFoundError(f"labelled folder {folder.absolute()}: {METRICS_FILE} (or {METRICS_FILE_PLAIN}) is missing")
    if len(found) > 1:
        raise ValueError(f"labelled folder {folder.absolute()} holds both {METRICS_FILE} and {METRICS_FILE_PLAIN}: keep one")
    return found[0]


def _listed(series: set, shown: int = 10) -> str:
    """The series as "<service>/<metric>" keys, the first `shown`, then how many more."""
    keys = [f"{service}/{metric}" for service, metric in sorted(series)]
    return (", ".join(keys[:shown]) + (f" and {len(keys) - shown} more" if len(keys) > shown else "")) if keys else "none"


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object whose keys are distinct: json keeps the last of a repeated key, and a series listed
    twice in windows.json would lose its first windows, silently (operator trial)."""
    seen: dict = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"the key {key!r} appears twice (list all of a series' windows under one key)")
        seen[key] = value
    return seen


def read_metrics(path: Path) -> pd.DataFrame:
    """metrics.csv.gz (or metrics.csv) as (service_name, metric_name, observed_at in naive UTC, value as float), checked;
    `value_is_missing` tells an empty value (or NA, null, none) from a NaN, which are both NaN in `value`: the project
    quarantines the first as missing, the second as not finite."""
    try:
        metrics = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, EOFError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        kind = "gzip-compressed UTF-8 CSV" if path.name.endswith(".gz") else "UTF-8 CSV"
        raise ValueError(f"{path}: cannot be read as {kind} ({first_line(error)})") from None
    missing = [c for c in [*SERIES_KEY, "observed_at", "value"] if c not in metrics.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing} (found {list(metrics.columns)[:8]})")
    for column in SERIES_KEY:
        names = metrics[column]
        empty = (names.str.strip() == "").to_numpy()
        if empty.any():
            raise ValueError(f"{path}: line {int(np.argmax(empty)) + 2}: {column} is empty")
        padded = (names != names.str.strip()).to_numpy()
        if padded.any():  # staging trims every text of a log: the series would no longer match its windows entry
            raise ValueError(f"{path}: line {int(np.argmax(padded)) + 2}: {column} {names.iloc[int(np.argmax(padded))]!r} "
                             "starts or ends with spaces, which the project's staging trims; trim them in the file and in windows.json")
    slashed = metrics["service_name"].str.contains("/", regex=False).to_numpy()
    if slashed.any():
        raise ValueError(f"{path}: line {int(np.argmax(slashed)) + 2}: service_name {metrics['service_name'].iloc[int(np.argmax(slashed))]!r} "
                         "holds a '/': windows.json's keys are '<service_name>/<metric_name>', split at the first '/'")
    text = metrics["value"].str.strip()
    values = pd.to_numeric(text, errors="coerce")
    missing_value = text.str.lower().isin(["", "nan", "na", "n/a", "null", "none"])
    not_number = (values.isna() & ~missing_value).to_numpy()
    if not_number.any():
        raise ValueError(f"{path}: line {int(np.argmax(not_number)) + 2}: value {text.iloc[int(np.argmax(not_number))][:40]!r} is not a number "
                         f"({int(not_number.sum())} such value(s); an empty, NaN or infinite value is kept, for staging to quarantine)")
    metrics["value"] = values.to_numpy(dtype=float)
    metrics["value_is_missing"] = (missing_value & (text.str.lower() != "nan")).to_numpy()
    metrics["observed_at"] = utc_times(metrics["observed_at"].str.strip(), f"{path}: observed_at", first_line=2).to_numpy()
    return metrics


def floor_to_grain(timestamps, grain_minutes: int) -> np.ndarray:
    """Bucket labels (datetime64[m]): each time floored to a multiple of grain_minutes since the Unix epoch."""
    if int(grain_minutes) != grain_minutes or grain_minutes < 1:
        raise ValueError(f"grain_minutes must be a positive whole number of minutes, got {grain_minutes!r}")
    minutes = pd.to_datetime(pd.Series(timestamps)).to_numpy().astype("datetime64[m]").astype(np.int64)
    return (minutes - minutes % int(grain_minutes)).astype("datetime64[m]")


def bucket_metrics(metrics: pd.DataFrame, grain_minutes: int) -> pd.DataFrame:
    """Mean value per series and bucket, ordered by series and time; rows without a finite value are dropped."""
    finite = metrics[np.isfinite(metrics["value"].to_numpy(dtype=float))]
    bucketed = finite.assign(observed_at=floor_to_grain(finite["observed_at"], grain_minutes).astype("datetime64[ns]"))
    return bucketed.groupby([*SERIES_KEY, "observed_at"], as_index=False, sort=True)["value"].mean()


def observed_hours(bucketed: pd.DataFrame, grain_minutes: int) -> pd.Series:
    """Observed hours per series: buckets holding an observation x grain_minutes / 60."""
    return bucketed.groupby(SERIES_KEY)["observed_at"].nunique() * (grain_minutes / 60.0)


def _sorted_bucket_minutes(frame: pd.DataFrame, column: str, grain_minutes: int) -> dict[tuple[str, str], np.ndarray]:
    if frame.empty:
        return {}
    minutes = floor_to_grain(frame[column], grain_minutes).astype(np.int64)
    grouped = pd.Series(minutes, index=pd.MultiIndex.from_frame(frame[SERIES_KEY])).groupby(level=[0, 1])
    return {key: np.sort(group.to_numpy()) for key, group in grouped}


def evaluate(windows: SeriesWindows, flags: pd.DataFrame, incidents: pd.DataFrame, hours: pd.Series,
             grain_minutes: int) -> pd.DataFrame:
    """Per series figures (module docstring) plus `delays_hours`, the list of each paged window's delay.

    `flags`: the anomalous buckets (service_name, metric_name, observed_at; rows with is_anomaly false are
    ignored when that column is given, as in the metric_anomalies mart). `incidents`: service_name,
    metric_name (the series) and started_at; the incidents mart's root_cause_metric stands for
    metric_name when that column is absent. `hours`: observed_hours(). Series outside `windows` are an
    error: the detector ran on something else than the labelled folder.
    """
    if "is_anomaly" in flags.columns:
        flags = flags[flags["is_anomaly"].astype(bool)]
    if "metric_name" not in incidents.columns and "root_cause_metric" in incidents.columns:
        incidents = incidents.rename(columns={"root_cause_metric": "metric_name"})
    strays = (set(flags[SERIES_KEY].itertuples(index=False, name=None))
              | set(incidents[SERIES_KEY].itertuples(index=False, name=None))) - set(windows)
    if strays:
        raise ValueError(f"detector output for series that have no windows entry: {sorted(strays)[:5]}")
    flag_minutes = _sorted_bucket_minutes(flags, "observed_at", grain_minutes)
    start_minutes = _sorted_bucket_minutes(incidents, "started_at", grain_minutes)
    rows = []
    for key, spans in windows.items():
        flagged_at = flag_minutes.get(key, np.array([], dtype=np.int64))
        started_at = start_minutes.get(key, np.array([], dtype=np.int64))
        bounds = _window_bounds(spans, grain_minutes)
        first_start = np.searchsorted(started_at, bounds[:, 0], side="left")
        after_end = np.searchsorted(started_at, bounds[:, 1], side="right")
        paged = after_end > first_start
        flagged = np.searchsorted(flagged_at, bounds[:, 1], side="right") > np.searchsorted(flagged_at, bounds[:, 0], side="left")
        delays = (started_at[first_start[paged]] - bounds[paged, 0]) / 60.0
        in_a_window = np.zeros(len(started_at), dtype=bool)
        for low, high in bounds:
            in_a_window |= (started_at >= low) & (started_at <= high)
        observed = float(hours.get(key, 0.0))
        false_pages = int((~in_a_window).sum())
        rows.append({
            "service_name": key[0], "metric_name": key[1], "windows": len(spans), "windows_paged": int(paged.sum()),
            "windows_flagged": int(flagged.sum()), "incidents": len(started_at), "false_pages": false_pages,
            "observed_hours": observed, "delays_hours": [float(d) for d in delays],
        })
    per_series = pd.DataFrame(rows, columns=[*SERIES_KEY, *FIGURE_COLUMNS[:6], "delays_hours"])
    return _with_rates(per_series)


def _window_bounds(spans, grain_minutes: int) -> np.ndarray:
    """(windows, 2) first and last bucket (minutes since the epoch) of each window at the grain."""
    if not spans:
        return np.empty((0, 2), dtype=np.int64)
    return floor_to_grain([t for span in spans for t in span], grain_minutes).astype(np.int64).reshape(-1, 2)


def _ordered_windows(spans, grain_minutes: int) -> tuple[np.ndarray, np.ndarray]:
    """A series' window bounds at the grain in order of their first bucket, and the latest last bucket reached by
    each window and those before it: what the overlap and touching notes compare a window's start with."""
    bounds = _window_bounds(spans, grain_minutes)
    bounds = bounds[np.argsort(bounds[:, 0], kind="stable")]
    return bounds, np.maximum.accumulate(bounds[:, 1])


def _shown_window(key: tuple[str, str], low: int, high: int) -> str:
    return f"{key[0]}/{key[1]} [{pd.Timestamp(low, unit='m'):%Y-%m-%d %H:%M} - {pd.Timestamp(high, unit='m'):%Y-%m-%d %H:%M}]"


def windows_without(windows: SeriesWindows, buckets: pd.DataFrame, grain_minutes: int) -> list[str]:
    """The windows (shown) holding none of `buckets` (service_name, metric_name, observed_at) at the grain:
    with the bucketed metrics, windows without any observation; with the scored buckets of a method,
    windows it could not judge (too little history before them, a gap, a flat series). Both count as
    missed in the figures."""
    present = _sorted_bucket_minutes(buckets, "observed_at", grain_minutes)
    found = []
    for key, spans in windows.items():
        at = present.get(key, np.array([], dtype=np.int64))
        for low, high in _window_bounds(spans, grain_minutes):
            if np.searchsorted(at, high, side="right") == np.searchsorted(at, low, side="left"):
                found.append(_shown_window(key, low, high))
    return found


def input_notes(windows: SeriesWindows, metrics: pd.DataFrame, grain_minutes: int) -> list[str]:
    """Sentences on what in a labelled folder bends its figures: windows without any observation (missed
    by every method), overlapping windows of one series (one incident can page both), and series sampled
    more coarsely than the grain (most of their buckets are empty: observed hours count buckets with data)."""
    notes = []
    empty = windows_without(windows, bucket_metrics(metrics, grain_minutes), grain_minutes)
    if empty:
        notes.append(f"{len(empty)} window(s) hold no observation and count as missed by every method: {', '.join(empty[:5])}")
    overlapping = []
    for key, spans in windows.items():
        bounds, reached = _ordered_windows(spans, grain_minutes)
        if (bounds[1:, 0] <= reached[:-1]).any():
            overlapping.append(f"{key[0]}/{key[1]}")
    if overlapping:
        notes.append(f"{len(overlapping)} series have overlapping windows, which one incident can page together: {', '.join(overlapping[:5])}")
    notes += short_window_notes(windows, grain_minutes)
    # series of two rows or more (a single row has no step); a step within half a grain of it is the grain with
    # a writer's jitter (5:00.159 at 5 minutes fills every bucket)
    timed = metrics[metrics.groupby(SERIES_KEY)["observed_at"].transform("size") > 1]
    step_times = timed.sort_values([*SERIES_KEY, "observed_at"]).groupby(SERIES_KEY)["observed_at"]
    # with no such series, an empty aggregate keeps the times' dtype, and comparing it was a traceback (operator trial)
    no_step = pd.Series(dtype="timedelta64[ns]")
    steps = no_step if timed.empty else step_times.agg(lambda times: times.diff().median())
    # a placeholder date (1970-01-01, 1900-01-01) far from the rest: the detector's grid spans the gap, which at a
    # 1-minute grain took 5.4 GB instead of 0.4 (operator trial)
    gaps = no_step if timed.empty else step_times.agg(lambda times: times.diff().max())
    far = gaps[gaps > pd.Timedelta(days=365)]
    if len(far):
        notes.append(f"{len(far)} series have observations more than a year apart (a placeholder date such as 1970-01-01?): "
                     f"the detector's grid spans the gap, which costs memory and time at a fine grain: "
                     + ", ".join(f"{service}/{metric} ({gap.days:,} days)" for (service, metric), gap in far.head(5).items()))
    coarse = steps[steps > pd.Timedelta(minutes=1.5 * grain_minutes)]
    if len(coarse):
        notes.append(f"{len(coarse)} series are sampled more coarsely than the {grain_minutes}-minute grain (median step "
                     f"{coarse.iloc[0]} for {coarse.index[0][0]}/{coarse.index[0][1]}): many of their buckets are empty, "
                     "and observed hours count only buckets with data")
    return notes


def short_window_notes(windows: SeriesWindows, grain_minutes: int) -> list[str]:
    """Sentences on windows the judging rule is strict with (a window is paged by an incident that starts inside
    it): windows of one bucket at the grain (point labels, as Yahoo's), where an incident one bucket late is a
    missed window and a false page, and windows that touch the next one without overlapping (a long anomaly
    labelled point by point), of which one incident pages the first alone (operator trial: both went unsaid)."""
    points, touching = [], []
    for key, spans in windows.items():
        bounds, reached = _ordered_windows(spans, grain_minutes)
        points += [_shown_window(key, low, high) for low, high in bounds if low == high]
        # against the latest end so far, as the overlap check reads it: a window nested in a long one does not
        # hide the long one's neighbour (review)
        reaching = np.maximum.accumulate(np.where(bounds[:, 1] == reached, np.arange(len(bounds)), 0))   # the window that ends there
        touching += [_shown_window(key, *bounds[reaching[i]]) for i in np.flatnonzero(bounds[1:, 0] == reached[:-1] + grain_minutes)]
    notes = []
    if points:
        notes.append(f"{len(points)} window(s) are a single {grain_minutes}-minute bucket: an incident that starts one bucket "
                     f"later counts as a missed window and a false page: {', '.join(points[:5])}")
    if touching:
        notes.append(f"{len(touching)} window(s) end where the series' next window starts (one anomaly labelled in pieces): "
                     f"an incident pages the window it starts in, and the next ones count as missed: {', '.join(touching[:5])}")
    return notes


def _with_rates(frame: pd.DataFrame) -> pd.DataFrame:
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = 1000.0 * frame["false_pages"].to_numpy(dtype=float) / frame["observed_hours"].to_numpy(dtype=float)
    frame = frame.assign(false_pages_per_1000_hours=np.where(frame["observed_hours"] > 0, rate, np.nan))
    frame["median_delay_hours"] = [float(np.median(d)) if len(d) else np.nan for d in frame["delays_hours"]]
    return frame


def summarize(per_series: pd.DataFrame) -> pd.DataFrame:
    """Per NAB folder (service_name) and in total: counts summed, rates and medians recomputed from the sums."""
    counts = ["windows", "windows_paged", "windows_flagged", "incidents", "false_pages", "observed_hours"]

    def roll_up(group: pd.DataFrame, name: str) -> dict:
        return {"service_name": name, **{c: group[c].sum() for c in counts},
                "delays_hours": [d for delays in group["delays_hours"] for d in delays]}

    rows = [roll_up(group, service) for service, group in per_series.groupby("service_name", sort=True)]
    rows.append(roll_up(per_series, "total"))
    # the total row by its flag, not its name: a folder may hold a service named `total` (operator trial)
    return _with_rates(pd.DataFrame(rows).assign(is_total=[False] * (len(rows) - 1) + [True]))


def total_of(per_series: pd.DataFrame) -> pd.Series:
    """summarize()'s total row."""
    summary = summarize(per_series)
    return summary[summary["is_total"]].iloc[0]


def recall(frame: pd.DataFrame) -> pd.Series:
    """Share of windows paged per row (NaN for a row without windows)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return frame["windows_paged"] / frame["windows"].where(frame["windows"] > 0)


def cluster_by_gap(keys: np.ndarray, minutes: np.ndarray, gap_minutes: float) -> np.ndarray:
    """Incident number (0..n-1) of each flag, flags sorted by key then time: a new incident starts at a key's
    first flag and wherever the time since the key's previous flag exceeds gap_minutes."""
    if len(minutes) == 0:
        return np.zeros(0, dtype=np.int64)
    new = np.r_[True, (keys[1:] != keys[:-1]) | (np.diff(minutes) > gap_minutes)]
    return np.cumsum(new) - 1


def notebook_rule(bucketed: pd.DataFrame, grain_minutes: int, window_hours: float = 48, k: float = 5.0,
                  cluster_gap_hours: float = 24, min_baseline_fraction: float = 0.5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The notebook's plain rule at the grain: (flags, incidents) of every series of `bucketed`.

    A bucket is flagged when |value - mean| > k * std over the series' buckets in [t - window, t) (by time;
    population std), once the series has a whole window of history and at least `min_baseline_fraction`
    of the window's buckets are observed (the project's reading of the notebook with gaps); a flat baseline
    (std 0 up to rounding) flags nothing. Each series is its own service: its flags at most
    `cluster_gap_hours` apart form one incident, which starts at its first flag.
    """
    window = int(round(window_hours * 60 / grain_minutes))
    minutes_all = bucketed["observed_at"].to_numpy().astype("datetime64[m]").astype(np.int64)
    values_all = bucketed["value"].to_numpy(dtype=float)
    codes, _ = pd.MultiIndex.from_frame(bucketed[SERIES_KEY]).factorize()
    flagged = np.zeros(len(values_all), dtype=bool)
    edges = series_edges(codes)
    for start, end in zip(edges[:-1], edges[1:]):
        steps = (minutes_all[start:end] - minutes_all[start]) // grain_minutes
        values = values_all[start:end]
        centred = values - values.mean()
        count, total, squares = time_window_sums(steps, [np.ones_like(centred), centred, centred * centred], window)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = total / count
            std = np.sqrt(np.maximum(squares / count - mean * mean, 0.0))
            scale = np.maximum(np.abs(centred).max(), np.finfo(float).tiny)
            z = (centred - mean) / std
        scored = (steps >= window) & (count >= max(1, np.ceil(min_baseline_fraction * window))) & (std > 1e-9 * scale)
        flagged[start:end] = scored & (np.abs(z) > k)
    flags = bucketed.loc[flagged, [*SERIES_KEY, "observed_at"]].reset_index(drop=True)
    incident = cluster_by_gap(codes[flagged], minutes_all[flagged], cluster_gap_hours * 60)
    incidents = flags.groupby(incident, sort=True).first().rename(columns={"observed_at": "started_at"})
    return flags, incidents.reset_index(drop=True)


def robust_rule(bucketed: pd.DataFrame, robust_params: RobustParams | None = None,
                paging_params: PagingParams | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The package's robust detector at the grain of `robust_params`: (flags, incidents) of every series of
    `bucketed`, each series its own service (NAB's series in one folder are unrelated)."""
    robust_params = robust_params or RobustParams()
    return page_scored(score_frame(bucketed, robust_params), robust_params.grain_minutes, paging_params)


def page_scored(scored: pd.DataFrame, grain_minutes: int, paging_params: PagingParams | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(flags, incidents) from score_frame's output (or a frame of its shape whose z-scores an experiment
    changed), each series its own service."""
    paging_params = paging_params or PagingParams()
    return page_flagged(flag_frame(scored, paging_params), grain_minutes, paging_params)


def page_flagged(scored: pd.DataFrame, grain_minutes: int, paging_params: PagingParams | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """page_scored after the flag rules: (flags, incidents) from a scored frame with `is_anomaly` set (by
    flag_frame, or by an experiment's own rule), each series its own service."""
    paging_params = paging_params or PagingParams()
    flags = scored.loc[scored["is_anomaly"], [*SERIES_KEY, "observed_at"]].reset_index(drop=True)
    scored = scored.loc[scored["is_scored"]]
    own_service = scored.assign(service_name=scored["service_name"] + "/" + scored["metric_name"])
    incidents = summarize_incidents(page_incidents(own_service, grain_minutes, paging_params))
    service, _, metric = incidents["service_name"].str.partition("/").T.to_numpy() if len(incidents) else ([], [], [])
    incidents = pd.DataFrame({"service_name": service, "metric_name": metric, "started_at": incidents["started_at"].to_numpy()})
    return flags, incidents


METHOD_LABELS = {"robust": "robust", "notebook": "notebook"}


def compare(folder: str | Path, grain_minutes: int = 60, robust_params: RobustParams | None = None,
            paging_params: PagingParams | None = None) -> dict[str, pd.DataFrame]:
    """Per-series figures of the robust detector and of the notebook's rule on a labelled folder."""
    metrics, windows = read_folder(folder)
    bucketed = bucket_metrics(metrics, grain_minutes)
    hours = observed_hours(bucketed, grain_minutes)
    robust_params = robust_params or RobustParams(grain_minutes=grain_minutes)
    if robust_params.grain_minutes != grain_minutes:
        raise ValueError("robust_params.grain_minutes differs from grain_minutes")
    results = {}
    for method, (flags, incidents) in {"robust": robust_rule(bucketed, robust_params, paging_params),
                                       "notebook": notebook_rule(bucketed, grain_minutes)}.items():
        results[method] = evaluate(windows, flags, incidents, hours, grain_minutes)
    return results


def _cells(row) -> list[str]:
    delay = "-" if np.isnan(row.median_delay_hours) else f"{row.median_delay_hours:.1f}"
    rate = "-" if np.isnan(row.false_pages_per_1000_hours) else f"{row.false_pages_per_1000_hours:.2f}"
    return [f"{row.windows_paged}/{row.windows}", str(row.windows_flagged), f"{row.false_pages}", rate, delay]


def markdown_text(text: str) -> str:
    """Text for a markdown table cell: a | would split the cell, a line break the row."""
    return " ".join(str(text).splitlines()).replace("|", "\\|")


def side_by_side(results: dict[str, pd.DataFrame], per_series: bool = True) -> str:
    """Markdown table: per series (optional), per NAB folder and in total, each method's figures side by side."""
    methods = list(results)
    figures = ["paged", "flagged", "false pages", "per 1,000 h", "median delay h"]
    header = ["series", "windows", "observed h"] + [f"{f} ({METHOD_LABELS.get(m, m)})" for m in methods for f in figures]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    blocks = []
    if per_series:
        blocks.append([frame.sort_values(SERIES_KEY, ignore_index=True) for frame in results.values()])
    blocks.append([summarize(frame) for frame in results.values()])
    for frames in blocks:
        for rows in zip(*(frame.itertuples() for frame in frames)):
            first = rows[0]
            name = first.service_name if not per_series or "metric_name" not in frames[0] else f"{first.service_name}/{first.metric_name}"
            if getattr(first, "is_total", False):
                name = "**total**"
            cells = [markdown_text(name), str(first.windows), f"{first.observed_hours:,.0f}"]
            for row in rows:
                cells += _cells(row)
            lines.append("| " + " | ".join(cells) + " |")
        per_series = False
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """python -m oncall_analytics.evaluation FOLDER [--grain-minutes 60]: the side-by-side table."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m oncall_analytics.evaluation", description=main.__doc__)
    parser.add_argument("folder", help="labelled folder: metrics.csv.gz and windows.json (nab_dev format)")
    parser.add_argument("--grain-minutes", type=int, default=60, help="detection grain in minutes (default 60)")
    parser.add_argument("--totals-only", action="store_true", help="only the per-folder and total rows")
    args = parser.parse_args(argv)
    print(side_by_side(compare(args.folder, args.grain_minutes), per_series=not args.totals_only))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
