"""Step 9 of the troubleshooting guide: completion of business workflows.

The guide hands the raw workflow rows to a "code interpreter"; this model is
that analysis, written once: one row per (scenario, business criticality)
with its completion rate, failing steps, business impact and status. Pure,
vectorised functions (tested on their own in python_checks) and a thin
`model()` for dbt. Self-contained: no project imports, so it runs wherever
dbt runs Python.
"""
from __future__ import annotations

import os

# numpy's first import sets OPENBLAS_MAIN_FREE / GOTOBLAS_MAIN_FREE and deletes
# them afterwards; two dbt threads importing it at once can then fail with
# KeyError('OPENBLAS_MAIN_FREE'). Set them first so this import touches neither.
os.environ.setdefault("OPENBLAS_MAIN_FREE", "1")
os.environ.setdefault("GOTOBLAS_MAIN_FREE", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

CRITICALITY_WEIGHT = {"CRITICAL": 10, "HIGH": 5, "MEDIUM": 2, "LOW": 1}
OUTPUT_COLUMNS = {
    "scenario_name": "string", "business_criticality": "string", "total_workflows": "int64",
    "completed_workflows": "int64", "failed_workflows": "int64", "compensated_workflows": "int64",
    "in_progress_workflows": "int64", "completion_rate": "float64", "affected_users": "int64",
    "avg_workflow_time_ms": "float64", "total_retry_attempts": "int64", "top_failing_step": "string",
    "top_failing_step_failures": "int64", "failing_steps": "string", "business_impact_score": "float64",
    "scenario_status": "string",
}


def parse_threshold(value) -> float:
    """The completion threshold (percent) from the model's config, validated."""
    try:
        threshold = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"Invalid var 'tsg_workflow_critical_completion_pct': got {value!r}; expected a number >= 0 and <= 100.") from None
    if not 0 <= threshold <= 100:
        raise ValueError(f"Invalid var 'tsg_workflow_critical_completion_pct': got {value!r}; expected a number >= 0 and <= 100.")
    return threshold


def workflow_outcomes(steps: pd.DataFrame) -> pd.DataFrame:
    """One row per workflow: its scenario, criticality, user, outcome, failing step, time and retries.

    Outcome: COMPENSATED if any step was compensated, else FAILED if any step
    failed, else IN_PROGRESS if its latest step is still in progress, else COMPLETED.
    """
    columns = ["workflow_id", "scenario_name", "business_criticality", "user_id", "outcome",
               "failing_step", "workflow_time_ms", "retry_attempts"]
    if steps.empty:
        return pd.DataFrame(columns=columns)
    ordered = steps.sort_values(["workflow_id", "step_at", "correlation_id"], kind="stable")
    grouped = ordered.groupby("workflow_id", sort=True)
    latest = grouped.tail(1).set_index("workflow_id")
    status = ordered["workflow_status"]
    any_compensated = status.eq("COMPENSATED").groupby(ordered["workflow_id"]).any()
    any_failed = status.eq("FAILED").groupby(ordered["workflow_id"]).any()
    failing_step = ordered.loc[status.eq("FAILED")].groupby("workflow_id")["workflow_step"].first()

    outcomes = pd.DataFrame(index=latest.index)
    outcomes["scenario_name"] = latest["scenario_name"]
    outcomes["business_criticality"] = latest["business_criticality"]
    outcomes["user_id"] = latest["user_id"]
    outcomes["outcome"] = np.select(
        [any_compensated.reindex(outcomes.index).to_numpy(),
         any_failed.reindex(outcomes.index).to_numpy(),
         latest["workflow_status"].eq("IN_PROGRESS").to_numpy()],
        ["COMPENSATED", "FAILED", "IN_PROGRESS"],
        default="COMPLETED",
    )
    outcomes["failing_step"] = failing_step.reindex(outcomes.index)
    outcomes["workflow_time_ms"] = grouped["total_workflow_time_ms"].max()
    outcomes["retry_attempts"] = grouped["retry_attempts"].sum(min_count=1).fillna(0)
    return outcomes.reset_index()[columns]


