"""Alert budget: what each detector setting (baseline window x threshold k)
would have cost on-call and what it would have caught, scored against the
labelled incidents (stg_oncall__incident_labels).

For each setting the anomaly rule of metric_anomalies is applied to the
precomputed scores, the flags of each service are clustered into pages
(incident_cluster_gap_hours, as in incident_metrics), and pages are matched
with labels: a page overlapping a label of its service is true, any other
page on a labelled service is false (unlabelled services are left out: no
ground truth there). The rule and the clustering repeat a few lines of
metric_anomalies / incident_metrics because self-contained models cannot
share code; python_checks asserts they agree.
Self-contained (no project imports): it must run where local modules cannot.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

HOUR = pd.Timedelta(hours=1)
WEEK = pd.Timedelta(hours=168)
OUTPUT_COLUMNS = [
    "window_hours", "anomaly_k", "flags", "pages", "true_pages", "false_pages", "weeks_of_data",
    "false_pages_per_week", "labelled_incidents", "incidents_caught", "incidents_missed",
    "mean_detection_delay_hours", "is_current_setting", "is_recommended",
]


def is_anomaly(scores: pd.DataFrame, k: float) -> np.ndarray:
    """The anomaly rule of metric_anomalies at threshold k."""
    outlier = (scores["z_score"].abs() > k).to_numpy()
    repeats_last_week = ((scores["weekly_difference_z"].abs() <= k) & (scores["weekly_reference_z"].abs() > k)).to_numpy()
    return outlier & ~repeats_last_week


def cluster_pages(flags: pd.DataFrame, gap_hours: float) -> pd.DataFrame:
    """Pages (service_name, page_start, page_end) from flags (service_name, observed_at)."""
    flags = flags.sort_values(["service_name", "observed_at"], ignore_index=True)
    gap = flags.groupby("service_name")["observed_at"].diff()
    flags["page"] = (gap.isna() | (gap > gap_hours * HOUR)).cumsum()
    return flags.groupby("page").agg(service_name=("service_name", "first"), page_start=("observed_at", "min"),
                                     page_end=("observed_at", "max")).reset_index(drop=True)


def evaluate_setting(flags: pd.DataFrame, labels: pd.DataFrame, gap_hours: float) -> dict:
    """Counts for one setting; `flags` are the anomalous (service_name, observed_at) rows on labelled services."""
    pages = cluster_pages(flags, gap_hours) if len(flags) else pd.DataFrame(columns=["service_name", "page_start", "page_end"])
    pairs = pages.reset_index().merge(labels.reset_index(), on="service_name", suffixes=("_page", "_label"))
    overlapping = pairs[(pairs["page_start"] <= pairs["ended_at"]) & (pairs["page_end"] >= pairs["started_at"])]
    true_pages = overlapping["index_page"].nunique()
    in_label = flags.merge(labels.reset_index(), on="service_name")
    in_label = in_label[(in_label["observed_at"] >= in_label["started_at"]) & (in_label["observed_at"] <= in_label["ended_at"])]
    first_flag = in_label.groupby("index")["observed_at"].min()
    delays = (first_flag - labels.loc[first_flag.index, "started_at"]) / HOUR
    caught = overlapping["index_label"].nunique()
    return {
        "flags": int(len(flags)), "pages": int(len(pages)), "true_pages": int(true_pages),
        "false_pages": int(len(pages) - true_pages), "labelled_incidents": int(len(labels)),
        "incidents_caught": int(caught), "incidents_missed": int(len(labels) - caught),
        "mean_detection_delay_hours": float(delays.mean()) if len(delays) else np.nan,
    }


def alert_budget(scores: pd.DataFrame, labels: pd.DataFrame, ks: list[float], gap_hours: float,
                 current_window: int, current_k: float) -> pd.DataFrame:
    """One row per (window_hours, k) of the grid."""
    labels = labels.assign(started_at=pd.to_datetime(labels["started_at"]), ended_at=pd.to_datetime(labels["ended_at"])).reset_index(drop=True)
    scores = scores[scores["service_name"].isin(labels["service_name"])].assign(observed_at=lambda s: pd.to_datetime(s["observed_at"]))
    spans = scores.groupby("service_name")["observed_at"].agg(["min", "max"])
    weeks = float(((spans["max"] - spans["min"] + HOUR) / WEEK).sum()) if len(spans) else 0.0
    rows = []
    for window, window_scores in scores.groupby("window_hours"):
        for k in ks:
            flags = window_scores.loc[is_anomaly(window_scores, k), ["service_name", "observed_at"]]
            rows.append({"window_hours": int(window), "anomaly_k": float(k), "weeks_of_data": weeks,
                         **evaluate_setting(flags, labels, gap_hours)})
    budget = pd.DataFrame(rows, columns=[c for c in OUTPUT_COLUMNS if c not in ("false_pages_per_week", "is_current_setting", "is_recommended")])
    budget["false_pages_per_week"] = budget["false_pages"] / weeks if weeks else np.nan
    budget["is_current_setting"] = (budget["window_hours"] == current_window) & np.isclose(budget["anomaly_k"], current_k)
    ranked = budget.sort_values(["incidents_missed", "false_pages", "mean_detection_delay_hours", "anomaly_k", "window_hours"],
                                ascending=[True, True, True, False, True], na_position="last")
    budget["is_recommended"] = budget.index == (ranked.index[0] if len(ranked) else -1)
    return budget.sort_values(["window_hours", "anomaly_k"], ignore_index=True)[OUTPUT_COLUMNS]


# Edges of the model, identical in every Python model of the project (a test
# keeps them alike): what dbt.ref() returns differs by warehouse, so each input
# is converted to pandas once, on the way in, and the result once, on the way out.
def as_pandas(frame) -> pd.DataFrame:
    """pandas from what dbt.ref() gives: a DuckDB relation, a Spark or Snowpark DataFrame, or pandas."""
    if isinstance(frame, pd.DataFrame):
        return frame
    for method in ("toPandas", "to_pandas", "df"):  # Spark; Snowpark and pandas-on-Spark; DuckDB
        if callable(getattr(type(frame), method, None)):
            return getattr(frame, method)()
    raise TypeError(f"dbt.ref() returned a {type(frame).__name__}, which this model cannot read")


def to_warehouse_frame(result: pd.DataFrame, session):
    """The result in the form the adapter writes: pandas with microsecond timestamps (DuckDB
    TIMESTAMP like the SQL models; Snowpark takes pandas too), or on Spark a Spark DataFrame
    with an explicit schema, so that an empty result keeps its column types."""
    result = result.astype({c: "datetime64[us]" for c in result.select_dtypes("datetime").columns})
    if not callable(getattr(type(session), "createDataFrame", None)) or hasattr(session, "write_pandas"):
        return result
    spark_types = {"b": "boolean", "i": "bigint", "u": "bigint", "f": "double", "M": "timestamp"}
    schema = ", ".join(f"`{name}` {spark_types.get(dtype.kind, 'string')}" for name, dtype in result.dtypes.items())
    values = result.astype(object)
    for column in result.select_dtypes("datetime").columns:  # Spark takes datetime.datetime, not pandas Timestamps
        values[column] = pd.Series(result[column].to_numpy().astype("datetime64[us]").astype(object), index=result.index, dtype=object)
    rows = values.where(result.notna(), None).itertuples(index=False, name=None)
    return session.createDataFrame(list(rows), schema=schema)


def model(dbt, session):
    dbt.config(materialized="table")
    parameters = as_pandas(dbt.ref("int_detection__parameters")).iloc[0]
    ks = [float(k) for k in str(parameters["alert_budget_k_grid"]).split(",")]
    current_k = float(parameters["anomaly_k"])
    windows = [int(w) for w in str(parameters["alert_budget_window_grid"]).split(",")]
    scores = as_pandas(dbt.ref("int_metrics__anomaly_scores"))
    scores = scores[scores["window_hours"].isin(windows)]
    result = alert_budget(scores, as_pandas(dbt.ref("stg_oncall__incident_labels")), sorted(set(ks)),
                        float(parameters["incident_cluster_gap_hours"]), int(parameters["anomaly_window_hours"]), current_k)
    return to_warehouse_frame(result, session)
