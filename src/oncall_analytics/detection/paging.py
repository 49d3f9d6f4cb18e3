"""From robust scores to flags, and from flags to incidents that page once per problem (issue 15).

**Flags** (`flag_points`, per series, causal: a flag depends on the bucket
and the buckets before it only):
- an *outlier* is a scored bucket with |z| > `anomaly_k`;
- *sustained evidence* (Western Electric rule 2, scaled to k): a scored
  bucket beyond `sustained_k_ratio` x k (2/3 x k: 3.33 at k = 5) that makes
  `sustained_points` (2) of the last `sustained_window_points` (3)
  observations of the series beyond that level on the same side;
- the project's weekly rule excuses a flag that repeats the same time of the
  latest earlier week: |weekly_difference_z| <= t and |weekly_reference_z| > t,
  t being the threshold that flagged it (k, or the sustained level).
  `is_anomaly` = flagged and not excused.

**Incidents** (`page_incidents`, per service): each metric's anomalies are cut
into *episodes* where the metric has been quiet (no anomaly) for more than
`incident_quiet_hours`. Episodes are taken in order of onset (ties: the
strongest |z| at onset first, then peak |z|, then flags; the name only for
identical evidence). An episode joins an open incident of its service (one
whose last anomaly is at most `incident_quiet_hours` before the episode's
onset) when
  1. its metric is already in that incident (the episode then joins that
     metric's row: one row per incident and metric, merge_episodes), or
  2. it starts at most `incident_join_gap_hours` after the incident
     (`'onset_gap'`), or
  3. its z-scores correlate with the incident's root cause (Spearman), |r| >=
     `incident_join_min_abs_correlation` at a lag of 0 to
     `incident_join_max_lag_hours` (root leading), over the span from the
     incident start minus that lag to the episode's last anomaly plus that lag
     (`'correlation'`, with r and the lag shown);
otherwise it opens a new incident: an unrelated metric flagging inside an
open incident pages. An incident ends at its last anomaly and is over when
its metrics have all been quiet for `incident_quiet_hours`. Root cause = the
metric whose episode starts first, ties broken by evidence as above, never
by name.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from oncall_analytics.detection.series import first_rows

SERIES_KEY = ["service_name", "metric_name"]


@dataclass(frozen=True)
class PagingParams:
    """Parameters of the flag and incident rules (each becomes a dbt var of the same name)."""

    anomaly_k: float = 5.0  # outlier when |z| > k
    sustained_k_ratio: float = 2 / 3  # sustained evidence level, as a share of k
    sustained_points: int = 2  # ... this many of
    sustained_window_points: int = 3  # ... the last this many observations beyond it, same side
    incident_quiet_hours: float = 6  # an episode / incident ends after this long without an anomaly
    incident_join_gap_hours: float = 2  # a metric starting this soon after an incident's start joins it
    incident_join_min_abs_correlation: float = 0.6  # a later metric joins when it correlates this well with the root
    incident_join_max_lag_hours: float = 12  # largest lag (root leading) tried for that correlation

    def __post_init__(self):
        if not self.anomaly_k > 0:
            raise ValueError(f"anomaly_k must be positive, got {self.anomaly_k!r}")
        if not 0 < self.sustained_k_ratio <= 1:
            raise ValueError(f"sustained_k_ratio must be in (0, 1], got {self.sustained_k_ratio!r}")
        if not 1 <= self.sustained_points <= self.sustained_window_points:
            raise ValueError("sustained_points must be between 1 and sustained_window_points")
        for name in ("incident_quiet_hours", "incident_join_gap_hours", "incident_join_max_lag_hours"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must not be negative, got {getattr(self, name)!r}")
        if not 0 < self.incident_join_min_abs_correlation <= 1:
            raise ValueError("incident_join_min_abs_correlation must be in (0, 1]")


DEFAULTS = PagingParams()


def flag_points(z_score, weekly_difference_z, weekly_reference_z, series_heads=None,
                params: PagingParams = DEFAULTS) -> dict[str, np.ndarray]:
    """is_outlier, is_sustained, matches_weekly_pattern and is_anomaly of each row.

    Rows are grouped by series and ordered by time; `series_heads` is the first row of each series, in
    ascending order (None: one series). NaN z-scores (unscored buckets) never flag. Only the rows beyond
    the sustained level can flag, a few in a hundred: the rules run on those rows alone.
    """
    z = np.asarray(z_score, dtype=float)
    size = len(z)
    k = float(params.anomaly_k)
    level = k * float(params.sustained_k_ratio)
    # |z| > level as two comparisons: np.abs would be a fresh full-size float array (70 MB a year of 1,000 series)
    candidates = np.flatnonzero((z > level) | (z < -level))
    candidate_z = z[candidates]
    starts = (np.zeros(len(candidates), dtype=np.int64) if series_heads is None
              else first_rows(np.asarray(series_heads, dtype=np.int64), candidates))
    # the last sustained_window_points rows of the candidate's series, the candidate included
    first_in_window = np.maximum(candidates - params.sustained_window_points + 1, starts)
    outlier = np.abs(candidate_z) > k
    sustained = np.zeros(len(candidates), dtype=bool)
    for side in (candidate_z > level, candidate_z < -level):  # beyond the level on the same side
        rows = candidates[side]
        in_window = np.searchsorted(rows, candidates, side="right") - np.searchsorted(rows, first_in_window, side="left")
        sustained |= side & (in_window >= params.sustained_points)
    with np.errstate(invalid="ignore"):
        difference = np.abs(np.asarray(weekly_difference_z, dtype=float)[candidates])
        reference = np.abs(np.asarray(weekly_reference_z, dtype=float)[candidates])
        threshold = np.where(outlier, k, level)
        repeats_last_week = (difference <= threshold) & (reference > threshold)
    flagged = outlier | sustained
    anomaly = flagged & ~repeats_last_week

    def scattered(on_candidates: np.ndarray) -> np.ndarray:
        column = np.zeros(size, dtype=bool)
        column[candidates] = on_candidates
        return column

    return {"is_outlier": scattered(outlier), "is_sustained": scattered(sustained & ~outlier),
            "matches_weekly_pattern": scattered(flagged & ~anomaly), "is_anomaly": scattered(anomaly)}


def episodes(anomalies: pd.DataFrame, quiet_hours: float) -> pd.DataFrame:
    """One row per metric episode from anomaly rows (service_name, metric_name, observed_at, z_score)."""
    if anomalies.empty:
        return pd.DataFrame(columns=[*SERIES_KEY, "onset_at", "onset_z_score", "last_flag_at", "peak_abs_z_score", "flagged_points"])
    rows = anomalies.sort_values([*SERIES_KEY, "observed_at"], ignore_index=True)
    minutes = rows["observed_at"].to_numpy().astype("datetime64[m]").astype(np.int64)
    same_series = (rows["service_name"].to_numpy()[1:] == rows["service_name"].to_numpy()[:-1]) & (
        rows["metric_name"].to_numpy()[1:] == rows["metric_name"].to_numpy()[:-1])
    new = np.r_[True, ~same_series | (np.diff(minutes) > quiet_hours * 60)]
    rows["episode"] = np.cumsum(new) - 1
    rows["abs_z"] = rows["z_score"].abs()
    first = rows[new]
    grouped = rows.groupby("episode")
    return pd.DataFrame({
        "service_name": first["service_name"].to_numpy(), "metric_name": first["metric_name"].to_numpy(),
        "onset_at": first["observed_at"].to_numpy(), "onset_z_score": first["z_score"].to_numpy(),
        "last_flag_at": grouped["observed_at"].max().to_numpy(), "peak_abs_z_score": grouped["abs_z"].max().to_numpy(),
        "flagged_points": grouped.size().to_numpy(),
    })


def lagged_correlation(root: pd.Series, other: pd.Series, max_lag: int) -> tuple[float, int]:
    """(r, lag) with the largest |r| between other(t) and root(t - lag), lag in 0..max_lag steps of the
    common grid: Spearman's rank correlation, so that two unrelated single spikes that happen to line up
    do not count as moving together (Pearson's r of two spikes is 1). The price: ranks of a smooth shape
    line up at neighbouring lags too, so the lag is approximate (evidence, not a measurement). Pairs with
    a missing value are left out; a lag with fewer than 3 pairs or without variance is skipped."""
    best = (0.0, 0)
    for lag in range(max_lag + 1):
        pairs = pd.concat([other, root.shift(lag)], axis=1).dropna()
        if len(pairs) < 3:
            continue
        x, y = pairs.iloc[:, 0].rank().to_numpy(), pairs.iloc[:, 1].rank().to_numpy()
        if x.std() == 0 or y.std() == 0:
            continue
        r = float(np.corrcoef(x, y)[0, 1])
        if abs(r) > abs(best[0]):
            best = (r, lag)
    return best


class _ZScores:
    """z-scores of one (service, metric) by bucket, read from the scores frame on first use only: the
    correlation test is rare, so the frame is grouped once, when it is first needed."""

    def __init__(self, scores: pd.DataFrame):
        self.scores = scores
        self.rows: dict | None = None
        self.cache: dict[tuple[str, str], pd.Series] = {}

    def __call__(self, service: str, metric: str) -> pd.Series:
        if (service, metric) not in self.cache:
            if self.rows is None:
                self.rows = self.scores.groupby(SERIES_KEY).indices
            rows = self.scores.iloc[self.rows[(service, metric)]]
            self.cache[(service, metric)] = pd.Series(rows["z_score"].to_numpy(dtype=float), index=pd.DatetimeIndex(rows["observed_at"]))
        return self.cache[(service, metric)]


def _incident_to_join(episode, open_incidents: list[dict], z_scores: _ZScores, grain_minutes: int,
                      params: PagingParams) -> tuple[dict | None, str, float, float]:
    """(incident, joined_by, r, lag minutes) for an episode: rules 1-3 of the module docstring, or None."""
    onset = np.datetime64(episode.onset_at)
    for incident in reversed(open_incidents):
        if episode.metric_name in incident["metrics"]:
            return incident, "same_metric", np.nan, np.nan   # merged into the metric's row (merge_episodes)
    join_gap = np.timedelta64(int(round(params.incident_join_gap_hours * 60)), "m")
    for incident in reversed(open_incidents):
        if onset - incident["start"] <= join_gap:
            return incident, "onset_gap", np.nan, np.nan
    max_lag = int(params.incident_join_max_lag_hours * 60 // grain_minutes)
    margin = np.timedelta64(max_lag * int(grain_minutes), "m")
    best = (None, "root", np.nan, np.nan)
    for incident in open_incidents:
        grid = pd.date_range(incident["start"] - margin, np.datetime64(episode.last_flag_at) + margin, freq=f"{int(grain_minutes)}min")
        r, lag = lagged_correlation(z_scores(episode.service_name, incident["root"]).reindex(grid),
                                    z_scores(episode.service_name, episode.metric_name).reindex(grid), max_lag)
        if abs(r) >= params.incident_join_min_abs_correlation and not abs(r) <= abs(best[2]):
            best = (incident, "correlation", r, lag * int(grain_minutes))
    return best


def page_incidents(scores: pd.DataFrame, grain_minutes: int, params: PagingParams = DEFAULTS) -> pd.DataFrame:
    """incident_metrics-like rows: one per incident and metric (module docstring).

    `scores`: service_name, metric_name, observed_at (bucket starts), z_score and is_anomaly for every
    scored bucket (the z-scores of the other buckets feed the correlation test). Columns: incident_id,
    service_name, metric_name, onset_at, last_flag_at, onset_z_score, peak_abs_z_score, flagged_points,
    onset_lag_minutes, joined_by, join_correlation, join_lag_minutes, root_cause_rank, is_root_cause.
    """
    anomalies = scores.loc[scores["is_anomaly"].astype(bool), [*SERIES_KEY, "observed_at", "z_score"]]
    if anomalies.empty:
        return empty_incident_metrics()
    found = episodes(anomalies, params.incident_quiet_hours)
    found["onset_abs_z"] = found["onset_z_score"].abs()
    found = found.sort_values(["service_name", "onset_at", "onset_abs_z", "peak_abs_z_score", "flagged_points", "metric_name"],
                              ascending=[True, True, False, False, False, True], ignore_index=True)
    quiet = np.timedelta64(int(round(params.incident_quiet_hours * 60)), "m")
    z_scores = _ZScores(scores)
    assigned: list[tuple[int, str, float, float]] = []
    open_incidents: list[dict] = []
    incident_count = 0
    for episode in found.itertuples():
        onset, last = np.datetime64(episode.onset_at), np.datetime64(episode.last_flag_at)
        open_incidents = [i for i in open_incidents if i["service"] == episode.service_name and onset - i["end"] <= quiet]
        chosen, how, r, lag = _incident_to_join(episode, open_incidents, z_scores, grain_minutes, params)
        if chosen is None:
            incident_count += 1
            chosen = {"id": incident_count, "service": episode.service_name, "start": onset, "end": last,
                      "root": episode.metric_name, "metrics": set()}
            open_incidents.append(chosen)
        chosen["metrics"].add(episode.metric_name)
        chosen["end"] = max(chosen["end"], last)
        assigned.append((chosen["id"], how, r, lag))
    found["incident_key"] = [a[0] for a in assigned]
    found["joined_by"] = [a[1] for a in assigned]
    found["join_correlation"] = [a[2] for a in assigned]
    found["join_lag_minutes"] = [a[3] for a in assigned]
    return _rank(merge_episodes(found))


def merge_episodes(found: pd.DataFrame) -> pd.DataFrame:
    """One row per incident and metric: a metric's later episodes in its incident (rule 1: it flapped, quiet
    longer than incident_quiet_hours while another metric kept the incident open) join its first episode's row,
    which keeps its onset and join evidence and takes the last flag, the peak |z| and the flags of all. Two rows
    of one metric broke incident_metrics' key and failed the hourly build (independent re-implementation trial)."""
    keys = ["incident_key", "metric_name"]
    if not found.duplicated(keys).any():
        return found
    merged = found[~found.duplicated(keys)].copy()   # the first episode of each, in onset order
    totals = found.groupby(keys, sort=False).agg(last_flag_at=("last_flag_at", "max"), peak_abs_z_score=("peak_abs_z_score", "max"),
                                                 flagged_points=("flagged_points", "sum"))
    for column in totals.columns:   # groups in order of first appearance: the rows of `merged`
        merged[column] = totals[column].to_numpy()
    return merged.reset_index(drop=True)


