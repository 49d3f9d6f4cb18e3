"""The project's Python package (src/oncall_analytics) and the thin dbt
Python models in front of it: the wheel builds, every model only reads,
calls the package and returns, the declared types hold on empty results,
and every var a Python model reads is validated before any model runs."""
from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
import zipfile

import duckdb
import pandas as pd
import pytest
import yaml

from conftest import PROJECT_DIR
from oncall_analytics import parameters
from oncall_analytics.__main__ import COMMANDS
from oncall_analytics.error_text import first_line
from oncall_analytics.frames import as_pandas, conform, empty, to_warehouse_frame
from project_copy import copy_project

PYTHON_MODELS = sorted(PROJECT_DIR.glob("models/**/*.py"))


def model_yaml(path) -> dict:
    """The model's entry in the YAML files beside it."""
    for yml in path.parent.glob("*.yml"):
        for entry in (yaml.safe_load(yml.read_text()) or {}).get("models", []):
            if entry["name"] == path.stem:
                return entry
    raise AssertionError(f"{path.stem} is not described in a YAML file beside it")


def declared_schema(path):
    """The *_SCHEMA the model imports from the package and returns its result in."""
    tree = ast.parse(path.read_text())
    found = [(node.module, alias.name) for node in tree.body if isinstance(node, ast.ImportFrom)
             for alias in node.names if alias.name.endswith("_SCHEMA")]
    assert len(found) == 1, f"{path.name}: expected one *_SCHEMA import, found {found}"
    module, name = found[0]
    return getattr(importlib.import_module(module), name)


def test_package_builds_as_a_wheel_with_the_readme_command(tmp_path):
    """What a remote warehouse installs (README, "Supported adapters"), built by the README's command as
    written, in a copy of the project (the build writes build/ and dist/ beside pyproject.toml)."""
    (command,) = [line for line in (PROJECT_DIR / "README.md").read_text().splitlines() if "pip wheel" in line]
    assert command.startswith(".venv/bin/python ")
    command = command.replace(".venv/bin/python", sys.executable, 1)  # the venv running this test (.venv or .venv-spark)
    project = copy_project(tmp_path / "p")
    subprocess.run(command, shell=True, cwd=project, check=True, capture_output=True)
    (wheel,) = (project / "dist").glob("oncall_analytics-0.1.0-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"oncall_analytics/{m}.py" for m in ("frames", "drivers", "parameters")}
    expected |= {f"oncall_analytics/detection/{m}.py" for m in (
        "scoring", "rules", "incidents", "level_shifts", "causal_graph", "srm", "postmortems", "alert_budget")}
    assert expected <= names, sorted(expected - names)


@pytest.mark.parametrize("path", PYTHON_MODELS, ids=lambda p: p.stem)
def test_python_model_is_thin(path):
    """Only `def model(dbt, session)`: no other function, class or lambda; logic lives in the package."""
    tree = ast.parse(path.read_text())
    definitions = [node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda))]
    assert [getattr(node, "name", "lambda") for node in definitions] == ["model"]
    assert all(node.module.startswith("oncall_analytics") for node in tree.body if isinstance(node, ast.ImportFrom))
    assert not [node for node in tree.body if isinstance(node, ast.Import)]
    assert len(path.read_text().splitlines()) <= 30


@pytest.mark.parametrize("path", PYTHON_MODELS, ids=lambda p: p.stem)
def test_python_model_returns_the_types_its_yaml_declares(path):
    """The schema the model's result is conformed to is the YAML's data_type column by column,
    checked by the matches_declared_columns test at build time too."""
    entry = model_yaml(path)
    yaml_types = {column["name"]: column.get("data_type") for column in entry["columns"]}
    assert yaml_types == declared_schema(path)
    assert "matches_declared_columns" in entry.get("data_tests", [])


def test_every_var_a_python_model_reads_is_in_its_config_and_validated_before_any_model_runs():
    hook = (PROJECT_DIR / "macros" / "validation" / "validate_python_model_vars.sql").read_text()
    validated = set(re.findall(r"var_\w+\('(\w+)'", hook))
    assert "validate_python_model_vars()" in yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["on-run-start"][0]
    for path in PYTHON_MODELS:
        read = set(re.findall(r'dbt\.config\.get\("(\w+)"\)', path.read_text()))
        config = model_yaml(path).get("config", {})
        assert {name: config.get(name) for name in read} == {name: f"{{{{ var('{name}') }}}}" for name in read}, path.stem
        assert read <= validated, (path.stem, read - validated)


@pytest.mark.parametrize("value, expected", [(48, 48), ("48", 48), (" 24 ", 24)])
def test_integer_var_forms(value, expected):
    assert parameters.integer(value) == expected


