"""Step 9 of the troubleshooting guide, a SQL model: its rules (outcome
precedence, the completion rate over finished workflows, statuses per
criticality, failing steps) are dbt unit tests in _tsg__unit_tests.yml; here,
its answer on the shipped incident (its threshold's validation: test_tsg_vars.py)."""
from __future__ import annotations


def test_shipped_incident_checkout_fails_at_price_calculation(query):
    rows = query(
        "select scenario_name, scenario_status, top_failing_step from marts.tsg_step09_workflows"
        " where scenario_status != 'HEALTHY' order by scenario_name"
    )
    assert rows == [("checkout_flow", "CRITICAL_SCENARIO_FAILING", "price_calculation"),
                    ("profile_update", "DEGRADED", "validate_input")]
