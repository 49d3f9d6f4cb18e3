"""SLO definitions and alert rules are user input: each malformed one stops the
run at parse time (before any SQL runs) with the SLO's or rule's name and the
field at fault.

dbt runs in-process here (dbtRunner): a failing parse takes about a second,
against several for a fresh `dbt` process per case."""
from __future__ import annotations

import json

import pytest
from dbt.cli.main import dbtRunner

from conftest import PROJECT_DIR

GOOD_SLO = {"name": "api_availability", "service": "api.gateway.main",
            "indicator": {"kind": "availability", "source": "gateway_requests", "filter": {"environment": "prod"}},
            "objective_pct": 99.9, "time_window": "28d"}
GOOD_RULE = {"name": "page_fast_burn", "severity": "page", "long_window": "1h", "short_window": "5m",
             "burn_rate_threshold": 14.4}


def slo(**changes):
    """GOOD_SLO with fields replaced (None removes the field)."""
    changed = {**GOOD_SLO, **changes}
    return {key: value for key, value in changed.items() if value is not None}


def indicator(**changes):
    return slo(indicator={**GOOD_SLO["indicator"], **changes})


def parse_error(tmp_path, dbt_vars: dict) -> str:
    """dbt parse with these vars; the compilation error it raised (the test fails if it parsed)."""
    result = dbtRunner().invoke([
        "parse", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
        "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
        "--vars", json.dumps(dbt_vars), "--quiet",
    ])
    assert not result.success, "the malformed definition parsed"
    return str(result.exception)


@pytest.mark.parametrize(("slos", "message"), [
    ([slo(objective_pct=None)],
     "Invalid SLO 'api_availability' in var 'slos': field 'objective_pct' missing"),
    ([slo(objective_pct=100)],
     "Invalid SLO 'api_availability' in var 'slos': field 'objective_pct' is 100; expected a percentage strictly between 0 and 100"),
    ([indicator(kind="throughput")],
     "Invalid SLO 'api_availability' in var 'slos': field 'indicator.kind' is \"throughput\"; expected availability or latency"),
    ([indicator(source="kafka_topic")],
     "field 'indicator.source' is \"kafka_topic\"; expected one of function_invocations, gateway_requests"),
    ([slo(time_window="28 days")], "field 'time_window' is \"28 days\"; expected a rolling window"),
    ([slo(time_window="7m")], "field 'time_window' is \"7m\""),  # not whole 5-minute buckets
    ([slo(time_window="99999999999w")], "field 'time_window' is \"99999999999w\"; expected a rolling window"),  # over a year
    ([slo(time_window="367d")], "field 'time_window' is \"367d\""),
    ([indicator(kind="latency", threshold_ms="1e400")], "field 'indicator.threshold_ms' is \"1e400\"; expected a latency in ms > 0"),
    ([indicator(kind="latency", threshold_ms="2e15")], "field 'indicator.threshold_ms' is \"2e15\"; expected a latency in ms > 0"),
    ([indicator(kind="latency", threshold_ms="\u0662\u0660")], "field 'indicator.threshold_ms' is"),   # Arabic-Indic digits
    ([indicator(kind="latency")], "field 'indicator.threshold_ms' missing; expected a latency in ms > 0"),
    ([slo(indicator={"kind": "availability", "source": "function_invocations", "filter": {"environment": "prod"}})],
     "field 'indicator.filter.environment' is \"prod\"; expected no such filter for source function_invocations"),
    ([slo(objective=99.9)], "field 'objective' is 99.9; expected no such field"),
    ([slo(), slo()], "Invalid SLO 'api_availability' in var 'slos': field 'name' is \"api_availability\"; expected a name no other SLO has"),
    # found by an operator trial: a final line break passed the name pattern (a second SLO read the same),
    # a list as source raised Python's "unhashable type", and [] as filter meant no filter
    ([slo(name="api_availability\n")], "field 'name' is \"api_availability\\n\"; expected a lower-case identifier"),
    ([indicator(source=["gateway_requests"])], "field 'indicator.source' is [\"gateway_requests\"]; expected one of"),
    ([indicator(filter=[])], "field 'indicator.filter' is []; expected a mapping of column to value"),
])
def test_a_malformed_slo_fails_at_parse_time_with_its_name_and_field(tmp_path, slos, message):
    assert message in parse_error(tmp_path, {"slos": slos})


@pytest.mark.parametrize(("rule", "message"), [
    ({**GOOD_RULE, "short_window": "1h"},
     "Invalid rule 'page_fast_burn' in var 'slo_burn_rate_rules': field 'short_window' is \"1h\"; expected a window"),
    ({**GOOD_RULE, "burn_rate_threshold": 0}, "field 'burn_rate_threshold' is 0; expected a burn rate > 0"),
    ({**GOOD_RULE, "burn_rate_threshold": "1e400"}, "field 'burn_rate_threshold' is \"1e400\"; expected a burn rate > 0"),
    ({**GOOD_RULE, "severity": "sms"}, "field 'severity' is \"sms\"; expected page or ticket"),
    *[({**GOOD_RULE, "min_bad_events": value}, f"field 'min_bad_events' is {shown}; expected a whole number of bad events >= 1")
      for value, shown in ((0, "0"), (-1, "-1"), (2.5, "2.5"), ("3; drop table x", '"3; drop table x"'), (True, "true"),
                           (10**10, "10000000000"))],
    *[({**GOOD_RULE, "keep_firing_for": value}, f"field 'keep_firing_for' is {shown}; expected a window <n>m")
      for value, shown in (("0m", '"0m"'), ("7m", '"7m"'), (30, "30"), ("1h; drop table x", '"1h; drop table x"'), (True, "true"))],
    ({**GOOD_RULE, "name": "page_fast_burn\n"},
     "\"name\": \"page_fast_burn\\n\", \"severity\": \"page\", \"short_window\": \"5m\"}; expected each rule to be a mapping "
     "with a unique lower-case identifier"),
])
def test_a_malformed_alert_rule_fails_at_parse_time_with_its_name_and_field(tmp_path, rule, message):
    assert message in parse_error(tmp_path, {"slo_burn_rate_rules": [rule]})


def test_filter_values_are_compared_as_staging_writes_them(tmp_path):
    """Staging lower-cases the gateway's environment and region: an SLO on `environment: PROD` counted no
    request at all, and no alert could fire (operator trial). The filter is lower-cased the same way."""
    result = dbtRunner().invoke([
        "compile", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR), "--quiet",
        "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
        "--inline", "{% set d = oncall_analytics.slo_definitions()[0] %}select '{{ d.environment }}/{{ d.region }}' as scope",
        "--vars", json.dumps({"slos": [indicator(filter={"environment": " PROD", "region": "US-East"})]}),
    ])
    assert result.success and "'prod/us-east'" in result.result.results[0].node.compiled_code
