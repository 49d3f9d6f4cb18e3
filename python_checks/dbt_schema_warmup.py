"""Imported once by dbt_process's fork server, before it forks any dbt run: it builds the JSON schemas
that dbt validates the project's files and nodes against, so that every forked run inherits them.

dbt builds each schema lazily, once per process (functools.lru_cache on dbtClassMixin.json_schema): about
1.8 s of a core in every run, a seventh of a parse. The list is the classes whose schema a `dbt parse` and a
`dbt build` of this project built (recorded by wrapping dbt_common's build_json_schema), for the pinned
dbt-core; a class left out is only built in the run, as before."""
from __future__ import annotations

import importlib

import dbt.cli.main  # noqa: F401 (what the fork server preloaded before this module: dbt's command line)

SCHEMA_CLASSES = [
    "dbt.adapters.duckdb.credentials.DuckDBCredentials",
    "dbt.artifacts.resources.v1.components.Contract",
    "dbt.artifacts.resources.v1.config.Hook",
    "dbt.artifacts.resources.v1.config.NodeConfig",
    "dbt.artifacts.resources.v1.config.TestConfig",
    "dbt.artifacts.resources.v1.exposure.ExposureConfig",
    "dbt.artifacts.resources.v1.model.ModelConfig",
    "dbt.artifacts.resources.v1.seed.SeedConfig",
    "dbt.artifacts.resources.v1.source_definition.SourceConfig",
    "dbt.artifacts.resources.v1.unit_test_definition.UnitTestConfig",
    "dbt.contracts.graph.nodes.AnalysisNode",
    "dbt.contracts.graph.nodes.GenericTestNode",
    "dbt.contracts.graph.nodes.HookNode",
    "dbt.contracts.graph.nodes.ModelNode",
    "dbt.contracts.graph.nodes.SeedNode",
    "dbt.contracts.graph.unparsed.UnparsedAnalysisUpdate",
    "dbt.contracts.graph.unparsed.UnparsedExposure",
    "dbt.contracts.graph.unparsed.UnparsedGroup",
    "dbt.contracts.graph.unparsed.UnparsedMacroUpdate",
    "dbt.contracts.graph.unparsed.UnparsedModelUpdate",
    "dbt.contracts.graph.unparsed.UnparsedNodeUpdate",
    "dbt.contracts.graph.unparsed.UnparsedSourceDefinition",
    "dbt.contracts.graph.unparsed.UnparsedUnitTest",
    "dbt.contracts.project.Configuration",
    "dbt.contracts.project.PackageConfig",
    "dbt.contracts.project.ProfileConfig",
    "dbt.contracts.project.Project",
    "dbt.contracts.project.ProjectFlags",
    "dbt.contracts.selection.SelectorFile",
    "dbt.task.test.TestResultData",
]


def build_schemas() -> None:
    for dotted in SCHEMA_CLASSES:
        module, _, name = dotted.rpartition(".")
        getattr(importlib.import_module(module), name).json_schema()


build_schemas()
