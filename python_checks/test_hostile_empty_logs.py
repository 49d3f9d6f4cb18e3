"""Hostile input: every log empty (issue 13, point 10), as header-only seeds
(a first run on logs that have not arrived yet). `dbt build` must pass and
every mart must exist, empty, with the columns and types its YAML declares:
an empty pandas column must not turn a Python mart's text column into
INTEGER (the package conforms every Python model's result to its schema)."""
from __future__ import annotations

import json

import duckdb
import pytest

from conftest import PROJECT_DIR, run_dbt
from project_copy import copy_project

LOGS = ["api_gateway_logs", "feature_flags", "function_invocations", "infrastructure_metrics", "product_metadata",
        "service_metrics", "service_metrics_hourly", "workflow_tracking"]  # service_metrics feeds the detector too


@pytest.fixture(scope="module")
def empty_build(tmp_path_factory):
    """The project built on header-only logs (the labels stay): every mart and what it reads, with their data tests."""
    headers = {f"{log}.csv": (PROJECT_DIR / "seeds" / f"{log}.csv").read_text().splitlines()[0] + "\n" for log in LOGS}
    project = copy_project(tmp_path_factory.mktemp("empty_logs") / "p", headers)
    warehouse = project / "warehouse" / "oncall_analytics.duckdb"
    target = project / "target"
    result = run_dbt(["build", "-s", "+path:models/marts", "--indirect-selection", "cautious",
                      "--exclude", "tag:shipped_data", "test_type:unit"], warehouse,
                     check=False, cwd=project, artifacts=True)
    return result, warehouse, json.loads((target / "manifest.json").read_text()), json.loads((target / "run_results.json").read_text())


def test_build_on_empty_logs_passes(empty_build):
    """Every node passes, but for the SLOs: each counts no event, and slo_counts_events warns naming them."""
    result, _, _, run_results = empty_build
    failed = [(r["unique_id"], r["status"], (r.get("message") or "")[:300]) for r in run_results["results"]
              if r["status"] not in ("success", "pass") and ".slo_counts_events_" not in r["unique_id"]]
    assert result.returncode == 0 and failed == [], failed or result.stdout[-4000:]
    counting_nothing = [r for r in run_results["results"] if ".slo_counts_events_" in r["unique_id"]]
    assert [(r["status"], r["failures"]) for r in counting_nothing] == [("warn", 9)]


def test_every_mart_is_empty_with_its_declared_columns_and_types(empty_build):
    _, warehouse, manifest, _ = empty_build
    marts = {node["name"]: node for node in manifest["nodes"].values()
             if node["resource_type"] == "model" and node["schema"] == "marts" and node["package_name"] == "oncall_analytics"}
    assert len(marts) >= 20
    report = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for name, node in sorted(marts.items()):
            built = dict(con.execute("select column_name, lower(data_type) from information_schema.columns "
                                     "where table_schema = 'marts' and table_name = ? order by ordinal_position", [name]).fetchall())
            declared = {column: (spec.get("data_type") or "").lower() for column, spec in node["columns"].items()}
            typed = {column: kind for column, kind in declared.items() if kind}
            if set(built) != set(declared) or any(built.get(column) != kind for column, kind in typed.items()):
                report[name] = {"built": built, "declared": declared}
    assert not report, json.dumps(report, indent=1)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = {name: con.execute(f'select count(*) from marts."{name}"').fetchone()[0] for name in marts}
    assert rows["metric_anomalies"] == rows["incidents"] == rows["chained_invocations"] == 0
