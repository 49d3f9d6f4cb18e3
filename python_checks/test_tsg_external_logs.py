"""Bring your own gateway logs: with `log_source: external` the gateway staging
reads typed Parquet files instead of the seeds, and the action plan comes
out the same."""
from __future__ import annotations

import duckdb

from conftest import PROJECT_DIR, run_dbt

TYPED = {
    "api_gateway_logs": "* replace (try_cast(timestamp as timestamp) as timestamp, try_cast(status_code as integer) as status_code,"
                        " try_cast(latency_ms as double) as latency_ms)",
    "feature_flags": "*",
    "infrastructure_metrics": "* replace (cast(timestamp as timestamp) as timestamp, try_cast(cpu_utilization as double) as cpu_utilization)",
    "product_metadata": "*",
    "workflow_tracking": "* replace (cast(timestamp as timestamp) as timestamp)",
}


def test_external_gateway_logs_give_the_same_plan(built_warehouse, tmp_path):
    logs = tmp_path / "logs"
    with duckdb.connect() as con:
        for table, columns in TYPED.items():
            (logs / table).mkdir(parents=True)
            con.execute(
                f"copy (select {columns} from read_csv('{PROJECT_DIR / 'seeds' / table}.csv', all_varchar = true))"
                f" to '{logs / table}/part-0.parquet' (format parquet)"
            )
    warehouse = tmp_path / "external.duckdb"
    run_dbt(["build", "-s", "+tsg_action_plan", "source:gateway", "--exclude", "test_type:unit", "tag:shipped_data",
             "--indirect-selection", "cautious", "--target-path", str(tmp_path / "target"),
             "--vars", f"{{log_source: external, logs_path: '{logs}'}}"], warehouse)

    def plan(path):
        with duckdb.connect(str(path), read_only=True) as con:
            return con.execute("select priority, dimension, dimension_value, finding_role, evidence"
                               " from marts.tsg_action_plan order by priority").fetchall()
    assert plan(warehouse) == plan(built_warehouse)
