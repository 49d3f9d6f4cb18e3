"""The any-resolution metrics log: the staging kit stages it at its native
resolution (5 minutes), the sharp incident included, from declarations alone
(its seed is its generator's output: test_detection_seed.py)."""
from datetime import datetime, timedelta


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
