"""Findings are data: a new troubleshooting-guide check reaches the action plan
without touching the plan. On a copy of the project, a toy check (hosts of the
scope failing more than 17 % of their requests) is added as the guide says
(tsg_guide.md, "Adding a check"): its model, its findings in int_tsg__findings
through the tsg_findings macro, and its wording row. Without the wording row
the build fails on the findings' wording test; with it, the plan ranks the
toy finding and words its action. Only the new and downstream nodes are built,
on a copy of the session's warehouse."""
from __future__ import annotations

import shutil

import duckdb
import pytest

from conftest import run_dbt
from project_copy import copy_project

TOY_CHECK = """\
with requests as (
    select * from {{ ref('int_gateway__requests_in_scope') }}
),

per_host as (
    select
        instance_id,
        count(*) as total_requests,
        count(case when is_server_error then 1 end) * 100.0 / count(*) as server_error_rate
    from requests
    group by instance_id
),

noisy as (
    select
        *,
        'NOISY_HOST' as host_status
    from per_host
    where server_error_rate > 17
)

select * from noisy
"""

TOY_IMPORT_AND_FINDINGS = """
noisy_hosts as (
    select * from {{ ref('tsg_step12_noisy_hosts') }}
),

noisy_host_findings as (
    {% call tsg_findings('noisy_hosts', 12, "'instance'", 'instance_id', 'host_status') -%}
        'host 5xx ' || {{ tsg_format_number('server_error_rate') }} || ' %'
    {%- endcall %}
),
"""

TOY_WORDING = "12,instance,*,Take host {dimension_value} out of rotation\n"
NOISY_HOST = "i-main-prod-us-east-1c-m5-2"


@pytest.fixture(scope="module")
def project_with_toy_check(tmp_path_factory, built_warehouse):
    """The project with the toy check added (but not yet worded), and a copy of the built warehouse."""
    root = tmp_path_factory.mktemp("toy_check")
    project = copy_project(root / "project")
    (project / "models/marts/tsg/tsg_step12_noisy_hosts.sql").write_text(TOY_CHECK)
    findings = project / "models/intermediate/gateway/int_tsg__findings.sql"
    text = findings.read_text()
    assert text.count("\nversion_regression_findings as (") == 1 and text.count("    select * from top_error_findings\n") == 1
    text = text.replace("\nversion_regression_findings as (", TOY_IMPORT_AND_FINDINGS + "\nversion_regression_findings as (")
    text = text.replace("    select * from top_error_findings\n",
                        "    select * from top_error_findings\n    union all\n    select * from noisy_host_findings\n")
    findings.write_text(text)
    warehouse = root / built_warehouse.name  # DuckDB names the catalog after the file
    shutil.copy(built_warehouse, warehouse)
    return project, warehouse


def build_toy(project, warehouse, tmp_path, check):
    return run_dbt(["build", "-s", "tsg_step12_noisy_hosts+", "tsg_action_wording+", "--exclude", "test_type:unit",
                    "--target-path", str(tmp_path / "target")], warehouse, check=check, cwd=project)


def test_a_finding_without_wording_fails_the_build(project_with_toy_check, tmp_path):
    project, warehouse = project_with_toy_check
    result = build_toy(project, warehouse, tmp_path, check=False)
    assert result.returncode != 0
    assert "tsg_findings_have_wording_int_tsg__findings" in result.stdout
    assert "Failure in test tsg_findings_have_wording" in result.stdout


def test_a_toy_check_reaches_the_plan_through_one_macro_and_one_wording_row(project_with_toy_check, tmp_path, query):
    project, warehouse = project_with_toy_check
    wording = project / "seeds/tsg_action_wording.csv"
    wording.write_text(wording.read_text() + TOY_WORDING)
    build_toy(project, warehouse, tmp_path, check=True)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        plan = con.execute("select priority, dimension, dimension_value, finding, recommended_action, finding_role,"
                           " source_steps, evidence from marts.tsg_action_plan order by priority").fetchall()
    toy = [row for row in plan if row[1] == "instance"]
    assert toy == [(2, "instance", NOISY_HOST, "NOISY_HOST (step 12)", f"Take host {NOISY_HOST} out of rotation",
                    "SEPARATE_FINDING", "12", "host 5xx 17.3 %")]
    # the rest of the plan is the shipped one, in the same order
    shipped = query("select dimension, dimension_value, finding, recommended_action from marts.tsg_action_plan order by priority")
    assert [row[1:5] for row in plan if row[1] != "instance"] == shipped
