"""The SQL layer on Apache Spark equals the DuckDB build (run by `make test-spark`).

One `dbt build --target spark` (local pyspark, dbt-spark's session method)
loads the seeds, builds every SQL model and runs their data tests on Spark;
any dbt error fails. The unit tests run on DuckDB only (`make test`): on Spark
they were 36 % of the build's time (134 s of 375 s of its two threads, 58
tests), and the CI's time is bounded. Then every SQL mart Spark wrote (Parquet
files in the warehouse directory) is compared row for row with the same mart of the
DuckDB build (`reference_warehouse`): same columns, same rows, floats within a
relative 1e-6, timestamps to the microsecond.

Skipped where pyspark is not installed (`make test` runs in `.venv`).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest

from conftest import run_dbt
from spark_compare import differences

pytest.importorskip("pyspark", reason="the Spark checks run in .venv-spark (make test-spark)")

# The marts that must exist on Spark (others are compared too when they appear).
KNOWN_SQL_MARTS = {
    "canary_version_comparison", "chained_invocations", "burst_windows",
    "burst_error_correlation", "invocation_chains",
    # the troubleshooting guide, SQL throughout: its nine checks and the plan
    "tsg_step02_version_regression", "tsg_step03_feature_flags", "tsg_step04_regional_availability",
    "tsg_step05_partitions", "tsg_step06_zones", "tsg_step07_endpoints", "tsg_step08_products",
    "tsg_step09_workflows", "tsg_step10_top_errors", "tsg_action_plan",
    # SQL beside the Python detection models, and built on Spark
    "metric_staleness",
}


@pytest.fixture(scope="module")
def spark_build(tmp_path_factory) -> dict:
    """`dbt build --target spark` into a fresh warehouse directory; its manifest and warehouse path."""
    root = tmp_path_factory.mktemp("spark")
    warehouse_dir = root / "spark-warehouse"
    target_path = root / "target"
    os.environ["DBT_SPARK_WAREHOUSE_DIR"] = str(warehouse_dir)
    try:
        run_dbt(["build", "--target", "spark", "--exclude-resource-type", "unit_test", "--target-path", str(target_path)],
                root / "unused.duckdb", artifacts=True)
    finally:
        os.environ.pop("DBT_SPARK_WAREHOUSE_DIR", None)
    manifest = json.loads((target_path / "manifest.json").read_text())
    results = json.loads((target_path / "run_results.json").read_text())
    return {"warehouse_dir": warehouse_dir, "manifest": manifest, "results": results}


def enabled_models(manifest: dict) -> dict[str, dict]:
    return {node["name"]: node for node in manifest["nodes"].values() if node["resource_type"] == "model"}


def sql_marts(manifest: dict) -> list[str]:
    return sorted(name for name, node in enabled_models(manifest).items()
                  if node["schema"] == "marts" and node["language"] == "sql")


def test_spark_build_ran_everything_sql(spark_build):
    """Seeds, every SQL model and the data tests of the enabled models ran on Spark, all passing."""
    results = spark_build["results"]["results"]
    kinds = {}
    for result in results:
        kind = result["unique_id"].split(".")[0]
        kinds[kind] = kinds.get(kind, 0) + 1
        assert result["status"] in ("success", "pass"), (result["unique_id"], result["status"], result.get("message"))
    assert kinds.get("seed", 0) >= 3 and kinds.get("model", 0) >= 15 and kinds.get("test", 0) >= 50, kinds
    assert "unit_test" not in kinds, kinds   # left to DuckDB (make test), as the README's adapter table says
    models = enabled_models(spark_build["manifest"])
    python_models = [name for name, node in models.items() if node["language"] == "python"]
    assert python_models == [], f"Python models must be disabled on Spark: {python_models}"
    assert KNOWN_SQL_MARTS <= set(sql_marts(spark_build["manifest"]))


def spark_rows(warehouse_dir: Path, table: str) -> tuple[list[str], list[tuple]]:
    """A Spark-written table read back from its Parquet files (timestamps as UTC wall-clock)."""
    files = sorted((warehouse_dir / "marts.db" / table).glob("*.parquet"))
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        if not files:
            return [], []
        relation = con.read_parquet([str(f) for f in files])
        columns, types = relation.columns, [str(t) for t in relation.types]
        select = ", ".join(
            f'cast("{c}" as timestamp) as "{c}"' if t.startswith("TIMESTAMP") else f'"{c}"'
            for c, t in zip(columns, types)
        )
        return columns, relation.query("spark_table", f"select {select} from spark_table").fetchall()


def duckdb_rows(warehouse: Path, table: str) -> tuple[list[str], list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        relation = con.sql(f'select * from marts."{table}"')
        return relation.columns, relation.fetchall()


def test_every_sql_mart_equals_duckdb(spark_build, reference_warehouse):
    """Every SQL mart built on Spark holds the DuckDB build's rows, row for row."""
    marts = sql_marts(spark_build["manifest"])
    report = {}
    for table in marts:
        duck_columns, duck = duckdb_rows(reference_warehouse, table)
        spark_columns, spark = spark_rows(spark_build["warehouse_dir"], table)
        found = differences(duck_columns, duck, spark_columns, spark)
        if found:
            report[table] = found
    assert not report, json.dumps(report, indent=2, default=str)
    assert len(marts) >= len(KNOWN_SQL_MARTS)


def test_comparison_catches_a_difference():
    """The comparison itself fails on a changed value, a missing row and a float beyond tolerance."""
    columns = ["id", "rate"]
    rows = [("a", 1.0), ("b", 2.0)]
    assert differences(columns, rows, columns, [("b", 2.0), ("a", 1.0 + 1e-9)]) == []
    assert differences(columns, rows, columns, [("a", 1.0), ("b", 2.0 * (1 + 1e-5))])
    assert differences(columns, rows, columns, [("a", 1.0)])
    assert differences(columns, rows, columns, [("a", 1.0), ("c", 2.0)])
