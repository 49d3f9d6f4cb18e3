"""The any-resolution metrics log: the staging kit stages it at its native
resolution (5 minutes), the sharp incident included, from declarations alone
(its seed is its generator's output: test_detection_seed.py)."""
import shutil
from datetime import datetime, timedelta

import duckdb
import pytest

from conftest import run_dbt


def test_staged_at_native_resolution_with_the_incident(query):
    series = query("select service_name, metric_name, count(*), min(observed_at), max(observed_at),"
                   " count(distinct observed_at - lag_at) from (select *, lag(observed_at) over"
                   " (partition by service_name, metric_name order by observed_at) as lag_at"
                   " from staging.stg_metrics__service_metrics) group by all order by all")
    assert [(service, metric, samples) for service, metric, samples, *_ in series] == [
        ("checkout-api", "error_rate", 864), ("checkout-api", "latency_p99_ms", 864),
        ("search-api", "error_rate", 864), ("search-api", "latency_p99_ms", 864)]
    assert {(first, last) for *_, first, last, _ in series} == {(datetime(2024, 5, 6), datetime(2024, 5, 8, 23, 55))}
    assert {steps for *_, steps in series} == {1}                      # one step size: 5 minutes, no bucketing
    (step,), = query("select distinct step from (select observed_at - lag(observed_at) over (partition by service_name, metric_name"
                     " order by observed_at) as step from staging.stg_metrics__service_metrics) as steps where step is not null")
    assert step == timedelta(minutes=5)
    spikes = query("select observed_at from staging.stg_metrics__service_metrics where service_name = 'checkout-api'"
                   " and metric_name = 'latency_p99_ms' and value > 500 order by 1")
    assert [moment for moment, in spikes] == [datetime(2024, 5, 7, 14, 10) + timedelta(minutes=5 * i) for i in range(7)]
    assert query("select count(*) from staging.stg_metrics__service_metrics_quarantine") == [(0,)]


def test_a_bucket_read_from_two_logs_stops_naming_the_series_and_both_models(built_warehouse, tmp_path):
    """A series may come from both metrics logs, but not one bucket of it: hourly rollups beside raw samples of
    the same hour cannot be told apart. The unique test after the model only said 'Got 1 results' and every
    detection mart was skipped (operator trial); the model now stops naming the series, bucket and models.
    Run as dbt compiles it, on a copy of the build with one hourly reading copied into the other log."""
    copy = tmp_path / built_warehouse.name   # the same file name: the compiled SQL names its catalog
    shutil.copy(built_warehouse, copy)
    run_dbt(["compile", "-s", "int_metrics__hourly", "--target-path", str(tmp_path / "target")], copy)
    compiled = (tmp_path / "target" / "compiled" / "oncall_analytics" / "models" / "intermediate" / "metrics"
                / "int_metrics__hourly.sql").read_text()
    with duckdb.connect(str(copy)) as con:
        assert con.sql(f"select count(*) from ({compiled})").fetchall() == con.sql("select count(*) from intermediate.int_metrics__hourly").fetchall()
        con.execute("create table staging.read_from_both as select * from staging.stg_metrics__service_metrics union all by name"
                    " (select service_name, metric_name, observed_at, value from staging.stg_metrics__service_metrics_hourly"
                    " order by observed_at, service_name, metric_name limit 1)")
        con.execute("drop view staging.stg_metrics__service_metrics")   # a view over the base table: replaced by the copy
        con.execute("alter table staging.read_from_both rename to stg_metrics__service_metrics")
        with pytest.raises(duckdb.Error, match="1 bucket.s. hold readings of one series from two models, e.g. service ranking-service, "
                                               "metric [a-z_]+ at 2023-11-17 00:00:00 from stg_metrics__service_metrics and "
                                               "stg_metrics__service_metrics_hourly"):
            con.sql(f"select count(*) from ({compiled})").fetchall()
