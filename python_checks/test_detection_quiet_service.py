"""A quiet service's 5xx share through dbt, the case that paged in the operator trial: at night the
service has 6 to 8 requests an hour, so one 5xx is a share of 0.12 and the robust scale, floored at the
share's tiny resolution, scored it z +27. int_metrics__hourly gives each share its bucket's requests as
`sample_size`, and the robust z is capped at the binomial evidence of that count
(test_detection_sample_evidence has the counterfactual without sample sizes): the one 5xx pages no more,
five 5xx among 6 requests still do, as one incident rooted in server_error_rate. Likewise one slow
request among a night hour's 7 is that hour's p99: its bucket has no tail of its own, and it pages no
more (sample_evidence.quantile_evidence)."""
from __future__ import annotations

from datetime import datetime, timedelta

from conftest import run_dbt
from hostile import contract_csv, rows
from project_copy import copy_project

SELECTION = ["-s", "+incidents", "--exclude", "test_type:unit", "tag:shipped_data", "test_name:quarantined_share"]
START = datetime(2024, 3, 1)
ONE_IN_EIGHT = datetime(2024, 3, 5, 2)
FIVE_IN_SIX = datetime(2024, 3, 6, 3)
ONE_SLOW = datetime(2024, 3, 5, 4)
SERIES = "quiet/prod"


def _requests() -> list[dict]:
    """Six days and an hour: 200 to 222 requests an hour from 08:00 to 20:00 with a 5xx every fifth hour,
    6 to 8 an hour at night without any, except one 5xx at ONE_IN_EIGHT and five at FIVE_IN_SIX; latencies
of 100 to 149 ms, except one request of 3 s at ONE_SLOW."""
    out = []
    for hour in range(24 * 6 + 1):
        hour_start = START + timedelta(hours=hour)
        busy = 8 <= hour_start.hour < 20
        per_hour = 200 + (hour * 7) % 23 if busy else 6 + hour % 3
        bad = {ONE_IN_EIGHT: 1, FIVE_IN_SIX: 5}.get(hour_start, int(busy and hour % 5 == 0))
        for index in range(per_hour):
            out.append({"request_id": f"r{hour}-{index}", "timestamp": (hour_start + timedelta(seconds=index * 3600 // per_hour)).isoformat(sep=" "),
                        "region": "us-east", "environment": "prod", "service_name": "quiet",
                        "status_code": "503" if index < bad else "200",
                        "latency_ms": "3000" if (hour_start, index) == (ONE_SLOW, 0) else str(100 + index % 50)})
    return out


def test_one_5xx_or_one_slow_request_in_a_quiet_hour_does_not_page_five_5xx_do(tmp_path):
    project = copy_project(tmp_path / "project", {"api_gateway_logs.csv": contract_csv("api_gateway_logs", _requests())})
    warehouse = project / "warehouse" / "w.duckdb"
    run_dbt(["build", *SELECTION], warehouse, cwd=project)
    shares = {at: rest for at, *rest in rows(
        warehouse, "select observed_at, sample_size, z_score, sample_evidence_z, is_anomaly from marts.metric_anomalies "
                   f"where service_name = '{SERIES}' and metric_name = 'server_error_rate' and observed_at in "
                   f"('{ONE_IN_EIGHT}', '{FIVE_IN_SIX}')")}
    sample_size, z_score, evidence, is_anomaly = shares[ONE_IN_EIGHT]
    assert (sample_size, is_anomaly) == (8, False)
    assert z_score == evidence and 0 < z_score < 3
    sample_size, z_score, evidence, is_anomaly = shares[FIVE_IN_SIX]
    assert (sample_size, is_anomaly) == (6, True) and z_score > 5
    (slow,) = rows(warehouse, "select sample_size, sample_evidence_z, z_score, is_anomaly from marts.metric_anomalies "
                              f"where service_name = '{SERIES}' and metric_name = 'p99_latency_ms' and observed_at = '{ONE_SLOW}'")
    assert slow == (7, 0.0, 0.0, False)
    assert rows(warehouse, f"select started_at, root_cause_metric from marts.incidents where service_name = '{SERIES}'") == [
        (FIVE_IN_SIX, "server_error_rate")]