def failing_step_summary(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per scenario and criticality: the step that failed most, how often, and every failing step with its count."""
    keys = ["scenario_name", "business_criticality"]
    failed = outcomes.dropna(subset=["failing_step"])
    if failed.empty:
        return pd.DataFrame(columns=keys + ["top_failing_step", "top_failing_step_failures", "failing_steps"])
    counts = (failed.groupby(keys + ["failing_step"]).size().rename("failures").reset_index()
              .sort_values(keys + ["failures", "failing_step"], ascending=[True, True, False, True], kind="stable"))
    counts["item"] = counts["failing_step"] + ": " + counts["failures"].astype(str)
    summary = counts.groupby(keys, sort=False).agg(
        top_failing_step=("failing_step", "first"),
        top_failing_step_failures=("failures", "first"),
        failing_steps=("item", "; ".join),
    )
    return summary.reset_index()


def scenario_completion(outcomes: pd.DataFrame, critical_completion_pct: float) -> pd.DataFrame:
    """Completion per scenario and criticality, with the guide's CRITICAL_SCENARIO_FAILING decision.

    completion_rate = completed / finished workflows, in percent; workflows still
    in progress have no outcome yet and are left out of the rate (the guide
    divides by all workflows, which counts a checkout still running as a failure).
    """
    keys = ["scenario_name", "business_criticality"]
    if outcomes.empty:
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in OUTPUT_COLUMNS.items()})
    flags = outcomes.assign(
        completed=outcomes["outcome"].eq("COMPLETED"),
        failed=outcomes["outcome"].eq("FAILED"),
        compensated=outcomes["outcome"].eq("COMPENSATED"),
        in_progress=outcomes["outcome"].eq("IN_PROGRESS"),
        unsuccessful_user=outcomes["user_id"].where(outcomes["outcome"].isin(["FAILED", "COMPENSATED"])),
        completed_time_ms=outcomes["workflow_time_ms"].where(outcomes["outcome"].eq("COMPLETED")),
    )
    scenarios = flags.groupby(keys).agg(
        total_workflows=("workflow_id", "size"),
        completed_workflows=("completed", "sum"),
        failed_workflows=("failed", "sum"),
        compensated_workflows=("compensated", "sum"),
        in_progress_workflows=("in_progress", "sum"),
        affected_users=("unsuccessful_user", "nunique"),
        avg_workflow_time_ms=("completed_time_ms", "mean"),
        total_retry_attempts=("retry_attempts", "sum"),
    ).reset_index()
    finished = scenarios["total_workflows"] - scenarios["in_progress_workflows"]
    scenarios["completion_rate"] = (100.0 * scenarios["completed_workflows"] / finished.where(finished > 0))
    weight = scenarios["business_criticality"].map(CRITICALITY_WEIGHT).fillna(1)
    scenarios["business_impact_score"] = (
        scenarios["affected_users"] * weight * (100.0 - scenarios["completion_rate"]) / 100.0
    )
    below = scenarios["completion_rate"] < critical_completion_pct
    scenarios["scenario_status"] = np.select(
        [scenarios["completion_rate"].isna(),
         below & scenarios["business_criticality"].eq("CRITICAL"),
         below],
        ["NO_FINISHED_WORKFLOWS", "CRITICAL_SCENARIO_FAILING", "DEGRADED"],
        default="HEALTHY",
    )
    scenarios = scenarios.merge(failing_step_summary(outcomes), on=keys, how="left")
    scenarios["top_failing_step_failures"] = scenarios["top_failing_step_failures"].fillna(0)
    scenarios = scenarios.sort_values(["business_impact_score", "scenario_name"], ascending=[False, True],
                                      na_position="last", kind="stable")
    return scenarios[list(OUTPUT_COLUMNS)].astype(OUTPUT_COLUMNS).reset_index(drop=True)


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
    threshold = parse_threshold(dbt.config.get("critical_completion_pct"))
    steps = as_pandas(dbt.ref("int_gateway__workflow_steps_in_scope"))
    return to_warehouse_frame(scenario_completion(workflow_outcomes(steps), threshold), session)
