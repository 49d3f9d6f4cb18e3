"""Experiments behind the detector's defaults (issue 15), on a labelled folder in the nab_dev format.

Every experiment runs the package's detector (oncall_analytics.detection.robust + paging) or the
notebook's rule through oncall_analytics.evaluation and returns small frames; nab_report.py turns them
into the dated markdown report. Runs are cached by their settings.
"""
from __future__ import annotations

from dataclasses import fields
from functools import lru_cache

import numpy as np
import pandas as pd

from oncall_analytics import evaluation as ev
from oncall_analytics.detection.paging import PagingParams, flag_frame
from oncall_analytics.detection.robust import RobustParams, score_frame

ROBUST_NAMES = {f.name for f in fields(RobustParams)}
PAGING_NAMES = {f.name for f in fields(PagingParams)}


class Folder:
    """A labelled folder, bucketed once per grain; `robust(**settings)` and `notebook(grain, k)` give per-series figures."""

    def __init__(self, path: str):
        self.metrics, self.windows = ev.read_folder(path)
        self._bucketed: dict[int, tuple[pd.DataFrame, pd.Series]] = {}
        self.robust = lru_cache(maxsize=None)(self._robust)
        self.notebook = lru_cache(maxsize=None)(self._notebook)

    def bucketed(self, grain: int) -> tuple[pd.DataFrame, pd.Series]:
        if grain not in self._bucketed:
            frame = ev.bucket_metrics(self.metrics, grain)
            self._bucketed[grain] = (frame, ev.observed_hours(frame, grain))
        return self._bucketed[grain]

    def _robust(self, **settings) -> pd.DataFrame:
        grain = int(settings.get("grain_minutes", 60))
        unknown = set(settings) - ROBUST_NAMES - PAGING_NAMES
        if unknown:
            raise ValueError(f"unknown settings {sorted(unknown)}")
        robust = RobustParams(**{k: v for k, v in settings.items() if k in ROBUST_NAMES})
        paging = PagingParams(**{k: v for k, v in settings.items() if k in PAGING_NAMES})
        frame, hours = self.bucketed(grain)
        return ev.evaluate(self.windows, *ev.robust_rule(frame, robust, paging), hours, grain)

    def _notebook(self, grain: int = 60, k: float = 5.0) -> pd.DataFrame:
        frame, hours = self.bucketed(grain)
        return ev.evaluate(self.windows, *ev.notebook_rule(frame, grain, k=k), hours, grain)


def total(per_series: pd.DataFrame) -> pd.Series:
    return ev.summarize(per_series).set_index("service_name").loc["total"]


def by_folder(per_series: pd.DataFrame) -> pd.Series:
    """windows paged per NAB folder."""
    return ev.summarize(per_series).set_index("service_name")["windows_paged"].drop("total")


def figures(per_series: pd.DataFrame) -> dict:
    """The total row as plain numbers, plus the paged windows per folder."""
    row = total(per_series)
    return {"paged": int(row.windows_paged), "windows": int(row.windows), "flagged": int(row.windows_flagged),
            "false_pages": int(row.false_pages), "per_1000_h": float(row.false_pages_per_1000_hours),
            "median_delay_h": float(row.median_delay_hours), "folders": by_folder(per_series).to_dict()}


def series_changes(before: pd.DataFrame, after: pd.DataFrame) -> str:
    """Series whose paged windows or false pages differ: 'metric +paged/-false' terms."""
    joined = before.merge(after, on=ev.SERIES_KEY, suffixes=("_before", "_after"))
    terms = []
    for row in joined.itertuples():
        paged = row.windows_paged_after - row.windows_paged_before
        false = row.false_pages_after - row.false_pages_before
        if paged or false:
            terms.append(f"{row.metric_name} ({paged:+d} paged, {false:+d} false)")
    return "; ".join(terms) or "none"


CURVE_KS = tuple(np.arange(3.0, 10.01, 0.5))
PARITY_KS = tuple(np.arange(3.0, 10.01, 0.25))