def test_list_var_forms_are_sorted_without_repeats():
    assert parameters.number_list("5,3,5") == [3.0, 5.0]
    assert parameters.number_list([3, 4.5, 3]) == [3.0, 4.5]
    assert parameters.integer_list([72, 24]) == parameters.integer_list("24, 72") == [24, 72]
    assert parameters.number(3.5) == parameters.number("3.5") == 3.5


SCHEMA = {"name": "varchar", "count": "bigint", "rate": "double", "flag": "boolean", "at": "timestamp"}


def test_an_empty_result_keeps_its_declared_types_in_duckdb():
    """Issue 13, point 10: an empty object column is written as INTEGER; conformed, it is VARCHAR."""
    untyped = pd.DataFrame({column: pd.Series([], dtype=object) for column in SCHEMA})
    with duckdb.connect() as con:
        assert [str(t) for t in con.sql("select * from untyped").types][0] == "INTEGER"
        for frame in (conform(untyped, SCHEMA), empty(SCHEMA), to_warehouse_frame(untyped, con, SCHEMA)):
            assert [str(t) for t in con.from_df(frame).types] == ["VARCHAR", "BIGINT", "DOUBLE", "BOOLEAN", "TIMESTAMP"]


def test_conform_keeps_values_and_types_with_missing_values():
    frame = pd.DataFrame({"at": pd.to_datetime(["2024-01-01", None]), "flag": [True, None], "rate": [1.5, None],
                          "count": [3.0, None], "name": ["a", None], "extra": [1, 2]})
    with duckdb.connect() as con:
        conformed = conform(frame, SCHEMA)
        assert list(conformed.columns) == list(SCHEMA)
        assert [str(t) for t in con.sql("select * from conformed").types] == ["VARCHAR", "BIGINT", "DOUBLE", "BOOLEAN", "TIMESTAMP"]
        assert con.sql("select * from conformed").fetchall()[0] == ("a", 3, 1.5, True, pd.Timestamp("2024-01-01").to_pydatetime())
    with pytest.raises(ValueError, match="lacks the declared columns"):
        conform(frame.drop(columns="rate"), SCHEMA)


def test_as_pandas_reads_pandas_and_duckdb_relations():
    frame = pd.DataFrame({"name": ["a", "b"], "value": [1.5, None]})
    with duckdb.connect() as con:
        from_duckdb = as_pandas(con.sql("select * from frame"))
    for converted in (as_pandas(frame), from_duckdb):
        assert list(converted["name"]) == ["a", "b"] and converted["value"].iloc[0] == 1.5
    with pytest.raises(TypeError):
        as_pandas(object())


def test_remote_warehouses_get_the_package_through_the_packages_config(tmp_path):
    """README, "Supported adapters": --vars python_model_packages names what the Python models install
    (dbt config `packages`, which DuckDB ignores). A bad value: test_detection_marts.py."""
    import json

    from conftest import run_dbt

    wheel = "/Volumes/main/libs/oncall_analytics-0.1.0-py3-none-any.whl"
    target = tmp_path / "target"
    run_dbt(["parse", "--target-path", str(target), "--vars", f"{{python_model_packages: ['{wheel}']}}"], tmp_path / "p.duckdb")
    nodes = json.loads((target / "manifest.json").read_text())["nodes"].values()
    packages = {node["name"]: node["config"].get("packages") for node in nodes if node.get("language") == "python"}
    assert packages and all(packages[path.stem] == [wheel] for path in PYTHON_MODELS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_prints_its_help(command):
    """`python -m oncall_analytics <command> --help` prints the options and exits 0 (a stray % in a help
    text made argparse crash on it)."""
    result = subprocess.run([sys.executable, "-m", "oncall_analytics", command, "--help"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("usage:") and "--" in result.stdout


def test_the_warm_imports_plugin_imports_numpy_and_pandas_on_a_thread_of_its_own():
    """profiles.yml's dbt-duckdb plugin: creating it starts the imports and returns (a fresh
    interpreter, so nothing is imported yet); the thread is not a daemon, so a short command
    waits for the imports to end instead of stopping them midway."""
    check = """
import sys
from oncall_analytics.warm_imports import MODULES, Plugin
assert not [m for m in MODULES if m in sys.modules], [m for m in MODULES if m in sys.modules]
plugin = Plugin(name="warm_imports", plugin_config={})
assert not plugin.thread.daemon and plugin.thread.name == "oncall-analytics-warm-imports"
plugin.thread.join(60)
assert all(m in sys.modules for m in MODULES)
"""
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    profile = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())["oncall_analytics"]["outputs"]["dev"]
    assert {"module": "oncall_analytics.warm_imports"} in profile["plugins"]


@pytest.mark.parametrize("error, line", [(ValueError("bad value\nsecond line"), "bad value"), (EOFError(), "EOFError"),
                                         (OSError("  "), "OSError")])
def test_an_error_is_reported_in_its_first_line_or_by_its_type(error, line):
    # an empty message (EOFError()) once raised an IndexError of its own from str(error).splitlines()[0]
    assert first_line(error) == line
