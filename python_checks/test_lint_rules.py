"""The metadata lint of `make lint` (dbt-score, [tool.dbt-score] in
pyproject.toml): the project passes every rule, and each of the project's
rules fails on a node made bad in a copy of the parsed manifest."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from dbt_score.config import Config
from dbt_score.lint import lint_dbt_project
from dbt_score.models import ManifestLoader
from dbt_score.rule import RuleViolation
from dbt_score.rule_registry import RuleRegistry

from conftest import PROJECT_DIR

OWN_RULES = "oncall_analytics.lint."


def project_config() -> Config:
    config = Config()
    config._load_toml_file(str(PROJECT_DIR / "pyproject.toml"))
    return config


@pytest.fixture(scope="module")
def rules() -> dict:
    registry = RuleRegistry(project_config())
    registry.load_all()
    return registry.rules


@pytest.fixture(scope="module")
def project_nodes(parsed_manifest_path) -> ManifestLoader:
    return ManifestLoader(parsed_manifest_path)


def model(name: str) -> str:
    return f"model.oncall_analytics.{name}"


def set_field(section: str, uid: str, **values) -> Callable[[dict], None]:
    def mutate(manifest: dict) -> None:
        manifest[section][uid].update(values)
    return mutate


def set_meta(section: str, uid: str, meta: dict) -> Callable[[dict], None]:
    def mutate(manifest: dict) -> None:
        manifest[section][uid]["config"]["meta"] = {**manifest[section][uid]["config"].get("meta", {}), **meta}
    return mutate


def drop_key_tests(uid: str) -> Callable[[dict], None]:
    def mutate(manifest: dict) -> None:
        for test_id in [tid for tid, node in manifest["nodes"].items() if node.get("attached_node") == uid
                        and node.get("test_metadata", {}).get("name") in {"unique", "unique_combination_of_columns"}]:
            del manifest["nodes"][test_id]
    return mutate


def blank_column_description(uid: str) -> Callable[[dict], None]:
    def mutate(manifest: dict) -> None:
        column = next(iter(manifest["nodes"][uid]["columns"].values()))
        column["description"] = ""
    return mutate


def unread_source(source_uid: str) -> Callable[[dict], None]:
    """What the lineage looked like before: the base model reads the seed only."""
    def mutate(manifest: dict) -> None:
        for node in manifest["nodes"].values():
            node.get("depends_on", {})["nodes"] = [p for p in node.get("depends_on", {}).get("nodes", []) if p != source_uid]
    return mutate


API_LOGS = "source.oncall_analytics.gateway.api_gateway_logs"
FEATURE_FLAGS = "source.oncall_analytics.gateway.feature_flags"
INVOCATIONS = "source.oncall_analytics.serverless.function_invocations"

# rule -> cases (id, what makes the node bad, the node)
BAD_NODES = {
    "oncall_analytics.lint.models.model_has_key_test": [
        ("key tests removed", drop_key_tests(model("burst_windows")), ("models", model("burst_windows"))),
        ("exemption without a reason", set_meta("nodes", model("base_oncall__incident_labels"), {"lint_exemptions": {"model_has_key_test": " "}}),
         ("models", model("base_oncall__incident_labels"))),
    ],
    "oncall_analytics.lint.models.exposed_model_is_public": [
        ("exposed mart protected", set_field("nodes", model("incidents"), access="protected"), ("models", model("incidents"))),
    ],
    "oncall_analytics.lint.models.model_name_fits_its_folder": [
        ("staging without its source", set_field("nodes", model("stg_oncall__incident_labels"), name="stg_incident_labels"),
         ("models", model("stg_oncall__incident_labels"))),
        ("another source's prefix", set_field("nodes", model("stg_oncall__incident_labels"), name="stg_gateway__incident_labels"),
         ("models", model("stg_oncall__incident_labels"))),
        ("base model outside base/", set_field("nodes", model("base_oncall__incident_labels"),
                                               original_file_path="models/staging/oncall/base_oncall__incident_labels.sql"),
         ("models", model("base_oncall__incident_labels"))),
        ("intermediate without int_", set_field("nodes", model("int_slo__definitions"), name="slo_definitions"),
         ("models", model("int_slo__definitions"))),
        ("mart named as staging", set_field("nodes", model("incidents"), name="stg_incidents"), ("models", model("incidents"))),
        ("model outside the layers", set_field("nodes", model("incidents"), original_file_path="models/incidents.py"),
         ("models", model("incidents"))),
    ],
    "oncall_analytics.lint.sources.source_is_described": [
        ("table undescribed", set_field("sources", API_LOGS, description=""), ("sources", API_LOGS)),
        ("source undescribed", set_field("sources", API_LOGS, source_description=" "), ("sources", API_LOGS)),
    ],
    "oncall_analytics.lint.sources.source_has_freshness": [
        ("no freshness", set_field("sources", API_LOGS, freshness={"warn_after": {"count": None}, "error_after": {"count": None}}),
         ("sources", API_LOGS)),
        ("exemption without a reason", set_meta("sources", FEATURE_FLAGS, {"lint_exemptions": {"source_has_freshness": ""}}),
         ("sources", FEATURE_FLAGS)),
    ],
    "oncall_analytics.lint.sources.source_is_in_its_staging_folder": [
        ("declared elsewhere", set_field("sources", INVOCATIONS, original_file_path="models/_sources.yml"), ("sources", INVOCATIONS)),
    ],
    "oncall_analytics.lint.sources.source_feeds_its_staging_models": [
        ("read by no model", unread_source(INVOCATIONS), ("sources", INVOCATIONS)),
    ],
    "oncall_analytics.lint.macros.macro_is_described": [
        ("macro undescribed", set_field("macros", "macro.oncall_analytics.raw_table", description=""),
         ("macros", "macro.oncall_analytics.raw_table")),
    ],
    # dbt-score's own rules that the project keeps
    "dbt_score.rules.generic.has_description": [
        ("model undescribed", set_field("nodes", model("incidents"), description=""), ("models", model("incidents"))),
    ],
    "dbt_score.rules.generic.columns_have_description": [
        ("column undescribed", blank_column_description(model("incidents")), ("models", model("incidents"))),
    ],
    "dbt_score.rules.generic.seed_has_description": [
        ("seed undescribed", set_field("nodes", "seed.oncall_analytics.incident_labels", description=""),
         ("seeds", "seed.oncall_analytics.incident_labels")),
    ],
    "dbt_score.rules.generic.seed_columns_have_description": [
        ("seed column undescribed", blank_column_description("seed.oncall_analytics.incident_labels"),
         ("seeds", "seed.oncall_analytics.incident_labels")),
    ],
}

CASES = [pytest.param(rule_name, mutate, where, id=f"{rule_name.rsplit('.', 1)[1]}: {case}")
         for rule_name, cases in BAD_NODES.items() for case, mutate, where in cases]


def test_the_project_passes_every_rule(parsed_manifest_path, capsys):
    evaluation = lint_dbt_project(parsed_manifest_path, project_config(), format="json")
    findings = {f"{evaluable.unique_id} {rule.source()}": result
                for evaluable, results in evaluation.results.items() for rule, result in results.items() if result is not None}
    # a rule that raised would score as passed: there must be no result but None
    assert findings == {}
    assert evaluation.project_score.value == 10.0


def test_every_project_rule_is_shown_failing(rules):
    own = {name for name in rules if name.startswith(OWN_RULES)}
    assert own and own <= set(BAD_NODES)
    assert set(BAD_NODES) <= set(rules), "a rule here is not loaded (disabled or renamed in pyproject.toml?)"


@pytest.mark.parametrize(("rule_name", "mutate", "where"), CASES)
def test_rule_fails_on_a_bad_node(parsed_manifest_path, project_nodes, rules, tmp_path: Path, rule_name, mutate, where):
    section, uid = where
    rule = rules[rule_name]
    assert rule.evaluate(getattr(project_nodes, section)[uid], **rule.config) is None     # the real node passes ...
    bad = json.loads(parsed_manifest_path.read_text())
    mutate(bad)
    (tmp_path / "manifest.json").write_text(json.dumps(bad))
    result = rule.evaluate(getattr(ManifestLoader(tmp_path / "manifest.json"), section)[uid], **rule.config)
    assert isinstance(result, RuleViolation) and result.message   # ... and the bad one fails, saying why