def operating_curve(folder: Folder, ks=CURVE_KS, grain: int = 60) -> pd.DataFrame:
    """Paged windows and false pages of both methods as k varies (everything else at its default)."""
    rows = []
    for k in ks:
        for method, result in (("robust", folder.robust(grain_minutes=grain, anomaly_k=float(k))),
                               ("notebook", folder.notebook(grain, float(k)))):
            rows.append({"method": method, "k": float(k), **figures(result)})
    return pd.DataFrame(rows)


def best_within(curve: pd.DataFrame, budget: float) -> pd.DataFrame:
    """Per method: the most windows paged with at most `budget` false pages per 1,000 h (then fewest false pages)."""
    within = curve[curve["per_1000_h"] <= budget]
    return within.sort_values(["paged", "per_1000_h"], ascending=[False, True]).groupby("method").head(1)


def folder_parity(folder: Folder, ks=PARITY_KS) -> pd.DataFrame:
    """Per NAB folder: the notebook's paged windows and false pages at k = 5, the default's, and the robust
    detector's best paged windows at a k whose false pages in that folder do not exceed the notebook's."""
    notebook = ev.summarize(folder.notebook(60, 5.0)).set_index("service_name").drop("total")
    default = ev.summarize(folder.robust()).set_index("service_name").drop("total")
    sweeps = [ev.summarize(folder.robust(anomaly_k=float(k))).set_index("service_name").drop("total").assign(k=k) for k in ks]
    rows = []
    for name in notebook.index:
        options = [(int(s.loc[name, "windows_paged"]), -float(s.loc[name, "k"]), s) for s in sweeps
                   if s.loc[name, "false_pages"] <= notebook.loc[name, "false_pages"]]
        paged, minus_k, _ = max(options) if options else (0, np.nan, None)
        rows.append({"folder": name, "windows": int(notebook.loc[name, "windows"]),
                     "notebook paged": int(notebook.loc[name, "windows_paged"]), "notebook false": int(notebook.loc[name, "false_pages"]),
                     "default paged": int(default.loc[name, "windows_paged"]), "default false": int(default.loc[name, "false_pages"]),
                     "robust paged at <= notebook false": paged, "at k": -minus_k})
    return pd.DataFrame(rows)


ABLATION_PATH = [  # from the notebook's rule to the default, one choice at a time
    ("robust centre and MAD-type scale (median |residual| per day, median day), 48 h memory, quiet 24 h, no profile, no sustained rule",
     dict(scale_quantile=0.5, scale_day_quantile=0.5, scale_hours=48, seasonal_scale_ratio=0.0, sustained_k_ratio=1.0, incident_quiet_hours=24)),
    ("+ tail-calibrated scale (q 0.99 per day, 90th-percentile day)",
     dict(scale_hours=48, seasonal_scale_ratio=0.0, sustained_k_ratio=1.0, incident_quiet_hours=24)),
    ("+ 14-day scale memory", dict(seasonal_scale_ratio=0.0, sustained_k_ratio=1.0, incident_quiet_hours=24)),
    ("+ daily profile when real", dict(sustained_k_ratio=1.0, incident_quiet_hours=24)),
    ("+ sustained rule (2 of 3 beyond 2/3 k)", dict(incident_quiet_hours=24)),
    ("+ incidents end after 6 quiet hours (the default)", dict()),
]
LEAVE_ONE_OUT = [
    ("without the daily profile", dict(seasonal_scale_ratio=0.0)),
    ("without the sustained rule", dict(sustained_k_ratio=1.0)),
    ("MAD-type scale instead of the tail-calibrated one", dict(scale_quantile=0.5, scale_day_quantile=0.5)),
    ("the worst day of the fortnight instead of the 90th-percentile day", dict(scale_day_quantile=1.0)),
    ("48 h scale memory instead of 14 days", dict(scale_hours=48)),
    ("quiet time 24 h (the notebook's gap) instead of 6 h", dict(incident_quiet_hours=24)),
]


