"""The SLO marts on the shipped logs: the gateway incident of 2024-03-12 14:00
pages through the fast-burn rule within 10 minutes, and the figures of
slo_status and slo_burn_rate_alerts recount from staging, independently of
the 5-minute buckets."""
from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta

import duckdb
import yaml

from conftest import PROJECT_DIR, run_dbt

INCIDENT_START = datetime(2024, 3, 12, 14, 0)   # tsg_incident_start of the shipped incident
GATEWAY_SCOPE = ("service_name = 'api.gateway.main' and environment = 'prod' and not is_test_traffic")


def test_the_shipped_gateway_incident_pages_within_10_minutes_naming_the_slo_and_rule(query):
    pages = query("""
        select slo_name, rule_name, severity, started_at, long_window_burn_rate_at_start, short_window_burn_rate_at_start
        from marts.slo_burn_rate_alerts
        where service_name = 'api.gateway.main' and severity = 'page' and started_at >= ?
        order by started_at, rule_name
    """, [INCIDENT_START])
    first = pages[0]
    assert first[:4] == ("gateway_main_availability", "page_fast_burn", "page", datetime(2024, 3, 12, 14, 5))
    assert first[3] - INCIDENT_START <= timedelta(minutes=10)
    assert first[4] > 14.4 and first[5] > 14.4
    # nothing paged before the incident: the background 5xx burn only the slow ticket budget
    assert query("select count(*) from marts.slo_burn_rate_alerts where severity = 'page' and service_name = 'api.gateway.main' "
                 "and started_at < ?", [INCIDENT_START])[0][0] == 0


def test_burn_rates_at_the_page_recount_from_staging(query):
    """The 1-hour and 5-minute burn rates at 14:05, and the hour's bad and total
    requests, from the raw requests of [13:05, 14:05) and [14:00, 14:05)
    (window end excluded), objective 99.9 %."""
    def counts(start, end):
        return query(f"""
            select count(*) filter (where status_code >= 500), count(*)
            from staging.stg_gateway__api_gateway_logs
            where {GATEWAY_SCOPE} and requested_at >= ? and requested_at < ?
        """, [start, end])[0]

    def burn(start, end):
        bad, total = counts(start, end)
        return bad / total / 0.001
    step = datetime(2024, 3, 12, 14, 5)
    long_rate, short_rate, bad, total = query("""
        select long_window_burn_rate_at_start, short_window_burn_rate_at_start, long_window_bad_events_at_start,
               long_window_events_at_start
        from marts.slo_burn_rate_alerts
        where slo_name = 'gateway_main_availability' and rule_name = 'page_fast_burn' and started_at = ?
    """, [step])[0]
    assert abs(long_rate - burn(step - timedelta(hours=1), step)) < 1e-9
    assert abs(short_rate - burn(step - timedelta(minutes=5), step)) < 1e-9
    assert (bad, total) == counts(step - timedelta(hours=1), step)


def test_status_at_the_newest_step_recounts_from_staging(query):
    (evaluated_at, total, good, sli_pct, budget, remaining_pct, burn, hours_left) = query("""
        select evaluated_at, total_events, good_events, sli_pct, error_budget_events, budget_remaining_pct,
               current_burn_rate, hours_until_budget_exhausted
        from marts.slo_status where slo_name = 'gateway_main_latency' order by evaluated_at desc limit 1
    """)[0]
    assert evaluated_at == datetime(2024, 3, 12, 16, 30)   # end of the bucket of the log's newest request
    raw_total, raw_good = query(f"""
        select count(*), count(*) filter (where latency_ms < 1000) from staging.stg_gateway__api_gateway_logs
        where {GATEWAY_SCOPE} and requested_at < ?
    """, [evaluated_at])[0]
    assert (total, good) == (raw_total, raw_good)          # the whole log is inside the 28-day window
    assert abs(sli_pct - 100 * good / total) < 1e-9 and abs(budget - total * 0.01) < 1e-9
    assert abs(remaining_pct - 100 * (1 - (total - good) / budget)) < 1e-6
    assert (burn == 0) == (hours_left is None)


def test_every_slo_has_a_row_every_5_minutes_of_its_log(query):
    for slo_name, rows, first, last in query("""
        select slo_name, count(*), min(evaluated_at), max(evaluated_at) from marts.slo_status group by slo_name
    """):
        assert rows == (last - first) / timedelta(minutes=5) + 1, slo_name
    logs = dict(query("""
        select case when service_name like 'api.gateway.%' then 'gateway_requests' else 'function_invocations' end,
               max(evaluated_at)
        from marts.slo_status group by 1
    """))
    newest_invocation = query("select max(start_timestamp) from staging.stg_serverless__function_invocations")[0][0]
    assert logs["function_invocations"] - timedelta(minutes=5) <= newest_invocation < logs["function_invocations"]


def test_an_slo_that_counts_no_event_warns_naming_it(built_warehouse, tmp_path):
    """An SLO whose service matches nothing (`SVC.A` for `svc.a`) has a row every 5 minutes and never alerts,
    like a quiet service (operator trial); the build warns naming it. Here on a copy of the shipped build with
    such an SLO in var `slos` and its rows added, and the test alone run; and for an SLO without any row (its
    log had no event: another operator trial's empty function log)."""
    warehouse = tmp_path / built_warehouse.name   # the file name is the database name the compiled SQL uses
    shutil.copy(built_warehouse, warehouse)
    slos = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]["slos"]
    typo = {**slos[0], "name": "typo_availability", "service": "SVC.A"}
    with duckdb.connect(str(warehouse)) as con:
        con.execute("insert into marts.slo_status by name select 'typo_availability' as slo_name, 'SVC.A' as service_name, "
                    "evaluated_at, 0 as total_events, 0 as good_events, 0 as bad_events from marts.slo_status "
                    "where slo_name = 'gateway_main_availability'")
    for added in ([typo], [typo, {**typo, "name": "no_rows_availability"}]):
        result = run_dbt(["test", "-s", "test_name:slo_counts_events", "--target-path", str(tmp_path / "target"),
                          "--vars", json.dumps({"slos": slos + added})], warehouse)
        assert "WARN=1" in result.stdout and "ERROR=0" in result.stdout
        assert f"Got {len(added)} result" in result.stdout
        said = " ".join(result.stdout.split())   # and names them ("Got 2 results" alone told an operator trial nothing)
        named = ", ".join(f"{slo['name']} (gateway_requests, service SVC.A)" for slo in added)   # in var order
        assert f"{len(added)} SLO(s) of var 'slos' count no event: {named}." in said, said[-2000:]
    shipped = run_dbt(["test", "-s", "test_name:slo_counts_events", "--target-path", str(tmp_path / "target")], built_warehouse)
    assert "WARN=0" in shipped.stdout and "ERROR=0" in shipped.stdout
