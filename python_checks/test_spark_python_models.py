"""The dbt Python models take Spark DataFrames too (run by `make test-spark`).

dbt-spark's session method cannot run Python models (they are disabled on
the spark target), but on a Python-capable Spark warehouse dbt.ref() gives a
Spark DataFrame and the session is a SparkSession. Here every Python model's
`model(dbt, session)` is called with a local SparkSession and a stand-in `dbt`
whose ref() returns Spark DataFrames of the DuckDB build's tables; it must
return a Spark DataFrame holding exactly the rows the DuckDB build wrote.

Skipped where pyspark is not installed (`make test` runs in `.venv`).
"""
from __future__ import annotations

import ast
import os
import re
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from conftest import PROJECT_DIR, load_model_module
from spark_compare import differences

pytest.importorskip("pyspark", reason="the Spark checks run in .venv-spark (make test-spark)")

PYTHON_MODELS = sorted(str(p.relative_to(PROJECT_DIR)) for p in (PROJECT_DIR / "models").rglob("*.py"))
EDGE_FUNCTIONS = ("as_pandas", "to_warehouse_frame")
# DuckDB column type -> Spark SQL type, for the input DataFrames.
SPARK_TYPES = {"VARCHAR": "string", "DOUBLE": "double", "FLOAT": "double", "BIGINT": "bigint",
               "INTEGER": "int", "HUGEINT": "double", "BOOLEAN": "boolean", "TIMESTAMP": "timestamp", "DATE": "date"}


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    os.environ["TZ"] = "UTC"  # Python-side timestamps of collect() are local time
    time.tzset()
    session = (
        SparkSession.builder.master("local[1]").appName("oncall_analytics python models")
        .config("spark.sql.session.timeZone", "UTC").config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "false")  # no pyarrow: the plain conversion, without a warning each time
        .getOrCreate()
    )
    yield session
    session.stop()


class StandInConfig:
    """dbt.config: callable in the model, and .get() for the model's YAML config."""

    def __init__(self, values: dict):
        self.values = values

    def __call__(self, **_kwargs):
        return None

    def get(self, key, default=None):
        return self.values.get(key, default)


class StandInDbt:
    """The `dbt` object a warehouse hands the model: ref() gives Spark DataFrames."""

    def __init__(self, refs: dict, config: dict):
        self.refs = refs
        self.config = StandInConfig(config)

    def ref(self, name):
        return self.refs[name]


def model_config(relative_path: str) -> dict:
    """The `config:` a model's YAML gives it, with project vars resolved (as dbt would)."""
    project_vars = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    name = Path(relative_path).stem
    for yml in Path(PROJECT_DIR / relative_path).parent.glob("*.yml"):
        for entry in (yaml.safe_load(yml.read_text()) or {}).get("models", []):
            if entry.get("name") == name:
                return {
                    key: project_vars[m.group(1)] if isinstance(value, str) and (m := re.fullmatch(r"\{\{\s*var\('(\w+)'\)\s*\}\}", value)) else value
                    for key, value in (entry.get("config") or {}).items()
                }
    return {}


def duckdb_table(warehouse: Path, name: str) -> tuple[list[str], list[str], list[tuple]]:
    """Columns, DuckDB types and rows of the built table or view `name`, in whichever schema."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (schema,) = con.execute(
            "select table_schema from information_schema.tables where table_name = ?", [name]).fetchone()
        relation = con.sql(f'select * from "{schema}"."{name}"')
        return relation.columns, [str(t) for t in relation.types], relation.fetchall()


def spark_frame(spark, warehouse: Path, name: str):
    columns, types, rows = duckdb_table(warehouse, name)
    schema = ", ".join(f"`{c}` {SPARK_TYPES.get(t, 'string')}" for c, t in zip(columns, types))
    return spark.createDataFrame(rows, schema=schema)


@pytest.mark.parametrize("relative_path", PYTHON_MODELS)
def test_python_model_on_spark_dataframes_equals_duckdb(relative_path, spark, built_warehouse):
    """Fed Spark DataFrames, the model returns a Spark DataFrame with the DuckDB build's rows."""
    from pyspark.sql import DataFrame

    module = load_model_module(relative_path)
    refs = sorted(set(re.findall(r'dbt\.ref\("([^"]+)"\)', (PROJECT_DIR / relative_path).read_text())))
    stand_in = StandInDbt({name: spark_frame(spark, built_warehouse, name) for name in refs}, model_config(relative_path))
    result = module.model(stand_in, spark)
    assert isinstance(result, DataFrame), type(result)
    expected_columns, _types, expected_rows = duckdb_table(built_warehouse, Path(relative_path).stem)
    found = differences(expected_columns, expected_rows, result.columns, [tuple(row) for row in result.collect()])
    assert not found, found


def test_edges_accept_every_frame_kind(spark):
    """as_pandas reads pandas, a DuckDB relation and a Spark DataFrame alike; to_warehouse_frame keeps
    pandas for DuckDB and gives Spark a typed DataFrame even when the result is empty."""
    from pyspark.sql import DataFrame

    module = load_model_module(PYTHON_MODELS[0])
    frame = pd.DataFrame({"name": ["a", "b"], "value": [1.5, None], "at": pd.to_datetime(["2024-01-01", "2024-01-02"])})
    with duckdb.connect() as con:
        from_duckdb = module.as_pandas(con.sql("select * from frame"))
    from_spark = module.as_pandas(spark.createDataFrame(frame))
    for converted in (module.as_pandas(frame), from_duckdb, from_spark):
        assert list(converted["name"]) == ["a", "b"] and converted["value"].iloc[0] == 1.5
    with duckdb.connect() as con:
        assert isinstance(module.to_warehouse_frame(frame, con), pd.DataFrame)
    empty = module.to_warehouse_frame(frame.iloc[0:0], spark)
    assert isinstance(empty, DataFrame) and empty.count() == 0
    assert dict(empty.dtypes) == {"name": "string", "value": "double", "at": "timestamp"}
    with pytest.raises(TypeError):
        module.as_pandas(object())


def function_source(path: str, name: str) -> str:
    tree = ast.parse((PROJECT_DIR / path).read_text())
    (node,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
    return ast.unparse(node)


@pytest.mark.parametrize("name", EDGE_FUNCTIONS)
def test_every_python_model_has_the_same_edges(name):
    """The edge functions are copied into each model (models cannot import project code): all alike."""
    sources = {path: function_source(path, name) for path in PYTHON_MODELS}
    assert len(set(sources.values())) == 1, f"{name} differs between Python models"
    for path in PYTHON_MODELS:
        model_source = function_source(path, "model")
        assert ".df()" not in model_source and "as_pandas(" in model_source and "to_warehouse_frame(" in model_source, path