def ablation(folder: Folder) -> pd.DataFrame:
    rows = [{"step": "notebook rule (mean/std over 48 h, k 5, 24 h clusters)", **figures(folder.notebook(60, 5.0)), "changed series": ""}]
    previous = folder.notebook(60, 5.0)
    for name, settings in ABLATION_PATH:
        result = folder.robust(**settings)
        rows.append({"step": name, **figures(result), "changed series": series_changes(previous, result)})
        previous = result
    default = folder.robust()
    for name, settings in LEAVE_ONE_OUT:
        result = folder.robust(**settings)
        rows.append({"step": f"default {name}", **figures(result), "changed series": series_changes(default, result)})
    return pd.DataFrame(rows)


SENSITIVITY = {
    "anomaly_k": [4.0, 4.5, 5.0, 5.5, 6.0],
    "baseline_hours": [24, 48, 96],
    "scale_hours": [168, 336, 672],
    "scale_quantile": [0.95, 0.98, 0.99, 0.995],
    "scale_day_quantile": [0.75, 0.8, 0.9, 1.0],
    "min_history_hours": [12, 24, 48],
    "seasonal_days": [4, 7, 14],
    "seasonal_min_days": [2, 3, 4],
    "seasonal_scale_ratio": [0.5, 0.7, 0.9],
    "sustained_k_ratio": [0.6, 2 / 3, 0.75],
    "sustained_window_points": [3, 4],
    "incident_quiet_hours": [3, 6, 12, 24],
}


def sensitivity(folder: Folder) -> pd.DataFrame:
    defaults = {**{f.name: f.default for f in fields(RobustParams)}, **{f.name: f.default for f in fields(PagingParams)}}
    rows = []
    for name, values in SENSITIVITY.items():
        for value in values:
            result = folder.robust(**{name: value})
            rows.append({"parameter": name, "value": f"{value:g}", "is_default": bool(np.isclose(value, defaults[name])), **figures(result)})
    return pd.DataFrame(rows)


LOFO_GRID = [dict(anomaly_k=k, scale_day_quantile=q) for k in (4.0, 4.5, 5.0, 5.5, 6.0) for q in (0.8, 0.9, 1.0)]


def leave_one_folder_out(folder: Folder, budget: float = 1.0) -> pd.DataFrame:
    """For each NAB folder: k and scale_day_quantile chosen on the other folders (most windows paged with at
    most `budget` false pages per 1,000 h there), then that choice's figures on the held-out folder."""
    runs = [(settings, ev.summarize(folder.robust(**settings)).set_index("service_name").drop("total")) for settings in LOFO_GRID]
    default = ev.summarize(folder.robust()).set_index("service_name").drop("total")
    rows = []
    for held_out in default.index:
        scored = []
        for settings, result in runs:
            train = result.drop(held_out)
            rate = 1000 * train["false_pages"].sum() / train["observed_hours"].sum()
            scored.append((rate <= budget, int(train["windows_paged"].sum()), -rate, settings, result))
        _, train_paged, minus_rate, settings, result = max(scored, key=lambda s: s[:3])
        held = result.loc[held_out]
        rows.append({"held-out folder": held_out, "chosen on the others": ", ".join(f"{k}={v}" for k, v in settings.items()),
                     "others: paged": train_paged, "others: false/1000 h": round(-minus_rate, 2),
                     "held-out paged": f"{int(held.windows_paged)}/{int(held.windows)}", "held-out false": int(held.false_pages),
                     "default on held-out": f"{int(default.loc[held_out, 'windows_paged'])}/{int(default.loc[held_out, 'windows'])}, "
                                            f"{int(default.loc[held_out, 'false_pages'])} false"})
    return pd.DataFrame(rows)


def grains(folder: Folder, values=(5, 15, 30, 60, 120)) -> pd.DataFrame:
    rows = []
    for grain in values:
        rows.append({"grain_minutes": grain, "method": "robust", **figures(folder.robust(grain_minutes=grain))})
        rows.append({"grain_minutes": grain, "method": "notebook", **figures(folder.notebook(grain, 5.0))})
    return pd.DataFrame(rows)


