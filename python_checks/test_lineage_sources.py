"""Lineage shows where the logs enter: every base model has its dbt source as a
parent in both input modes (raw_table calls source() while dbt parses), and its
seed in seeds mode only, so an external run's `+` selections never load the
shipped seeds. At run time each mode reads one of them (the external-mode and
seeds-mode builds of the other suites)."""
from __future__ import annotations

import json

import pytest

from conftest import run_dbt


def raw_parents(manifest: dict) -> dict[str, set[str]]:
    """Each base model's seed and source parents, by model name."""
    return {
        node["name"]: {parent for parent in manifest["parent_map"][uid] if parent.startswith(("seed.", "source."))}
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["name"].startswith("base_")
    }


def expected_source(manifest: dict, model_name: str) -> str:
    """source.<project>.<folder>.<table> for base_<folder>__<table>."""
    folder, table = model_name.removeprefix("base_").split("__", 1)
    return f"source.oncall_analytics.{folder}.{table}"


@pytest.fixture(scope="module")
def external_manifest(tmp_path_factory) -> dict:
    target = tmp_path_factory.mktemp("external_target")
    run_dbt(["parse", "--no-partial-parse", "--target-path", str(target), "--vars", "{log_source: external}"],
            target / "unused.duckdb")
    return json.loads((target / "manifest.json").read_text())


def test_seeds_mode_staging_depends_on_its_seed_and_its_source(parsed_manifest_path):
    manifest = json.loads(parsed_manifest_path.read_text())
    parents = raw_parents(manifest)
    assert len(parents) == 9
    for model, found in parents.items():
        table = model.split("__", 1)[1]
        assert found == {f"seed.oncall_analytics.{table}", expected_source(manifest, model)}, model
    # every source table feeds staging: none is left out of the lineage
    assert set(manifest["sources"]) == {expected_source(manifest, model) for model in parents}


def test_external_mode_staging_depends_on_its_source_only(external_manifest):
    parents = raw_parents(external_manifest)
    assert parents and all(found == {expected_source(external_manifest, model)} for model, found in parents.items())
