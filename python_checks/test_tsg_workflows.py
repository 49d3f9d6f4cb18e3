"""Step 9 of the troubleshooting guide: the Python model's functions on small
frames, and its output on the shipped incident."""
from __future__ import annotations

import pandas as pd
import pytest

from conftest import load_model_module

workflows = load_model_module("models/marts/tsg/tsg_step09_workflows.py")


def _steps(rows):
    columns = ["correlation_id", "workflow_id", "scenario_name", "workflow_step", "workflow_status",
               "business_criticality", "total_workflow_time_ms", "retry_attempts", "user_id", "step_at"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["step_at"] = pd.to_datetime(frame["step_at"])
    return frame


def _workflow(workflow_id, statuses, scenario="checkout_flow", criticality="CRITICAL", user="u1", steps=None):
    """Rows of one workflow, one per status, a second apart."""
    steps = steps or [f"step{i}" for i in range(len(statuses))]
    return [
        (f"{workflow_id}-{i}", workflow_id, scenario, step, status, criticality, 100.0 * (i + 1), 1 if status == "FAILED" else 0,
         user, f"2024-03-12 12:00:{i:02d}")
        for i, (step, status) in enumerate(zip(steps, statuses))
    ]


def test_outcome_precedence_compensated_failed_in_progress_completed():
    steps = _steps(
        _workflow("w-comp", ["COMPLETED", "FAILED", "COMPENSATED"])
        + _workflow("w-fail", ["COMPLETED", "FAILED"], steps=["a", "pay"])
        + _workflow("w-run", ["COMPLETED", "IN_PROGRESS"])
        + _workflow("w-done", ["COMPLETED", "COMPLETED"])
        + _workflow("w-resumed", ["IN_PROGRESS", "COMPLETED"])
    )
    outcomes = workflows.workflow_outcomes(steps).set_index("workflow_id")
    assert outcomes["outcome"].to_dict() == {
        "w-comp": "COMPENSATED", "w-done": "COMPLETED", "w-fail": "FAILED", "w-resumed": "COMPLETED", "w-run": "IN_PROGRESS",
    }
    assert outcomes.loc["w-fail", "failing_step"] == "pay"
    assert outcomes.loc["w-comp", "workflow_time_ms"] == 300.0
    assert pd.isna(outcomes.loc["w-done", "failing_step"])


def test_completion_rate_leaves_in_progress_out_and_critical_boundary():
    # 99 completed + 1 failed + 5 in progress: 99 / 100 = 99 % exactly -> not failing at a 99 % threshold
    rows = []
    for i in range(99):
        rows += _workflow(f"ok{i}", ["COMPLETED"])
    rows += _workflow("bad", ["FAILED"], steps=["pay"], user="u2")
    for i in range(5):
        rows += _workflow(f"run{i}", ["IN_PROGRESS"])
    outcomes = workflows.workflow_outcomes(_steps(rows))
    at_threshold = workflows.scenario_completion(outcomes, 99.0).iloc[0]
    assert at_threshold["total_workflows"] == 105
    assert at_threshold["in_progress_workflows"] == 5
    assert at_threshold["completion_rate"] == pytest.approx(99.0)
    assert at_threshold["scenario_status"] == "HEALTHY"
    assert at_threshold["affected_users"] == 1
    assert at_threshold["top_failing_step"] == "pay"
    above = workflows.scenario_completion(outcomes, 99.5).iloc[0]
    assert above["scenario_status"] == "CRITICAL_SCENARIO_FAILING"


def test_statuses_per_criticality_and_failing_steps_text():
    rows = (
        _workflow("c1", ["COMPLETED"], scenario="pay", criticality="CRITICAL")
        + _workflow("c2", ["FAILED"], scenario="pay", criticality="CRITICAL", steps=["auth"])
        + _workflow("l1", ["FAILED"], scenario="profile", criticality="LOW", steps=["b"])
        + _workflow("l2", ["FAILED"], scenario="profile", criticality="LOW", steps=["a"])
        + _workflow("l3", ["COMPLETED", "FAILED"], scenario="profile", criticality="LOW", steps=["a", "c"])
        + _workflow("l4", ["COMPLETED", "FAILED"], scenario="profile", criticality="LOW", steps=["a", "c"])
        + _workflow("r1", ["IN_PROGRESS"], scenario="report", criticality="MEDIUM")
        + _workflow("h1", ["COMPLETED"], scenario="search", criticality="HIGH")
    )
    result = workflows.scenario_completion(workflows.workflow_outcomes(_steps(rows)), 99.0).set_index("scenario_name")
    assert result.loc["pay", "scenario_status"] == "CRITICAL_SCENARIO_FAILING"
    assert result.loc["profile", "scenario_status"] == "DEGRADED"
    assert result.loc["report", "scenario_status"] == "NO_FINISHED_WORKFLOWS"
    assert result.loc["search", "scenario_status"] == "HEALTHY"
    # most failures first, ties alphabetical
    assert result.loc["profile", "failing_steps"] == "c: 2; a: 1; b: 1"
    assert result.loc["profile", "top_failing_step"] == "c"
    assert result.loc["profile", "top_failing_step_failures"] == 2
    # business impact: users 1 x weight 10 x 50 % failed
    assert result.loc["pay", "business_impact_score"] == pytest.approx(5.0)
    assert list(result.index[:2]) == ["pay", "profile"]  # sorted by impact


def test_empty_input_gives_an_empty_typed_frame():
    empty = _steps([])
    result = workflows.scenario_completion(workflows.workflow_outcomes(empty), 99.0)
    assert result.empty
    assert list(result.columns) == list(workflows.OUTPUT_COLUMNS)


@pytest.mark.parametrize("value", ["abc", None, -1, 100.5])
def test_threshold_is_validated(value):
    with pytest.raises(ValueError, match="tsg_workflow_critical_completion_pct"):
        workflows.parse_threshold(value)


def test_shipped_incident_checkout_fails_at_price_calculation(query):
    rows = query(
        "select scenario_name, scenario_status, top_failing_step from marts.tsg_step09_workflows"
        " where scenario_status != 'HEALTHY' order by scenario_name"
    )
    assert rows == [("checkout_flow", "CRITICAL_SCENARIO_FAILING", "price_calculation"),
                    ("profile_update", "DEGRADED", "validate_input")]