def _bucket_extreme(metrics: pd.DataFrame, grain: int, how: str) -> pd.DataFrame:
    """Per series and bucket: the smallest or largest observation (how = 'min' or 'max'), like bucket_metrics' mean."""
    finite = metrics[np.isfinite(metrics["value"].to_numpy(dtype=float))]
    bucketed = finite.assign(observed_at=ev.floor_to_grain(finite["observed_at"], grain).astype("datetime64[ns]"))
    return bucketed.groupby([*ev.SERIES_KEY, "observed_at"], as_index=False, sort=True)["value"].agg(how)


def with_bucket_extremes(folder: Folder, extreme_ratio: float, grain: int = 60) -> pd.DataFrame:
    """score_frame's output on the bucket means, whose z-score becomes the largest in |.| of the mean's z and
    the bucket minimum's and maximum's z (each scored as its own series) divided by `extreme_ratio`: does
    scoring a bucket's extremes find the short spikes an hourly mean hides (issue 15, "Hourly averaging")?"""
    frame, _ = folder.bucketed(grain)
    params = RobustParams(grain_minutes=grain)
    scored = [score_frame(frame, params)] + [score_frame(_bucket_extreme(folder.metrics, grain, how), params) for how in ("min", "max")]
    z = np.stack([scored[0]["z_score"].to_numpy(), *(s["z_score"].to_numpy() / extreme_ratio for s in scored[1:])])
    pick = np.argmax(np.where(np.isnan(z), -1.0, np.abs(z)), axis=0)
    return scored[0].assign(z_score=np.take_along_axis(z, pick[None, :], axis=0)[0])


def with_log_of_positive_series(folder: Folder, grain: int = 60) -> pd.DataFrame:
    """score_frame's output on log(value) for every series whose values are all positive (a whole-series
    choice, so not causal: an upper bound of what a variance-stabilising transform could give)."""
    frame, _ = folder.bucketed(grain)
    positive = frame.groupby(ev.SERIES_KEY)["value"].transform("min").to_numpy() > 0
    logged = frame.assign(value=np.where(positive, np.log(np.where(positive, frame["value"], 1.0)), frame["value"]))
    return score_frame(logged, RobustParams(grain_minutes=grain))


def cusum_flags(scored: pd.DataFrame, drift: float, decision: float) -> np.ndarray:
    """Two-sided CUSUM of each series' z-scores (Page 1954): S+ = max(0, S+ + z - drift), S- = max(0, S- - z -
    drift) over the scored buckets in time order, reset at each series' first row; a bucket is flagged while
    either sum exceeds `decision`. Evidence that accumulates over hours of z just under k."""
    z = scored["z_score"].to_numpy(dtype=float)
    first = scored["series_start"].to_numpy() == np.arange(len(z))
    flagged = np.zeros(len(z), dtype=bool)
    high = low = 0.0
    for i, value in enumerate(z):
        if first[i]:
            high = low = 0.0
        if value != value:  # unscored: no evidence either way
            continue
        high, low = max(0.0, high + value - drift), max(0.0, low - value - drift)
        flagged[i] = high > decision or low > decision
    return flagged


def page_with_cusum(folder: Folder, drift: float, decision: float, k: float, grain: int = 60) -> pd.DataFrame:
    """The default's flags at k, or-ed with cusum_flags, paged by the default's incident rule."""
    frame, hours = folder.bucketed(grain)
    params = PagingParams(anomaly_k=k)
    scored = flag_frame(score_frame(frame, RobustParams(grain_minutes=grain)), params)
    scored["is_anomaly"] = scored["is_anomaly"].to_numpy() | cusum_flags(scored, drift, decision)
    return ev.evaluate(folder.windows, *ev.page_flagged(scored, grain, params), hours, grain)


FRONTIER_GRID = [dict(anomaly_k=k, scale_hours=hours, scale_day_quantile=q, min_history_hours=history)
                 for k in (4.0, 4.5, 5.0, 5.5, 6.0, 7.0)
                 for hours, q in ((96, 0.75), (168, 0.85), (240, 0.8), (240, 0.9), (336, 0.8), (336, 0.9))
                 for history in (24, 48, 72)]


