"""dbt docs is the analysts' front door: it must generate, and every analysis
and every column in the warehouse is described. Models, seeds, declared
columns and macros are checked on the manifest by the metadata lint
(`make lint`; test_lint_rules.py)."""
from __future__ import annotations

import json

import pytest

from conftest import run_dbt


@pytest.fixture(scope="module")
def docs_artifacts(built_warehouse, tmp_path_factory):
    target = tmp_path_factory.mktemp("docs_target")
    run_dbt(["docs", "generate", "--target-path", str(target)], built_warehouse)
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    return manifest, catalog


def _own_nodes(manifest, resource_types):
    return {
        unique_id: node for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] in resource_types and node["package_name"] == "oncall_analytics"
    }


def test_every_analysis_is_described(docs_artifacts):
    manifest, _ = docs_artifacts
    analyses = _own_nodes(manifest, {"analysis"})
    assert analyses and [uid for uid, node in analyses.items() if not node["description"].strip()] == []


def test_every_column_in_the_warehouse_is_described(docs_artifacts):
    manifest, catalog = docs_artifacts
    missing = []
    for unique_id, node in _own_nodes(manifest, {"model", "seed"}).items():
        documented = {name.lower(): col["description"] for name, col in node["columns"].items()}
        for column in catalog["nodes"].get(unique_id, {}).get("columns", {}):
            if not documented.get(column.lower(), "").strip():
                missing.append(f"{unique_id}.{column}")
    assert missing == []


def test_every_model_has_a_test(docs_artifacts):
    manifest, _ = docs_artifacts
    tested = set()
    for node in list(manifest["nodes"].values()) + list(manifest.get("unit_tests", {}).values()):
        if node["resource_type"] in {"test", "unit_test"}:
            tested.update(node.get("depends_on", {}).get("nodes", []))
    untested = [uid for uid in _own_nodes(manifest, {"model"}) if uid not in tested]
    assert untested == []


def test_every_var_is_documented_in_a_docs_block():
    import re

    import yaml

    from conftest import PROJECT_DIR
    project_vars = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    docs_text = "\n".join(path.read_text() for path in (PROJECT_DIR / "models").rglob("*.md"))
    documented = set(re.findall(r"`([a-z0-9_]+)`", docs_text))
    assert sorted(set(project_vars) - documented) == []


def test_docs_generate_on_a_fresh_warehouse_without_warnings(tmp_path):
    """`make docs` and `dbt compile` before any build (a fresh clone; sqlfluff in `make lint` compiles the
    same way): the base models read no seed yet, so their raw tables' types are unknown and every value
    is compiled through text, with no warning of columns missing from files that do not exist yet."""
    result = run_dbt(["docs", "generate", "--target-path", str(tmp_path / "target")], tmp_path / "fresh.duckdb")
    assert "Catalog Error" not in result.stdout and "lack column" not in result.stdout
    assert (tmp_path / "target" / "compiled" / "oncall_analytics" / "models" / "staging" / "serverless" / "base"
            / "base_serverless__function_invocations.sql").is_file()
