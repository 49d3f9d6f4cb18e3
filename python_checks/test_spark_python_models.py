"""The dbt Python models on Spark (run by `make test-spark`).

dbt-spark's session method cannot run Python models (they are disabled on
the spark target), but on a Python-capable Spark warehouse dbt.ref() gives a
Spark DataFrame and the session is a SparkSession. Here each Python model's
`model(dbt, session)` is called with a local SparkSession (two cores, inputs
spread over several partitions) and a stand-in `dbt` whose ref() returns
Spark DataFrames; the package then runs its kernels on the workers
(groupBy(...).applyInPandas, mapInPandas), and the model must return a Spark
DataFrame with exactly the rows the DuckDB path gives:

- on the shipped data, against the DuckDB build's tables (`reference_warehouse`);
- on 208 synthetic series (26 services with planted incidents), against the
  same models run in process on DuckDB, model by model along the DAG.

Skipped where pyspark is not installed (`make test` runs in `.venv`).
"""
from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import PROJECT_DIR, load_model_module
from detection_synthetic import planted_incident
from spark_compare import differences

pytest.importorskip("pyspark", reason="the Spark checks run in .venv-spark (make test-spark)")

PYTHON_MODELS = sorted(str(p.relative_to(PROJECT_DIR)) for p in (PROJECT_DIR / "models").rglob("*.py"))
PARTITIONS = 4
# DuckDB column type -> Spark SQL type, for the input DataFrames.
SPARK_TYPES = {"VARCHAR": "string", "DOUBLE": "double", "FLOAT": "double", "BIGINT": "bigint",
               "INTEGER": "int", "HUGEINT": "double", "BOOLEAN": "boolean", "TIMESTAMP": "timestamp", "DATE": "date"}


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    os.environ["TZ"] = "UTC"  # Python-side timestamps of collect() are local time
    time.tzset()
    os.environ["PYSPARK_PYTHON"] = sys.executable  # the workers run the package's kernels: this venv's Python
    session = (
        SparkSession.builder.master("local[2]").appName("oncall_analytics python models")
        .config("spark.sql.session.timeZone", "UTC").config("spark.sql.shuffle.partitions", str(PARTITIONS))
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
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
    """The `dbt` object a warehouse hands the model: ref() gives the frames it was built with."""

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


def model_refs(relative_path: str) -> list[str]:
    return sorted(set(re.findall(r'dbt\.ref\("([^"]+)"\)', (PROJECT_DIR / relative_path).read_text())))


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
    return spark.createDataFrame(rows, schema=schema).repartition(PARTITIONS)


@pytest.mark.parametrize("relative_path", PYTHON_MODELS)
def test_python_model_on_spark_dataframes_equals_duckdb(relative_path, spark, reference_warehouse):
    """Fed Spark DataFrames of the shipped data, the model returns a Spark DataFrame with the DuckDB build's rows."""
    from pyspark.sql import DataFrame

    module = load_model_module(relative_path)
    stand_in = StandInDbt({name: spark_frame(spark, reference_warehouse, name) for name in model_refs(relative_path)},
                          model_config(relative_path))
    result = module.model(stand_in, spark)
    assert isinstance(result, DataFrame), type(result)
    expected_columns, _types, expected_rows = duckdb_table(reference_warehouse, Path(relative_path).stem)
    found = differences(expected_columns, expected_rows, result.columns, [tuple(row) for row in result.collect()])
    assert not found, found


# 208 series ---------------------------------------------------------------------

DETECTION_DAG = [  # (model file, refs), parents first
    "models/intermediate/detection/int_metrics__anomaly_scores.py", "models/marts/detection/metric_anomalies.py",
    "models/marts/detection/incident_metrics.py", "models/marts/detection/incidents.py",
    "models/marts/detection/metric_level_shifts.py", "models/marts/detection/metric_causal_graph.py",
    "models/marts/detection/alert_budget.py", "models/marts/detection/srm_check.py",
    "models/marts/detection/incident_postmortems.py",
]
SERVICES = 26


def synthetic_inputs() -> dict[str, pd.DataFrame]:
    """The detection models' sources: 26 services x 8 metrics x 14 days with an incident each, labels, canary splits."""
    hourly = pd.concat([planted_incident(seed, lead_hours=1 + seed % 2, missing_share=0.05 * (seed % 3))[0]
                        .assign(service_name=f"svc-{seed:02d}") for seed in range(SERVICES)], ignore_index=True)
    labels = pd.DataFrame({
        "label_id": ["a", "b", "c"], "service_name": ["svc-00", "svc-03", "svc-07"],
        "started_at": pd.to_datetime(["2023-11-20 00:00:00", "2023-11-24 00:00:00", "2023-11-19 12:00:00"]),
        "ended_at": pd.to_datetime(["2023-11-29 00:00:00", "2023-11-25 00:00:00", "2023-11-30 00:00:00"]),
        "description": ["planted", "wrong day", "planted"],
    })
    window = {"window_start": pd.Timestamp("2023-12-01 10:00:00"), "window_end": pd.Timestamp("2023-12-01 10:01:00")}
    split = pd.DataFrame({"function_name": ["f", "f", "g", "g", "g"], "version_id": np.array([1, 2, 1, 2, 3], dtype=np.int64),
                          "invocations": np.array([560, 440, 50, 50, 7], dtype=np.int64),
                          "expected_weight": [50.0, 50.0, 50.0, 50.0, 0.0], **window})
    return {"int_metrics__hourly": hourly, "stg_oncall__incident_labels": labels, "int_serverless__canary_traffic_split": split}


@pytest.fixture(scope="module")
def duckdb_path() -> dict[str, pd.DataFrame]:
    """Every detection model run in process on DuckDB relations, along the DAG: its result by model name."""
    tables = synthetic_inputs()
    assert tables["int_metrics__hourly"].groupby(["service_name", "metric_name"]).ngroups >= 200
    with duckdb.connect() as con:
        for path in DETECTION_DAG:
            refs = {name: con.from_df(tables[name]) for name in model_refs(path)}
            tables[Path(path).stem] = load_model_module(path).model(StandInDbt(refs, model_config(path)), con)
    return tables


def sorted_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in one order whatever the engine gave: by every column that is not a float."""
    keys = [c for c in frame.columns if frame[c].dtype.kind != "f"]
    frame = frame.astype({c: "datetime64[us]" for c in frame.select_dtypes("datetime").columns})
    return frame.sort_values(keys, ignore_index=True) if keys else frame


@pytest.mark.parametrize("path", DETECTION_DAG, ids=lambda p: Path(p).stem)
def test_python_model_distributed_on_spark_equals_duckdb_on_208_series(path, spark, duckdb_path):
    """The same rows from Spark (the inputs in several partitions, kernels on the workers) as from DuckDB."""
    from pyspark.sql import DataFrame

    refs = {}
    for name in model_refs(path):
        refs[name] = spark.createDataFrame(duckdb_path[name]).repartition(PARTITIONS)
        assert refs[name].rdd.getNumPartitions() > 1
    result = load_model_module(path).model(StandInDbt(refs, model_config(path)), spark)
    assert isinstance(result, DataFrame), type(result)
    expected = duckdb_path[Path(path).stem]
    assert len(expected) > 0, "the synthetic data must give this model rows to compare"
    found = sorted_rows(result.toPandas())
    expected = sorted_rows(expected)
    assert list(found.columns) == list(expected.columns)
    assert len(found) == len(expected)
    for column in expected.columns:
        left, right = expected[column], found[column]
        if left.dtype.kind == "f":
            np.testing.assert_allclose(right.to_numpy(dtype=float), left.to_numpy(dtype=float), rtol=1e-9, equal_nan=True, err_msg=column)
        else:
            assert left.isna().equals(right.isna()), column
            present = left.notna().to_numpy()
            assert (left.to_numpy()[present] == right.to_numpy()[present]).all(), column


def test_edges_accept_spark_frames(spark):
    """as_pandas reads a Spark DataFrame; to_warehouse_frame gives Spark a typed DataFrame, even empty."""
    from pyspark.sql import DataFrame

    from oncall_analytics.frames import as_pandas, to_warehouse_frame

    frame = pd.DataFrame({"name": ["a", "b"], "value": [1.5, None], "at": pd.to_datetime(["2024-01-01", "2024-01-02"])})
    converted = as_pandas(spark.createDataFrame(frame))
    assert list(converted["name"]) == ["a", "b"] and converted["value"].iloc[0] == 1.5
    schema = {"name": "varchar", "value": "double", "at": "timestamp"}
    empty = to_warehouse_frame(frame.iloc[0:0], spark, schema)
    assert isinstance(empty, DataFrame) and empty.count() == 0
    assert dict(empty.dtypes) == {"name": "string", "value": "double", "at": "timestamp"}