def _rank(found: pd.DataFrame) -> pd.DataFrame:
    """Incident ids 1..n by start (then service), root-cause ranks and onset lags."""
    starts = found.groupby("incident_key").agg(start=("onset_at", "min"), service=("service_name", "first"))
    order = starts.sort_values(["start", "service"]).index
    found["incident_id"] = found["incident_key"].map(pd.Series(np.arange(1, len(order) + 1), index=order)).astype(np.int64)
    found = found.sort_values(["incident_id", "onset_at", "onset_abs_z", "peak_abs_z_score", "flagged_points", "metric_name"],
                              ascending=[True, True, False, False, False, True], ignore_index=True)
    found["root_cause_rank"] = found.groupby("incident_id").cumcount() + 1
    found["is_root_cause"] = found["root_cause_rank"] == 1
    started = found.groupby("incident_id")["onset_at"].transform("min")
    found["onset_lag_minutes"] = ((found["onset_at"] - started) // pd.Timedelta(minutes=1)).astype(np.int64)
    found.loc[found["is_root_cause"], "joined_by"] = "root"
    return found[INCIDENT_METRIC_COLUMNS]


INCIDENT_METRIC_COLUMNS = [
    "incident_id", "service_name", "metric_name", "onset_at", "last_flag_at", "onset_z_score", "peak_abs_z_score",
    "flagged_points", "onset_lag_minutes", "joined_by", "join_correlation", "join_lag_minutes", "root_cause_rank",
    "is_root_cause",
]


def empty_incident_metrics() -> pd.DataFrame:
    types = {"incident_id": "int64", "service_name": "string", "metric_name": "string", "onset_at": "datetime64[ns]",
             "last_flag_at": "datetime64[ns]", "flagged_points": "int64", "onset_lag_minutes": "int64",
             "joined_by": "string", "root_cause_rank": "int64", "is_root_cause": "bool"}
    return pd.DataFrame({c: pd.Series(dtype=types.get(c, "float64")) for c in INCIDENT_METRIC_COLUMNS})


def summarize_incidents(incident_metrics: pd.DataFrame) -> pd.DataFrame:
    """One row per incident: service, start, end, root cause, metrics and flags."""
    if incident_metrics.empty:
        return pd.DataFrame({"incident_id": pd.Series(dtype="int64"), "service_name": pd.Series(dtype="string"),
                             "started_at": pd.Series(dtype="datetime64[ns]"), "ended_at": pd.Series(dtype="datetime64[ns]"),
                             "root_cause_metric": pd.Series(dtype="string"), "metric_count": pd.Series(dtype="int64"),
                             "flagged_points": pd.Series(dtype="int64")})
    grouped = incident_metrics.groupby("incident_id", sort=True)
    roots = incident_metrics[incident_metrics["is_root_cause"]].set_index("incident_id")
    return pd.DataFrame({
        "incident_id": grouped.size().index.to_numpy(), "service_name": grouped["service_name"].first().to_numpy(),
        "started_at": grouped["onset_at"].min().to_numpy(), "ended_at": grouped["last_flag_at"].max().to_numpy(),
        "root_cause_metric": roots.loc[grouped.size().index, "metric_name"].to_numpy(),
        "metric_count": grouped.size().to_numpy(), "flagged_points": grouped["flagged_points"].sum().to_numpy(),
    })


def flag_frame(scored: pd.DataFrame, params: PagingParams = DEFAULTS) -> pd.DataFrame:
    """robust.score_frame() output with the flag columns of flag_points added."""
    flags = flag_points(scored["z_score"], scored["weekly_difference_z"], scored["weekly_reference_z"],
                        np.flatnonzero(scored["series_start"].to_numpy() == np.arange(len(scored))), params)
    return scored.assign(**flags)