def frontier(folder: Folder, budgets=(1.0, 1.5, 2.0, 3.0)) -> pd.DataFrame:
    """The most windows any setting of FRONTIER_GRID (k x scale memory x its day quantile x history needed:
    216 settings) pages within each false-page budget, and that setting: an upper bound of what tuning these
    parameters on this folder could give, since it is chosen on the very data it is scored on."""
    runs = [(settings, figures(folder.robust(**settings))) for settings in FRONTIER_GRID]
    rows = []
    for budget in budgets:
        within = [(f["paged"], -f["per_1000_h"], settings, f) for settings, f in runs if f["per_1000_h"] <= budget]
        paged, _, settings, best = max(within, key=lambda r: r[:2])
        rows.append({"budget": budget, "settings within it": sum(1 for _ in within), "most paged": paged,
                     "per_1000_h": best["per_1000_h"], "folders": " / ".join(str(v) for v in best["folders"].values()),
                     "setting": ", ".join(f"{k}={v:g}" for k, v in settings.items())})
    return pd.DataFrame(rows)


ALTERNATIVE_KS = (4.0, 4.5, 5.0, 5.5, 6.0, 7.0)
CUSUM_SETTINGS = ((1.0, 8.0), (1.5, 12.0))  # (drift, decision) in units of the robust scale


def alternatives(folder: Folder, grain: int = 60) -> pd.DataFrame:
    """Ideas tried and not kept, each over k so it is compared with the default at equal false pages."""
    _, hours = folder.bucketed(grain)
    variants = [("default", score_frame(folder.bucketed(grain)[0], RobustParams(grain_minutes=grain)))]
    variants += [(f"bucket min and max scored too (their z / {ratio:g})", with_bucket_extremes(folder, ratio, grain)) for ratio in (1.0, 1.4, 2.0)]
    variants += [("log of strictly positive series", with_log_of_positive_series(folder, grain))]
    rows = []
    for name, scored in variants:
        for k in ALTERNATIVE_KS:
            result = ev.evaluate(folder.windows, *ev.page_scored(scored, grain, PagingParams(anomaly_k=k)), hours, grain)
            rows.append({"variant": name, "k": k, **figures(result)})
    for drift, decision in CUSUM_SETTINGS:
        for k in ALTERNATIVE_KS:
            rows.append({"variant": f"CUSUM of z (drift {drift:g}, decision {decision:g}) or-ed with the default's flags", "k": k,
                         **figures(page_with_cusum(folder, drift, decision, k, grain))})
    return pd.DataFrame(rows)


def missed_windows(folder: Folder, grain: int = 60) -> pd.DataFrame:
    """Every window the default does not page: how long it is, how many of its buckets were scored, the most
    extreme z-score inside (signed) and whether the notebook's rule pages it: why it is missed."""
    frame, hours = folder.bucketed(grain)
    scored = score_frame(frame, RobustParams(grain_minutes=grain)).set_index(ev.SERIES_KEY)
    flags, incidents = ev.page_scored(scored.reset_index(), grain)
    _, notebook_incidents = ev.notebook_rule(frame, grain)

    def pages(starts: pd.DataFrame, key, low, high) -> bool:
        series = starts[(starts["service_name"] == key[0]) & (starts["metric_name"] == key[1])]["started_at"]
        return bool(((series >= low) & (series <= high)).any())

    rows = []
    for key, spans in folder.windows.items():
        series = scored.loc[[key]] if key in scored.index else scored.iloc[:0]
        for start, end in spans:
            low, high = (pd.Timestamp(t).floor(f"{grain}min") for t in (start, end))
            if pages(incidents, key, low, high):
                continue
            inside = series[(series["observed_at"] >= low) & (series["observed_at"] <= high)]
            z = inside["z_score"].to_numpy(dtype=float)
            extreme = float(z[np.nanargmax(np.abs(z))]) if np.isfinite(z).any() else np.nan
            rows.append({"series": f"{key[0]}/{key[1]}", "window": f"{low:%Y-%m-%d %H:%M} - {high:%Y-%m-%d %H:%M}",
                         "buckets": len(inside), "scored": int(inside["is_scored"].sum()), "most extreme z": round(extreme, 2),
                         "notebook pages it": pages(notebook_incidents, key, low, high)})
    return pd.DataFrame(rows)
