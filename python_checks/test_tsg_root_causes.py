"""The action plan finds the planted root cause first, whatever it is: the
shipped incident (a feature flag, with a release as confounder) and the
generator's other variants (an availability zone, a service version), each
built from scratch in a throw-away copy of the project. Also: the generator
is deterministic and the shipped seeds are its default output, and the DAG
is the guide's (steps 2-10 independent, all feeding step 11)."""
from __future__ import annotations

import filecmp
import json
import subprocess
import sys

import duckdb
import pytest

from conftest import PROJECT_DIR, run_dbt
from project_copy import copy_project

GENERATOR = PROJECT_DIR / "scripts" / "generate_gateway_seeds.py"
GATEWAY_SEEDS = ["api_gateway_logs.csv", "feature_flags.csv", "infrastructure_metrics.csv",
                 "product_metadata.csv", "workflow_tracking.csv"]
STEPS = ["tsg_step02_version_regression", "tsg_step03_feature_flags", "tsg_step04_regional_availability",
         "tsg_step05_partitions", "tsg_step06_zones", "tsg_step07_endpoints", "tsg_step08_products",
         "tsg_step09_workflows", "tsg_step10_top_errors"]


def _generate(out_dir, root_cause="feature_flag"):
    subprocess.run([sys.executable, str(GENERATOR), "--root-cause", root_cause, "--out", str(out_dir)],
                   check=True, capture_output=True)


def _plan(con):
    return con.execute(
        "select priority, dimension, dimension_value, finding_role from marts.tsg_action_plan order by priority"
    ).fetchall()


def _priority(plan, dimension, value):
    return next((row for row in plan if row[1] == dimension and row[2] == value), None)


def test_generator_is_deterministic_and_the_shipped_seeds_are_its_default(tmp_path):
    _generate(tmp_path / "a")
    _generate(tmp_path / "b")
    for name in GATEWAY_SEEDS:
        assert filecmp.cmp(tmp_path / "a" / name, tmp_path / "b" / name, shallow=False), name
        assert filecmp.cmp(tmp_path / "a" / name, PROJECT_DIR / "seeds" / name, shallow=False), name


def test_shipped_plan_puts_the_flag_first_and_explains_the_release(query):
    plan = query("select priority, dimension, dimension_value, finding_role from marts.tsg_action_plan order by priority")
    assert plan[0] == (1, "feature_flag", "new_pricing_engine=true", "LIKELY_ROOT_CAUSE")
    # the guide's version check falls for the confounder; the plan does not
    assert query("select assessment from marts.tsg_step02_version_regression where service_version = '2.5.0'") == [
        ("REGRESSION_DETECTED",)]
    release = _priority(plan, "service_version", "2.5.0")
    assert release[0] > 1 and release[3] == "EXPLAINED_BY_PRIORITY_1"
    # every echo the checks flag is explained by the flag, none is a separate finding
    roles = {role for _, dimension, _, role in plan if dimension not in ("workflow", "error", "sla")}
    assert roles == {"LIKELY_ROOT_CAUSE", "EXPLAINED_BY_PRIORITY_1"}
    assert _priority(plan, "workflow", "checkout_flow")[3] == "SYMPTOM"
    assert plan[-1][1:] == ("sla", "us-east / prod / api.gateway.main", "SLA_STATUS")
    (finding, action), = query("select finding, recommended_action from marts.tsg_action_plan where priority = 1")
    assert finding.startswith("HIGH_ERROR_RATE (step 3)")
    assert action.startswith("Disable feature flag new_pricing_engine")
    (sla,), = query("select finding from marts.tsg_action_plan where dimension = 'sla'")
    assert sla.startswith("SLA_BREACHED")


def test_lineage_is_the_guide_steps_in_parallel_feeding_the_plan(tmp_path):
    target = tmp_path / "target"
    run_dbt(["parse", "--target-path", str(target)], tmp_path / "w.duckdb")
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    depends = {node["name"]: set(node["depends_on"]["nodes"]) for node in nodes.values() if node["resource_type"] == "model"}
    plan_parents = {parent.split(".")[-1] for parent in depends["tsg_action_plan"]}
    findings_parents = {parent.split(".")[-1] for parent in depends["int_tsg__findings"]}
    # the checks feed the plan through their findings, in one shape
    assert "int_tsg__findings" in plan_parents and not plan_parents & set(STEPS)
    assert findings_parents == set(STEPS)
    for step in STEPS:
        parents = {parent.split(".")[-1] for parent in depends[step]}
        assert not parents & set(STEPS + ["tsg_action_plan"]), step
        assert all(parent.startswith(("int_gateway__", "stg_gateway__")) for parent in parents), (step, parents)


@pytest.mark.parametrize(
    ("root_cause", "expected_first", "confounder", "workflow_echo"),
    [
        ("availability_zone", ("availability_zone", "us-east-1c"), ("service_version", "2.5.0"), "payment_processing"),
        ("service_version", ("service_version", "2.5.0"), ("feature_flag", "new_pricing_engine=true"), "checkout_flow"),
    ],
)
def test_other_root_causes_are_found_first(root_cause, expected_first, confounder, workflow_echo, tmp_path):
    project = copy_project(tmp_path / "project")
    _generate(project / "seeds", root_cause)
    warehouse = project / "warehouse" / "variant.duckdb"
    result = run_dbt(["build", "-s", "+tsg_action_plan", "staging.gateway", "--exclude", "tag:shipped_data", "test_type:unit",
                      "--target-path", str(tmp_path / "target")], warehouse, cwd=project)
    assert "ERROR=0" in result.stdout
    with duckdb.connect(str(warehouse), read_only=True) as con:
        plan = _plan(con)
        confounder_attribution = con.execute(
            "select candidate_rank, share_of_errors_in_top_candidate from intermediate.int_gateway__element_attribution"
            " where dimension = ? and dimension_value = ?", list(confounder)).fetchone()
    assert plan[0] == (1, *expected_first, "LIKELY_ROOT_CAUSE")
    # the innocent change that landed at the same time is not the cause: its 5xx are the root cause's
    assert confounder_attribution[0] != 1
    assert confounder_attribution[1] > 0.9
    listed = _priority(plan, *confounder)
    assert listed is None or (listed[0] > 1 and listed[3] == "EXPLAINED_BY_PRIORITY_1")
    assert _priority(plan, "workflow", workflow_echo)[3] == "SYMPTOM"
    assert plan[-1][3] == "SLA_STATUS"
