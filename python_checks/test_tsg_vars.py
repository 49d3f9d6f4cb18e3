"""TSG vars are user input: invalid ones stop the run at compile time with a
message naming the var, a quote in tsg_region neither breaks nor widens the
query, and the guide's prose thresholds for step 3 are one var away."""
from __future__ import annotations

import shutil

import duckdb
import pytest

from conftest import run_dbt


@pytest.mark.parametrize(
    ("model", "vars_yaml", "message"),
    [
        ("int_gateway__requests_in_window", "{tsg_incident_start: '2024-03-12 17:00:00'}",
         "'tsg_incident_start' (2024-03-12 17:00:00) must be before 'tsg_end_time'"),
        ("int_gateway__requests_in_window", "{tsg_environment: production}",
         "Invalid var 'tsg_environment': got \"production\"; expected one of dev, staging, prod"),
        # shown as typed, not as Jinja's tojson shows a quote (\u0027)
        ("int_gateway__requests_in_window", "{tsg_environment: \"it's prod\"}",
         "Invalid var 'tsg_environment': got \"it's prod\"; expected one of dev, staging, prod"),
        # null does not fall back to the default in dbt_project.yml: the message says so
        ("tsg_step04_regional_availability", "{tsg_region_min_requests: null}",
         "Invalid var 'tsg_region_min_requests': got null; expected a value (null or empty is no value, "
         "and does not fall back to the project's default: leave the var out of --vars for that)"),
        ("int_gateway__requests_in_window", "{tsg_end_time: '2024-02-30 10:00:00'}",
         "Invalid var 'tsg_end_time'"),
        ("tsg_action_plan", "{tsg_sla_threshold: 120}", "Invalid var 'tsg_sla_threshold'"),
        ("tsg_step03_feature_flags", "{tsg_flag_threshold_source: blog}", "Invalid var 'tsg_flag_threshold_source'"),
        ("tsg_step09_workflows", "{tsg_workflow_critical_completion_pct: 101}",
         "Invalid var 'tsg_workflow_critical_completion_pct'"),
    ],
)
def test_invalid_tsg_vars_fail_at_compile_time_naming_the_var(model, vars_yaml, message, tmp_path):
    result = run_dbt(["compile", "-s", model, "--vars", vars_yaml, "--target-path", str(tmp_path / "target")],
                     tmp_path / "w.duckdb", check=False)
    assert result.returncode != 0
    assert message in result.stdout


def test_a_quote_in_tsg_region_neither_breaks_nor_widens_the_query(built_warehouse, tmp_path):
    warehouse = tmp_path / built_warehouse.name  # DuckDB names the catalog after the file
    shutil.copy(built_warehouse, warehouse)
    injected = "{tsg_region: \"us-east' or '1'='1\"}"
    result = run_dbt(["run", "-s", "intermediate.gateway", "marts.tsg", "--vars", injected,
                      "--target-path", str(tmp_path / "target")], warehouse)
    assert "ERROR=0" in result.stdout
    with duckdb.connect(str(warehouse), read_only=True) as con:
        def count(relation):
            return con.execute(f"select count(*) from {relation}").fetchone()[0]
        assert count("intermediate.int_gateway__requests_in_scope") == 0
        assert count("intermediate.int_gateway__workflow_steps_in_scope") == 0
        assert count("intermediate.int_gateway__requests_in_window") > 0  # other regions still there
        for step in ("tsg_step02_version_regression", "tsg_step03_feature_flags", "tsg_step05_partitions",
                     "tsg_step06_zones", "tsg_step07_endpoints", "tsg_step08_products", "tsg_step09_workflows",
                     "tsg_step10_top_errors"):
            assert count(f"marts.{step}") == 0, step
        plan = con.execute("select dimension, dimension_value, finding from marts.tsg_action_plan").fetchall()
    # us-east is now just another region of step 4: only its zones (as 'region') and the SLA row remain
    assert {dimension for dimension, _, _ in plan} <= {"region", "sla"}
    assert ("sla", "us-east' or '1'='1 / prod / api.gateway.main",
            "NO_TRAFFIC: no real request in the scope and window") in plan


def test_prose_thresholds_for_flags_are_one_var_away(tmp_path):
    def compiled(vars_yaml):
        result = run_dbt(["compile", "-s", "tsg_step03_feature_flags", "--indirect-selection", "empty", "--vars", vars_yaml,
                          "--target-path", str(tmp_path / "target")], tmp_path / "w.duckdb")
        return result.stdout
    sql_rule, prose_rule = compiled("{}"), compiled("{tsg_flag_threshold_source: prose}")
    assert "when error_rate > 15 and request_count > 500 then 'HIGH_ERROR_RATE'" in sql_rule
    assert "when error_rate > 8 and request_count > 1000 then 'HIGH_ERROR_RATE'" in prose_rule
