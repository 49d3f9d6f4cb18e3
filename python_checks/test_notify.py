"""Alert delivery (`python -m oncall_analytics notify`), against the built
warehouse and a real HTTP server on 127.0.0.1 (stdlib http.server in a
thread): each notification reaches the webhook once, in order, with what a
person needs; failures are retried within the run, then on the next run;
a 4xx is reported and not retried, counted on every run until it is resent
(--resend-rejected); a second run sends nothing; an open page
the warehouse no longer shows is withdrawn once, and sent again if it returns."""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from datetime import timedelta

import duckdb
import pytest

from conftest import PROJECT_DIR, run_dbt
from oncall_analytics.__main__ import main as oncall_main
from oncall_analytics.notify.notifications import LinkBuilder, alert_notifications, bucket_words, burn_rate_text, duration_text, log_length
from webhook_server import webhook

SINCE = ["--since", "2000-01-01 00:00:00"]   # everything in the warehouse is new
FAST = ["--retries", "2", "--backoff-s", "0.01", "--timeout-s", "2"]


def key_of(payload: dict) -> str:
    """The notification key, from the Slack message's context line."""
    return payload["blocks"][-1]["elements"][0]["text"].split(" · ", 1)[1]


def fields_of(payload: dict) -> dict[str, str]:
    return dict(field["text"][1:].split("*\n", 1) for field in payload["blocks"][1]["fields"])


@pytest.fixture
def warehouse(built_warehouse, tmp_path):
    """A private copy of the built warehouse (notify writes its state into it)."""
    copy = tmp_path / "oncall_analytics.duckdb"
    shutil.copy(built_warehouse, copy)
    return copy


def notify(warehouse, *args, url=None, monkeypatch=None) -> int:
    if url is not None:
        monkeypatch.setenv("ONCALL_WEBHOOK_URL", url)
    return oncall_main(["notify", "--warehouse", str(warehouse), *args])


def expected_keys(warehouse) -> list[str]:
    """What should be sent with --since 2000, straight from the marts (not from notify's code)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        alerts = con.execute("select alert_key, started_at, resolved_at from marts.slo_burn_rate_alerts").fetchall()
        incidents = con.execute("select service_name, started_at from marts.incidents").fetchall()
    keys = [f"slo_alert:{key}" for key, _, _ in alerts] + [f"slo_resolved:{key}" for key, _, resolved in alerts if resolved]
    keys += [f"incident:{service}/{started:%Y-%m-%d %H:%M:%S}" for service, started in incidents]
    return keys


def states(warehouse) -> dict[str, tuple[str, int]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("select notification_key, status, attempts from notify.deliveries where destination like 'webhook:%'").fetchall()
    return {key: (status, attempts) for key, status, attempts in rows}


def assert_in_order_once(payloads: list[dict]) -> list[str]:
    keys = [key_of(p) if "blocks" in p else p["key"] for p in payloads]   # webhook payloads or JSON lines
    assert len(keys) == len(set(keys)), "a notification arrived twice"
    position = {key: i for i, key in enumerate(keys)}
    for key in keys:   # every resolution after its alert
        if key.startswith("slo_resolved:"):
            assert position["slo_alert:" + key.split(":", 1)[1]] < position[key]
    return keys


def test_webhook_receives_each_notification_once_in_order_after_failed_attempts(warehouse, monkeypatch, capsys):
    # the first two attempts fail (503), then the server accepts: the retries within the run deliver
    with webhook(lambda n, payload: 503 if n < 2 else 200) as server:
        assert notify(warehouse, "--webhook", *SINCE, *FAST, url=server.url, monkeypatch=monkeypatch) == 0
        assert notify(warehouse, "--webhook", *FAST, url=server.url, monkeypatch=monkeypatch) == 0  # again: nothing new
    keys = assert_in_order_once(server.accepted)
    assert len(server.requests) == len(server.accepted) + 2
    assert key_of(server.requests[0]) == key_of(server.requests[2])      # the failed one, then the same again
    tsg = [k for k in keys if k.startswith("tsg_finding:")]
    assert set(keys) - set(tsg) == set(expected_keys(warehouse)) and len(tsg) == 1
    assert "webhook:ONCALL_WEBHOOK_URL: nothing new" in capsys.readouterr().err

    # the shipped incident (14:00): the fast-burn page of the gateway SLO, with what a person needs
    page = next(p for p in server.accepted if key_of(p) == "slo_alert:gateway_main_availability/page_fast_burn/2024-03-12 14:05:00")
    fields = fields_of(page)
    assert page["text"].startswith("[PAGE] gateway_main_availability: error budget burning (page_fast_burn)")
    assert fields["Where"] == "api.gateway.main (environment prod)"
    assert fields["Since"] == "2024-03-12 14:05:00 UTC"
    assert "burn rate 19.3x over 1h and 204.9x over 5m (46 of 2,381 events bad over 1h; threshold 14.4x" in fields["How bad"]
    assert "no 5xx status" in fields["What"]
    links = page["blocks"][2]["text"]["text"]
    assert "target/oncall_report.html#slo-gateway_main_availability|On-call report" in links
    assert "#!/model/model.oncall_analytics.slo_burn_rate_alerts|dbt docs" in links
    # ... followed by the troubleshooting guide's priority 1 for that scope
    finding = next(p for p in server.accepted if key_of(p).startswith("tsg_finding:"))
    assert "new_pricing_engine" in finding["text"] and keys.index(key_of(finding)) > keys.index(key_of(page))
    assert fields_of(finding)["Where"] == "us-east / prod / api.gateway.main"
    # the incident start the guide was run for, not the start of the newest page it follows (operator trial: a slow
    # burn's, 10 minutes after the incident) nor that page's end (review: it copied "(over at ...)")
    assert fields_of(finding)["Since"] == "2024-03-12 14:00:00 UTC"


def test_a_burn_rate_reads_above_the_threshold_it_exceeds():
    """1.008 against 1 printed "1.0x (threshold 1x)" (operator trial): digits are added until it reads above."""
    assert [burn_rate_text(rate, 14.4) for rate in (19.34, 14.4, 14.41, 3.0)] == ["19.3x", "14.4x", "14.41x", "3.0x"]
    assert [burn_rate_text(rate, 1.0) for rate in (1.008, 1.00004, 1.0, None)] == ["1.01x", ">1x", "1.0x", "?x"]


# The shipped guide's window is 12:00 to 16:00; the pages on its scope start at 14:05 (availability, fast
# burn resolved at 14:25) and 15:40 (latency): the finding follows the newest page firing in the window, or none.
AVAILABILITY_PAGES = {f"slo_alert:gateway_main_availability/{rule}/2024-03-12 14:05:00" for rule in ("page_fast_burn", "page_slow_burn")}
LATENCY_PAGE = "slo_alert:gateway_main_latency/page_fast_burn/2024-03-12 15:40:00"
TOTALS = "intermediate.int_gateway__scope_totals"
PLAN_WINDOWS = {
    "the shipped window": ("select 1", {LATENCY_PAGE}),
    "ending at the first page's start": (f"update {TOTALS} set window_end = timestamp '2024-03-12 14:05:00'", AVAILABILITY_PAGES),
    "ending a second before it": (f"update {TOTALS} set window_end = timestamp '2024-03-12 14:04:59'", set()),
    "after every page that started before it resolved": (
        "update marts.slo_burn_rate_alerts set resolved_at = started_at + interval 10 minute, is_firing = false"
        f" where resolved_at is null; update {TOTALS} set window_start = timestamp '2024-03-12 15:36:00',"
        " window_end = timestamp '2024-03-12 15:39:00'", set()),
    "a month earlier (another incident)": (f"update {TOTALS} set window_start = window_start - interval 30 day, "
                                           "window_end = window_end - interval 30 day", set()),
    "for another scope (an older build)": (f"update {TOTALS} set scope_label = 'eu-west / prod / api.gateway.main'", set()),
    "a warehouse without the window": (f"alter table {TOTALS} drop column window_end", set()),
}


@pytest.mark.parametrize("change", PLAN_WINDOWS)
def test_the_guide_is_sent_only_with_a_page_that_fired_in_its_window(warehouse, tmp_path, change):
    """A plan run for another incident (the one the daily build keeps for the vars' defaults, weeks old) says
    nothing about today's page on the same service: its finding is not sent with it. Its key holds the
    incident start, so the same finding for a later incident of the scope is sent again."""
    sql, follows = PLAN_WINDOWS[change]
    with duckdb.connect(str(warehouse)) as con:
        con.execute(sql)
    jsonl = tmp_path / "notifications.jsonl"
    assert notify(warehouse, "--jsonl", str(jsonl), *SINCE) == 0
    lines = [json.loads(line) for line in jsonl.read_text().splitlines()]
    findings = [line for line in lines if line["kind"] == "tsg_finding"]
    assert {line["key"] for line in lines} - {line["key"] for line in findings} == set(expected_keys(warehouse))
    assert len(findings) == (1 if follows else 0)
    assert all(finding["after"] in follows and finding["key"].endswith("/2024-03-12 14:00:00") for finding in findings)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_refused_connection_keeps_the_first_pending_and_the_next_run_delivers_all(warehouse, monkeypatch, capsys):
    port = free_port()  # nothing listens there
    assert notify(warehouse, "--webhook", *SINCE, *FAST, url=f"http://127.0.0.1:{port}/hook", monkeypatch=monkeypatch) == 1
    assert "kept pending" in capsys.readouterr().err
    pending = states(warehouse)
    assert list(pending.values()) == [("pending", 3)]           # 1 + 2 retries; nothing after it was tried
    with webhook(port=port) as server:                          # the webhook is back
        assert notify(warehouse, "--webhook", *FAST, url=server.url, monkeypatch=monkeypatch) == 0
    keys = assert_in_order_once(server.accepted)
    assert keys[0] == next(iter(pending))                       # the pending one first
    assert set(keys) >= set(expected_keys(warehouse))
    assert {status for status, _ in states(warehouse).values()} == {"sent"}


def test_a_5xx_outlasting_the_retries_is_sent_on_the_next_run_and_only_once(warehouse, monkeypatch):
    with webhook(lambda n, payload: 500 if n < 4 else 200) as server:
        assert notify(warehouse, "--webhook", *SINCE, *FAST, url=server.url, monkeypatch=monkeypatch) == 1
        assert server.accepted == [] and len(server.requests) == 3
        assert notify(warehouse, "--webhook", *FAST, url=server.url, monkeypatch=monkeypatch) == 0
    keys = assert_in_order_once(server.accepted)
    assert set(keys) >= set(expected_keys(warehouse))
    assert states(warehouse)[keys[0]] == ("sent", 5)            # 3 failed, 1 failed, 1 accepted


def test_a_4xx_is_reported_not_retried_and_its_resolution_is_not_sent(warehouse, monkeypatch, capsys):
    refused = "slo_alert:image_processor_availability/page_fast_burn/2023-11-30 10:05:00"
    with webhook(lambda n, payload: 400 if key_of(payload) == refused else 200) as server:
        assert notify(warehouse, "--webhook", *SINCE, *FAST, url=server.url, monkeypatch=monkeypatch) == 1
        assert f"{refused} rejected (HTTP 400" in capsys.readouterr().err
        # not retried, and not forgotten: a run that leaves a rejected page waiting does not exit 0
        assert notify(warehouse, "--webhook", *FAST, url=server.url, monkeypatch=monkeypatch) == 1
        assert "nothing new; 1 rejected earlier, not sent: rerun with --resend-rejected" in capsys.readouterr().err
    assert [key_of(p) for p in server.requests].count(refused) == 1   # tried once, never again
    keys = assert_in_order_once(server.accepted)
    resolution = refused.replace("slo_alert:", "slo_resolved:")
    assert refused not in keys and resolution not in keys
    assert states(warehouse)[refused][0] == "rejected" and states(warehouse)[resolution][0] == "skipped"
    assert set(keys) == set(expected_keys(warehouse)) - {refused, resolution} | {k for k in keys if k.startswith("tsg_")}


WAITING = "rejected earlier, not sent: rerun with --resend-rejected after fixing the destination"


def test_pages_a_wrong_url_rejected_are_resent_once_after_the_fix(warehouse, monkeypatch, capsys):
    """Operator trial: a webhook answering 404 rejected the first run's pages, and after the URL was fixed
    the next run said "nothing new" (exit 0): they were never delivered. Now each run counts them and exits
    1 until --resend-rejected delivers them, each once; a page rejected again stays waiting, a page resolved
    meanwhile goes with its resolution, and a page the warehouse no longer shows is dropped, not sent."""
    def run(*args):
        code = notify(warehouse, "--webhook", *FAST, *args, url=server.url, monkeypatch=monkeypatch)
        return code, capsys.readouterr().err.splitlines()[-1]

    with webhook(lambda n, payload: 404) as server:   # a wrong URL: every page refused
        assert run()[0] == 1
    rejected = {key for key, (status, _) in states(warehouse).items() if status == "rejected"}
    assert len(rejected) > 3 and len(server.requests) == len(rejected)
    resolved, gone, refused_again = (f"slo_alert:{key}" for key in (
        "gateway_main_latency/page_fast_burn/2024-03-12 16:05:00", "gateway_main_latency/ticket_slow_burn/2024-03-12 14:10:00",
        "gateway_main_availability/page_fast_burn/2024-03-12 14:05:00"))
    assert {resolved, gone, refused_again} <= rejected
    resolution = resolved.replace("slo_alert:", "slo_resolved:")
    with duckdb.connect(str(warehouse)) as con:   # meanwhile one page resolved, one left the warehouse (late rows)
        con.execute("update marts.slo_burn_rate_alerts set resolved_at = started_at + interval 10 minute, is_firing = false"
                    " where alert_key = ?", [resolved.split(":", 1)[1]])
        con.execute("delete from marts.slo_burn_rate_alerts where alert_key = ?", [gone.split(":", 1)[1]])

    refusals = []

    def refuse_once(n, payload):   # the fixed URL refuses one page once (a message it will take on a later try)
        if key_of(payload) == refused_again and not refusals:
            refusals.append(n)
            return 404
        return 200

    with webhook(refuse_once) as server:
        assert run() == (1, f"notify: webhook:ONCALL_WEBHOOK_URL: 1 skipped; {len(rejected)} {WAITING}")   # before: exit 0
        assert server.requests == [] and states(warehouse)[resolution][0] == "skipped"
        assert run("--resend-rejected") == (1, f"notify: webhook:ONCALL_WEBHOOK_URL: {len(rejected) - 1} sent, 1 rejected; "
                                                f"{len(rejected) - 1} of them resent; "
                                                "1 dropped (rejected or skipped earlier, the warehouse no longer shows them)")
        assert run() == (1, f"notify: webhook:ONCALL_WEBHOOK_URL: nothing new; 1 {WAITING}")
        assert run("--resend-rejected") == (0, "notify: webhook:ONCALL_WEBHOOK_URL: 1 sent; 1 of them resent")
        assert run() == (0, "notify: webhook:ONCALL_WEBHOOK_URL: nothing new")
        assert run("--resend-rejected") == (0, "notify: webhook:ONCALL_WEBHOOK_URL: nothing new")
    keys = assert_in_order_once(server.accepted)   # each once, the resolution after its page
    assert set(keys) == rejected - {gone} | {resolution} and len(refusals) == 1
    assert {status for status, _ in states(warehouse).values()} == {"sent", "baseline"} and gone not in states(warehouse)
    assert states(warehouse)[refused_again] == ("sent", 3)   # refused by the wrong URL, by the fixed one, then taken


def long_past_keys(warehouse) -> set[str]:
    """Incidents and alerts over and started more than 7 days before their scope's newest data, with the alerts'
    resolutions, straight from the marts (README: what a later run records as history)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        incidents = con.execute("select service_name, started_at from marts.incidents as i where started_at < (select"
                                " max(observed_at) - interval 7 day from intermediate.int_metrics__anomaly_scores as s"
                                " where s.service_name = i.service_name) and ended_at < (select max(observed_at) from"
                                " intermediate.int_metrics__anomaly_scores as s where s.service_name = i.service_name)").fetchall()
        alerts = con.execute("select alert_key from marts.slo_burn_rate_alerts as a where not is_firing and started_at < (select"
                             " max(evaluated_at) - interval 7 day from marts.slo_status as s where s.slo_name = a.slo_name)").fetchall()
    return ({f"incident:{service}/{started:%Y-%m-%d %H:%M:%S}" for service, started in incidents}
            | {f"{kind}:{key}" for (key,) in alerts for kind in ("slo_alert", "slo_resolved")})


@pytest.mark.parametrize("when", ["long past", "the warehouse reads other logs"])
def test_a_resend_sends_only_what_a_run_would_send_now(warehouse, monkeypatch, when):
    """Rejected deliveries do not flood once resent: a page long past is recorded as history, as a later run
    does with one shown for the first time; after a rebuild from other logs, only what is still going on is
    resent, as on a first run (with what follows each page, resolutions after their alerts)."""
    with webhook(lambda n, payload: 404) as server:   # everything since 2000 refused
        assert notify(warehouse, "--webhook", *SINCE, *FAST, url=server.url, monkeypatch=monkeypatch) == 1
    undelivered = set(states(warehouse))
    with duckdb.connect(str(warehouse)) as con:
        firing = {f"slo_alert:{key}" for (key,) in con.execute("select alert_key from marts.slo_burn_rate_alerts where is_firing").fetchall()}
        if when == "the warehouse reads other logs":
            con.execute("update staging.base_gateway__api_gateway_logs set loaded_from = 'read_parquet(/data/logs/api_gateway_logs/**/*.parquet)'")
    # the shipped guide's finding follows a page that is over (15:40 to 16:00): history after other logs, with it
    history = long_past_keys(warehouse) if when == "long past" else undelivered - firing
    assert history and undelivered - history
    with webhook() as server:
        assert notify(warehouse, "--webhook", "--resend-rejected", *FAST, url=server.url, monkeypatch=monkeypatch) == 0
        assert notify(warehouse, "--webhook", "--resend-rejected", *FAST, url=server.url, monkeypatch=monkeypatch) == 0
    keys = assert_in_order_once(server.accepted)
    assert set(keys) == undelivered - history
    assert {key: status for key, (status, _) in states(warehouse).items()} == {
        key: "sent" if key in keys else "baseline" for key in undelivered}


def test_a_timeout_is_retried_within_the_run(warehouse, monkeypatch):
    # the first request hangs past the client's timeout (and then fails anyway): retried, delivered once
    with webhook(lambda n, payload: ("sleep", 1.5, 504) if n == 0 else 200) as server:
        started = time.monotonic()
        assert notify(warehouse, "--webhook", *SINCE, "--retries", "1", "--backoff-s", "0", "--timeout-s", "0.3",
                      url=server.url, monkeypatch=monkeypatch) == 0
        assert time.monotonic() - started < 30
    keys = assert_in_order_once(server.accepted)
    assert key_of(server.requests[0]) == keys[0] and states(warehouse)[keys[0]] == ("sent", 2)


def test_first_run_sends_what_is_still_firing_and_records_history(warehouse, monkeypatch, capsys, tmp_path):
    jsonl = tmp_path / "notifications.jsonl"
    assert notify(warehouse, "--stdout", "--jsonl", str(jsonl)) == 0
    printed = capsys.readouterr().out
    lines = [json.loads(line) for line in jsonl.read_text().splitlines()]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        firing = {f"slo_alert:{k}" for (k,) in con.execute("select alert_key from marts.slo_burn_rate_alerts where is_firing").fetchall()}
        baseline = con.execute("select count(*) from notify.deliveries where status = 'baseline' and destination = 'stdout'").fetchone()[0]
    sent = [line["key"] for line in lines]
    assert set(sent) - {k for k in sent if k.startswith("tsg_finding:")} == firing and baseline > 0
    assert all(line["is_open"] for line in lines if line["kind"] == "slo_alert")
    assert printed.count("\n  how bad: ") == len(lines)
    assert "[PAGE] gateway_main_availability: error budget burning (page_fast_burn)" in printed
    assert notify(warehouse, "--stdout", "--jsonl", str(jsonl)) == 0      # twice: nothing twice
    assert capsys.readouterr().out == "" and len(jsonl.read_text().splitlines()) == len(lines)


def test_a_run_killed_after_writing_a_line_does_not_write_it_again(warehouse, tmp_path):
    """notify appends a line, fsyncs it, then records it; killed in between (operator trial: 4 runs in 5), the
    next run appended the line again. The file's own keys now count as written, and a line cut short by the
    kill is cut off, its notification written whole: every line stays one JSON object."""
    jsonl = tmp_path / "notifications.jsonl"
    assert notify(warehouse, "--jsonl", str(jsonl), *SINCE) == 0
    lines = jsonl.read_text().splitlines()
    assert len(lines) > 3
    with duckdb.connect(str(warehouse)) as con:   # the kill: the last two lines written, their records lost
        last_keys = [json.loads(line)["key"] for line in lines[-2:]]
        con.execute("delete from notify.deliveries where notification_key in (?, ?)", last_keys)
    jsonl.write_text("\n".join(lines) + "\n" + lines[-1][:20])   # and a third line cut short
    assert notify(warehouse, "--jsonl", str(jsonl), *SINCE) == 0
    assert jsonl.read_text().splitlines() == lines   # the cut line cut off: every line one JSON object
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from notify.deliveries where notification_key in (?, ?) and status = 'sent'",
                           last_keys).fetchone() == (2,)
    # the notification of a line cut short is written whole
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from notify.deliveries where notification_key = ?", [json.loads(lines[0])["key"]])
    jsonl.write_text("\n".join(lines[1:]) + "\n" + lines[0][:20])
    assert notify(warehouse, "--jsonl", str(jsonl), *SINCE) == 0
    assert jsonl.read_text().splitlines() == [*lines[1:], lines[0]]


def test_notify_waits_for_the_build_when_the_warehouse_is_locked(warehouse):
    """A dbt run holds DuckDB's write lock for the whole build: notify waits for it, as a dbt command does (the
    daily run may hold it when the hourly line's notify starts, and the hour's pages waited for the next hour),
    saying so; after ONCALL_WAREHOUSE_WAIT_SECONDS it says so and sends nothing."""
    def held_for(seconds: float, wait: str) -> subprocess.CompletedProcess:
        holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
                                   f"print('locked', flush=True); time.sleep({seconds})", str(warehouse)], stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "locked"
            return subprocess.run([sys.executable, "-m", "oncall_analytics", "notify", "--warehouse", str(warehouse), "--stdout", *SINCE],
                                  cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120,
                                  env={**os.environ, "ONCALL_WAREHOUSE_WAIT_SECONDS": wait})
        finally:
            holder.kill()
            holder.wait()

    stopped = held_for(60, "1")
    assert stopped.returncode == 3 and stopped.stdout == ""
    assert "is in use by another process (a dbt run?) after waiting 1 s (ONCALL_WAREHOUSE_WAIT_SECONDS); run notify after the build" in stopped.stderr
    waited = held_for(3, "60")
    assert waited.returncode == 0 and "[PAGE]" in waited.stdout, waited.stderr
    assert re.search(r"notify: \S+ is in use by another process \(held by .+, PID \d+\); waiting up to 60 s for it", waited.stderr)


def test_usage_errors(warehouse, monkeypatch, capsys):
    monkeypatch.delenv("ONCALL_WEBHOOK_URL", raising=False)
    assert notify(warehouse, "--webhook") == 2
    assert "set the environment variable ONCALL_WEBHOOK_URL" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        notify(warehouse)                                   # no destination
    with pytest.raises(SystemExit):
        notify(warehouse, "--stdout", "--since", "yesterday")
    with pytest.raises(SystemExit):   # a future --since would record every page as history, never sent
        notify(warehouse, "--stdout", "--since", "2999-01-01 00:00:00")
    assert "is in the future" in capsys.readouterr().err
    assert notify(warehouse.with_name("missing.duckdb"), "--stdout") == 3
    # a URL with a port that is no number crashed the first delivery with a traceback (operator trial)
    monkeypatch.setenv("ONCALL_WEBHOOK_URL", "http://127.0.0.1:abc/")
    assert notify(warehouse, "--webhook") == 2
    assert "the URL in ONCALL_WEBHOOK_URL is malformed" in capsys.readouterr().err
    assert notify("", "--stdout") == 2 and "no warehouse given" in capsys.readouterr().err


def test_a_warehouse_path_with_a_tilde_is_the_one_dbt_wrote(warehouse, monkeypatch, capsys):
    """dbt (DuckDB) reads DBT_DUCKDB_PATH=~/x.duckdb in the home folder; notify said "no warehouse" (exit 3,
    "the next run sends") forever (operator trial)."""
    monkeypatch.setenv("HOME", str(warehouse.parent))
    assert notify(f"~/{warehouse.name}", "--stdout") == 0


def test_a_path_that_is_no_built_warehouse_is_refused(tmp_path, capsys):
    """An empty DuckDB file, a folder or a CSV said "nothing new" (exit 0), or "in use" (exit 3): now exit 2,
    naming what is wrong, and nothing is written into the file (found by an operator trial)."""
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    (tmp_path / "log.csv").write_text("a,b\n1,2\n")
    for path, message in ((empty, "holds none of marts.slo_burn_rate_alerts, marts.incidents, marts.metric_staleness, marts.tsg_action_plan"),
                          (tmp_path, "is a folder"), (tmp_path / "log.csv", "holds none of marts.slo_burn_rate_alerts")):
        assert notify(path, "--stdout") == 2, path
        assert message in capsys.readouterr().err, path
    with duckdb.connect(str(empty), read_only=True) as con:
        assert con.execute("select count(*) from information_schema.schemata where schema_name = 'notify'").fetchone()[0] == 0


def test_make_notify_runs_the_command_as_the_readme_shows(warehouse, tmp_path):
    # A warehouse folder with quotes and backticks: make hands the path to the shell as an
    # environment variable, so it stays a name and runs nothing.
    folder = tmp_path / "o'neil's \"warehouse\" `touch x`"
    folder.mkdir()
    warehouse = warehouse.rename(folder / warehouse.name)
    jsonl = tmp_path / "notifications.jsonl"
    command = ["make", "--no-print-directory", "notify", f"DBT_DUCKDB_PATH={warehouse}", f"NOTIFY_ARGS=--jsonl {jsonl}"]
    first = subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    sent = jsonl.read_text().splitlines()
    assert sent and re.search(rf"notify: jsonl:{re.escape(str(jsonl))}: {len(sent)} sent, [1-9][0-9]* recorded as history, not sent",
                              first.stderr), first.stderr
    second = subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0 and "nothing new" in second.stderr and jsonl.read_text().splitlines() == sent
    assert not (PROJECT_DIR / "x").exists()


def test_the_readme_crontab_delivers_after_the_build_with_the_command_as_written(warehouse, monkeypatch, tmp_path):
    readme = (PROJECT_DIR / "README.md").read_text()
    hourly = next(line for line in readme.splitlines() if line.startswith("5 * * * *"))
    # the notify step, after the build (the line's exit code around it: test_readme_commands.py)
    command = re.search(r"\.venv/bin/python -m oncall_analytics notify[^;|]*", hourly).group(0).strip()
    assert command == ".venv/bin/python -m oncall_analytics notify --webhook --jsonl logs/notifications.jsonl"
    assert hourly.index("dbt build --selector hourly") < hourly.index(command)
    # run it as cron would, from a deployment folder: its venv, its warehouse at the default path
    deployment = tmp_path / "deployment"
    (deployment / "warehouse").mkdir(parents=True)
    shutil.copy(warehouse, deployment / "warehouse" / "oncall_analytics.duckdb")
    (deployment / ".venv").symlink_to(PROJECT_DIR / ".venv")
    env = {key: value for key, value in os.environ.items() if key != "DBT_DUCKDB_PATH"}
    with webhook() as server:
        result = subprocess.run(command, shell=True, cwd=deployment, env={**env, "ONCALL_WEBHOOK_URL": server.url},
                                capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert server.accepted and len((deployment / "logs" / "notifications.jsonl").read_text().splitlines()) == len(server.accepted)


def test_an_open_page_that_left_the_warehouse_is_withdrawn_once_and_sent_again_if_it_returns(warehouse, tmp_path):
    """What a rebuild after late rows does (an hourly trial on partly delivered hours): an incident of an hour
    that was only partly loaded goes away, and is withdrawn; a firing alert's start moves, so its key changes:
    it is the alert sent, not withdrawn and paged again (the same burn paged twice), and its resolution comes
    under the key sent."""
    jsonl = tmp_path / "notifications.jsonl"
    assert notify(warehouse, "--jsonl", str(jsonl), *SINCE) == 0
    sent = [json.loads(line) for line in jsonl.read_text().splitlines()]
    with duckdb.connect(str(warehouse)) as con:
        incident = con.execute("select service_name, started_at from marts.incidents order by started_at desc limit 1").fetchone()
        con.execute("create table main.removed_incident as select * from marts.incidents where service_name = ? and started_at = ?",
                    incident)
        con.execute("delete from marts.incidents where service_name = ? and started_at = ?", incident)
        moved = con.execute("select alert_key, started_at from marts.slo_burn_rate_alerts where resolved_at is null"
                            " order by started_at desc limit 1").fetchone()
        con.execute("update marts.slo_burn_rate_alerts set started_at = started_at + interval 5 minute,"
                    " alert_key = replace(alert_key, strftime(started_at, '%Y-%m-%d %H:%M:%S'),"
                    " strftime(started_at + interval 5 minute, '%Y-%m-%d %H:%M:%S')) where alert_key = ?", [moved[0]])
        new_key = con.execute("select alert_key from marts.slo_burn_rate_alerts where started_at = ? + interval 5 minute"
                              " and alert_key != ?", [moved[1], moved[0]]).fetchone()[0]
    incident_key = f"incident:{incident[0]}/{incident[1]:%Y-%m-%d %H:%M:%S}"
    assert incident_key in {line["key"] for line in sent}

    def notified():
        before = len(sent)
        assert notify(warehouse, "--jsonl", str(jsonl)) == 0
        sent[:] = [json.loads(line) for line in jsonl.read_text().splitlines()]
        return sent[before:]

    after = notified()
    assert assert_in_order_once(after) == [f"withdrawn:{incident_key}"]   # before: the alert withdrawn and paged again
    original = next(line for line in sent if line["key"] == incident_key)
    assert after[0]["title"] == "[WITHDRAWN] " + original["title"]
    assert "no longer shows this incident" in after[0]["what"]
    assert notified() == []                       # once: nothing the second time
    with duckdb.connect(str(warehouse)) as con:   # the moved alert resolves: its resolution follows the page sent
        resolved_at = moved[1] + timedelta(hours=3)
        con.execute("update marts.slo_burn_rate_alerts set resolved_at = ?, is_firing = false where alert_key = ?",
                    [resolved_at, new_key])
    resolution = notified()
    assert [(line["key"], line["after"]) for line in resolution] == [(f"slo_resolved:{moved[0]}", f"slo_alert:{moved[0]}")]
    assert resolution[0]["since"].startswith(f"{moved[1] + timedelta(minutes=5):%Y-%m-%d %H:%M:%S} UTC to ")
    assert resolution[0]["what"].endswith(f"It began at {moved[1] + timedelta(minutes=5):%Y-%m-%d %H:%M:%S} UTC, not at "
                                          f"{moved[1]:%Y-%m-%d %H:%M:%S} UTC as paged: rows that arrived later moved its start.")
    with duckdb.connect(str(warehouse)) as con:   # the incident is back (the rows changed again): paged again, once
        con.execute("insert into marts.incidents select * from main.removed_incident")
    assert [line["key"] for line in notified()] == [f"{incident_key}#2"]
    assert notified() == []


def test_a_resolution_that_late_rows_prove_wrong_is_taken_back_and_sent_again_when_it_comes(warehouse, tmp_path):
    """[RESOLVED] went out, then a slower writer's rows showed the alert still firing, and notify said
    "nothing new" (operator trial): the person was never told. A [STILL FIRING] message now takes the
    resolution back, once, and the alert's next resolution is sent anew; a resolution that moves is
    corrected, once, and again when it moves back; an alert held open again by [STILL FIRING] is withdrawn
    when it leaves the warehouse."""
    jsonl = tmp_path / "notifications.jsonl"
    assert notify(warehouse, "--jsonl", str(jsonl), *SINCE) == 0
    with duckdb.connect(str(warehouse)) as con:
        alert_key, resolved_at = con.execute(
            "select alert_key, resolved_at from marts.slo_burn_rate_alerts as alerts where resolved_at is not null and"
            " resolved_at >= (select max(evaluated_at) from marts.slo_status where slo_name = alerts.slo_name) - interval 7 day"
            " order by resolved_at desc limit 1").fetchone()
        con.execute("update marts.slo_burn_rate_alerts set resolved_at = null, is_firing = true where alert_key = ?", [alert_key])
    lines = len(jsonl.read_text().splitlines())
    assert notify(warehouse, "--jsonl", str(jsonl)) == 0 and notify(warehouse, "--jsonl", str(jsonl)) == 0
    taken_back = [json.loads(line) for line in jsonl.read_text().splitlines()[lines:]]
    assert [(line["key"], line["title"].split("]")[0]) for line in taken_back] == [(f"withdrawn:slo_resolved:{alert_key}", "[STILL FIRING")]
    # how bad it got since it began, beside the burn rates at its start (operator trial: the start's alone)
    assert re.match(r"peak burn rate [0-9.]+x over \w+ so far; at its start: burn rate ", taken_back[0]["how_bad"])
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.slo_burn_rate_alerts set resolved_at = ?, is_firing = false where alert_key = ?", [resolved_at, alert_key])
    assert notify(warehouse, "--jsonl", str(jsonl)) == 0
    assert [json.loads(line)["key"] for line in jsonl.read_text().splitlines()[lines + 1:]] == [f"slo_resolved:{alert_key}#r2"]
    # the resolution moves later (rows of a slower writer): a corrected resolution, once (operator trial)
    later = resolved_at + timedelta(minutes=85)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.slo_burn_rate_alerts set resolved_at = ? where alert_key = ?", [later, alert_key])
    assert notify(warehouse, "--jsonl", str(jsonl)) == 0 and notify(warehouse, "--jsonl", str(jsonl)) == 0
    corrected = [json.loads(line) for line in jsonl.read_text().splitlines()[lines + 2:]]
    assert [(line["key"], line["title"].split("]")[0]) for line in corrected] == [
        (f"slo_resolved:{alert_key}#r2@{later:%Y-%m-%d %H:%M:%S}", "[RESOLVED, corrected")]
    # and back to the time first sent: the reader holds the later one, so it is corrected again, once (the state
    # is read in the order sent)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.slo_burn_rate_alerts set resolved_at = ? where alert_key = ?", [resolved_at, alert_key])
    assert notify(warehouse, "--jsonl", str(jsonl)) == 0 and notify(warehouse, "--jsonl", str(jsonl)) == 0
    assert [json.loads(line)["key"] for line in jsonl.read_text().splitlines()[lines + 3:]] == [
        f"slo_resolved:{alert_key}#r2@{resolved_at:%Y-%m-%d %H:%M:%S}"]
    # firing again, then gone from the warehouse: the page the reader holds open again is withdrawn (operator trial)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.slo_burn_rate_alerts set resolved_at = null, is_firing = true where alert_key = ?", [alert_key])
    assert notify(warehouse, "--jsonl", str(jsonl)) == 0
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from marts.slo_burn_rate_alerts where alert_key = ?", [alert_key])
    assert notify(warehouse, "--jsonl", str(jsonl)) == 0 and notify(warehouse, "--jsonl", str(jsonl)) == 0
    assert [json.loads(line)["key"] for line in jsonl.read_text().splitlines()[lines + 4:]] == [
        f"withdrawn:slo_resolved:{alert_key}#r2", f"withdrawn:slo_alert:{alert_key}"]


def test_an_alert_whose_start_moved_after_its_resolution_was_sent_is_not_paged_again(warehouse, tmp_path):
    """Rows that arrived later moved the start of an alert already resolved for its reader (its key holds its
    start): it was paged again, with its resolution (operator trial). It is the alert sent: nothing is sent;
    a resolution that moves is corrected, and one proved wrong taken back, under the keys sent; an alert of
    the same rule after the reader's end of it is a new page."""
    jsonl = tmp_path / "notifications.jsonl"
    assert notify(warehouse, "--jsonl", str(jsonl), *SINCE) == 0

    def notified():
        before = len(jsonl.read_text().splitlines())
        assert notify(warehouse, "--jsonl", str(jsonl)) == 0
        return [json.loads(line) for line in jsonl.read_text().splitlines()[before:]]

    with duckdb.connect(str(warehouse)) as con:
        alert_key, started_at, resolved_at = con.execute(
            "select alert_key, started_at, resolved_at from marts.slo_burn_rate_alerts as alerts where resolved_at is not null"
            " and started_at >= (select max(evaluated_at) from marts.slo_status where slo_name = alerts.slo_name) - interval 7 day"
            " order by resolved_at desc limit 1").fetchone()
        earlier = started_at - timedelta(minutes=5)
        new_key = alert_key.replace(f"{started_at:%Y-%m-%d %H:%M:%S}", f"{earlier:%Y-%m-%d %H:%M:%S}")
        assert new_key != alert_key
        con.execute("update marts.slo_burn_rate_alerts set started_at = ?, alert_key = ? where alert_key = ?",
                    [earlier, new_key, alert_key])
    assert notified() == []                       # before: the same burn paged again, then resolved again
    later = resolved_at + timedelta(minutes=85)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.slo_burn_rate_alerts set resolved_at = ? where alert_key = ?", [later, new_key])
    corrected = notified()
    assert [(line["key"], line["title"].split("]")[0]) for line in corrected] == [
        (f"slo_resolved:{alert_key}@{later:%Y-%m-%d %H:%M:%S}", "[RESOLVED, corrected")]
    assert f"{earlier:%Y-%m-%d %H:%M:%S} UTC to {later:%Y-%m-%d %H:%M:%S} UTC" in corrected[0]["since"]
    with duckdb.connect(str(warehouse)) as con:   # firing again: the resolution sent is taken back, once
        con.execute("update marts.slo_burn_rate_alerts set resolved_at = null, is_firing = true where alert_key = ?", [new_key])
    assert [line["key"] for line in notified()] == [f"withdrawn:slo_resolved:{alert_key}"]
    assert notified() == []
    with duckdb.connect(str(warehouse)) as con:   # over again; and the same rule fires again after it: a new page
        con.execute("update marts.slo_burn_rate_alerts set resolved_at = ?, is_firing = false where alert_key = ?", [later, new_key])
        again = later + timedelta(hours=2)
        con.execute("insert into marts.slo_burn_rate_alerts select * replace (cast(? as timestamp) as started_at,"
                    " cast(? as timestamp) as resolved_at, replace(alert_key, ?, ?) as alert_key)"
                    " from marts.slo_burn_rate_alerts where alert_key = ?",
                    [again, again + timedelta(hours=1), f"{earlier:%Y-%m-%d %H:%M:%S}", f"{again:%Y-%m-%d %H:%M:%S}", new_key])
        again_key = con.execute("select alert_key from marts.slo_burn_rate_alerts where started_at = ? and alert_key != ?",
                                [again, new_key]).fetchone()[0]
    assert [line["key"] for line in notified()] == [f"slo_resolved:{alert_key}#r2", f"slo_alert:{again_key}",
                                                    f"slo_resolved:{again_key}"]
    assert notified() == []


def test_closed_old_or_uncovered_pages_that_left_the_warehouse_are_not_withdrawn(warehouse, tmp_path):
    jsonl = tmp_path / "notifications.jsonl"
    assert notify(warehouse, "--jsonl", str(jsonl), *SINCE) == 0
    with duckdb.connect(str(warehouse)) as con:
        # an alert already resolved for its reader
        con.execute("delete from marts.slo_burn_rate_alerts where alert_key = (select min(alert_key)"
                    " from marts.slo_burn_rate_alerts where resolved_at is not null)")
        # an incident more than a week before its service's newest data (old logs removed, rebuilt)
        service, first = con.execute("select service_name, min(started_at) from marts.incidents group by 1 order by 2 limit 1").fetchone()
        newest = con.execute("select max(observed_at) from intermediate.int_metrics__anomaly_scores where service_name = ?",
                             [service]).fetchone()[0]
        assert newest - first > timedelta(days=7)
        con.execute("delete from marts.incidents where started_at = ?", [first])
        # a firing alert newer than the data its SLO is now computed from (a rebuild on older logs)
        slo, start = con.execute("select slo_name, max(started_at) from marts.slo_burn_rate_alerts where resolved_at is null"
                                 " group by 1 limit 1").fetchone()
        con.execute("delete from marts.slo_burn_rate_alerts where slo_name = ? and started_at >= ?", [slo, start])
        con.execute("delete from marts.slo_status where slo_name = ? and evaluated_at >= ?", [slo, start])
    lines = len(jsonl.read_text().splitlines())
    assert notify(warehouse, "--jsonl", str(jsonl)) == 0
    assert len(jsonl.read_text().splitlines()) == lines


def test_a_page_long_past_that_appears_later_is_recorded_not_sent(warehouse, tmp_path):
    """A rebuild with another grain or window, or logs loaded late, can show an incident or an alert of
    months ago for the first time: it is recorded as history (and an alert's resolution with it), while
    one from the last week of its scope's data is sent."""
    jsonl = tmp_path / "notifications.jsonl"
    assert notify(warehouse, "--jsonl", str(jsonl), *SINCE) == 0
    with duckdb.connect(str(warehouse)) as con:
        service, newest = con.execute("select service_name, max(observed_at) from intermediate.int_metrics__anomaly_scores"
                                      " where service_name in (select service_name from marts.incidents)"
                                      " group by 1 order by 1 limit 1").fetchone()
        for start in (newest - timedelta(days=7, hours=1), newest - timedelta(days=6, hours=23)):
            con.execute("insert into marts.incidents select * replace (cast(? as timestamp) as started_at) from marts.incidents"
                        " where service_name = ? limit 1", [start, service])
        slo, slo_newest = con.execute("select slo_name, max(evaluated_at) from marts.slo_status group by 1 order by 1 limit 1").fetchone()
        old_start = slo_newest - timedelta(days=8)
        con.execute("insert into marts.slo_burn_rate_alerts select * replace (cast(? as timestamp) as started_at,"
                    " alert_key || '/old' as alert_key, cast(? as timestamp) as resolved_at, false as is_firing)"
                    " from marts.slo_burn_rate_alerts where slo_name = ? limit 1", [old_start, old_start + timedelta(hours=1), slo])
    lines = len(jsonl.read_text().splitlines())
    assert notify(warehouse, "--jsonl", str(jsonl)) == 0
    new = [json.loads(line) for line in jsonl.read_text().splitlines()[lines:]]
    assert [line["key"] for line in new] == [f"incident:{service}/{newest - timedelta(days=6, hours=23):%Y-%m-%d %H:%M:%S}"]
    # in the detection grain's buckets (the shipped build's: an hour)
    assert new[0]["what"].startswith("Anomalous metrics; likely cause ") and " flagged hour(s), " in new[0]["how_bad"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        recorded = dict(con.execute("select notification_key, status from notify.deliveries where destination like 'jsonl:%'"
                                    " and (notification_key like '%/old' or notification_key like 'incident:%')").fetchall())
    assert recorded[f"incident:{service}/{newest - timedelta(days=7, hours=1):%Y-%m-%d %H:%M:%S}"] == "baseline"
    assert sorted(status for key, status in recorded.items() if key.endswith("/old")) == ["baseline", "baseline"]


def test_pages_long_past_that_waited_behind_a_failed_delivery_are_still_sent(warehouse, tmp_path, monkeypatch):
    """A webhook down for over a week: what waited behind the pending delivery is owed, not history."""
    with webhook(lambda n, payload: 503) as server:
        assert notify(warehouse, "--webhook", *SINCE, *FAST, url=server.url, monkeypatch=monkeypatch) == 1
    assert list(states(warehouse).values()) == [("pending", 3)]
    with webhook() as server:   # back, without --since: every page is long past the shipped data's newest week
        assert notify(warehouse, "--webhook", *FAST, url=server.url, monkeypatch=monkeypatch) == 0
    assert set(assert_in_order_once(server.accepted)) >= set(expected_keys(warehouse))
    assert {status for status, _ in states(warehouse).values()} == {"sent"}



def test_a_finding_follows_its_page_into_the_past():
    """A guide built weeks later (a postmortem) attaches its finding to a page long past: neither pages."""
    from datetime import datetime

    from oncall_analytics.notify.notifications import Links, Notification, for_destination

    links = Links("report", "docs")
    start = datetime(2024, 3, 1, 14, 5)
    page = Notification(key="slo_alert:s/page_fast_burn/2024-03-01 14:05:00", kind="slo_alert", occurred_at=start,
                        severity="page", title="t", what="w", where="s", since="x", how_bad="b", links=links,
                        extra={"slo_name": "s", "resolved_at": "2024-03-01 15:00:00"})
    finding = Notification(key="tsg_finding:x", kind="tsg_finding", occurred_at=start, severity="page", title="t", what="w",
                           where="s", since="x", how_bad="b", links=links, after=page.key)
    for newest, expected in ((start + timedelta(days=8), [True, True]), (start + timedelta(days=6), [False, False])):
        marked = for_destination([page, finding], [], {"slo_alert": {"s": (start - timedelta(days=30), newest)}})
        assert [n.long_past for n in marked] == expected


def test_an_open_alert_is_taken_as_moved_only_by_an_overlapping_alert_of_its_rule():
    """An open page the warehouse no longer shows keeps its key for an alert of the same SLO and rule that
    overlaps what the reader holds (from its start, on); an alert of that rule over before it started, or of
    another rule, does not replace it: the page is withdrawn and the other alert sent as new. A page older
    than the last 7 days of its SLO's data is not taken as moved."""
    from datetime import datetime

    from oncall_analytics.notify.notifications import Links, Notification, for_destination

    links = Links("report", "docs")
    start = datetime(2024, 3, 1, 14, 5)

    def alert(rule: str, started: datetime, resolved: datetime | None) -> Notification:
        return Notification(key=f"slo_alert:s/{rule}/{started:%Y-%m-%d %H:%M:%S}", kind="slo_alert", occurred_at=started,
                            severity="page", title="t", what="w", where="s", since="x", how_bad="b", links=links,
                            is_open=resolved is None, extra={"slo_name": "s", "rule_name": rule,
                                                             "resolved_at": resolved and f"{resolved:%Y-%m-%d %H:%M:%S}"})

    sent = [alert("page_fast_burn", start, None).as_record()]
    covered = {"slo_alert": {"s": (start - timedelta(days=1), start + timedelta(hours=3))}}
    for current, expected in (
        ([alert("page_fast_burn", start - timedelta(minutes=5), None)], []),                        # moved earlier, firing
        ([alert("page_fast_burn", start + timedelta(hours=1), start + timedelta(hours=2))], []),    # later, now over
        ([alert("page_fast_burn", start - timedelta(hours=2), start - timedelta(hours=1))],         # over before it began
         [f"slo_alert:s/page_fast_burn/{start - timedelta(hours=2):%Y-%m-%d %H:%M:%S}", f"withdrawn:{sent[0]['key']}"]),
        ([alert("ticket_slow_burn", start, None)], [f"slo_alert:s/ticket_slow_burn/{start:%Y-%m-%d %H:%M:%S}",
                                                    f"withdrawn:{sent[0]['key']}"]),
    ):
        due = [n for n in for_destination(current, sent, covered) if n.key not in {record["key"] for record in sent}]
        assert sorted(n.key for n in due) == sorted(expected)
    # an open page from more than 7 days before its SLO's newest data, which no withdrawal takes back (old logs
    # removed, a rebuild with other vars), takes no later alert of its rule: that one pages (review)
    later = alert("page_fast_burn", start + timedelta(days=8), None)
    stale = {"slo_alert": {"s": (start - timedelta(days=1), start + timedelta(days=9))}}
    assert [n.key for n in for_destination([later], sent, stale)] == [later.key]


def test_an_incident_is_taken_as_moved_only_by_an_overlapping_incident_of_its_service():
    """An incident the warehouse no longer shows keeps its key for an incident of the same service whose span
    overlaps the one sent (from its start to its last anomalous bucket as sent: an incident has no resolution,
    so one held open would take every later one); one after it, or of another service, is new, and the one
    sent is withdrawn. A state written before incidents recorded their end holds their start only."""
    from datetime import datetime

    from oncall_analytics.notify.notifications import Links, Notification, for_destination

    links = Links("report", "docs")
    start = datetime(2024, 3, 1, 14, 0)

    def incident(service: str, started: datetime, ended: datetime) -> Notification:
        return Notification(key=f"incident:{service}/{started:%Y-%m-%d %H:%M:%S}", kind="incident", occurred_at=started,
                            severity="info", title="t", what="w", where=service, since="x", how_bad="b", links=links,
                            extra={"service_name": service, "ended_at": f"{ended:%Y-%m-%d %H:%M:%S}"})

    sent = [incident("api", start, start + timedelta(hours=2)).as_record()]
    covered = {"incident": {"api": (start - timedelta(days=1), start + timedelta(hours=6)),
                            "web": (start - timedelta(days=1), start + timedelta(hours=6))}}
    hour = timedelta(hours=1)
    for current, expected in (
        ([incident("api", start - hour, start + 4 * hour)], []),                        # an earlier flag came late
        ([incident("api", start + hour, start + 2 * hour)], []),                        # its first flags went away
        ([incident("api", start - 3 * hour, start - hour), incident("api", start + hour, start + 3 * hour)],
         [f"incident:api/{start - 3 * hour:%Y-%m-%d %H:%M:%S}"]),                       # split: the part holding the time sent keeps it
        ([incident("api", start + 3 * hour, start + 4 * hour)],                         # after the end sent: new
         [f"incident:api/{start + 3 * hour:%Y-%m-%d %H:%M:%S}", f"withdrawn:{sent[0]['key']}"]),
        ([incident("web", start - hour, start + hour)],                                 # another service: new
         [f"incident:web/{start - hour:%Y-%m-%d %H:%M:%S}", f"withdrawn:{sent[0]['key']}"]),
    ):
        due = [n for n in for_destination(current, sent, covered) if n.key not in {record["key"] for record in sent}]
        assert sorted(n.key for n in due) == sorted(expected)
    old_state = [{key: value for key, value in sent[0].items() if key != "ended_at"}]
    assert sorted(n.key for n in for_destination([incident("api", start + hour, start + 2 * hour)], old_state, covered)) == [
        f"incident:api/{start + hour:%Y-%m-%d %H:%M:%S}", f"withdrawn:{sent[0]['key']}"]
    assert [n.key for n in for_destination([incident("api", start - hour, start + hour)], old_state, covered)] == [sent[0]["key"]]


def test_an_incident_whose_start_later_rows_moved_is_not_withdrawn_nor_paged_again(warehouse, tmp_path):
    """The incident sent holds its last anomalous bucket, so the next run finds it under a start that an
    earlier flag, loaded late, moved: nothing is sent (before: withdrawn and paged again, one problem paged twice)."""
    jsonl = tmp_path / "notifications.jsonl"
    assert notify(warehouse, "--jsonl", str(jsonl), *SINCE) == 0
    with duckdb.connect(str(warehouse)) as con:
        service, started, ended = con.execute(
            "select service_name, started_at, ended_at from marts.incidents order by started_at desc limit 1").fetchone()
        con.execute("update marts.incidents set started_at = started_at - interval 2 hour where service_name = ? and started_at = ?",
                    [service, started])
    sent = {line["key"]: line for line in map(json.loads, jsonl.read_text().splitlines())}
    assert sent[f"incident:{service}/{started:%Y-%m-%d %H:%M:%S}"]["ended_at"] == f"{ended:%Y-%m-%d %H:%M:%S}"
    before = len(sent)
    assert notify(warehouse, "--jsonl", str(jsonl)) == 0
    assert jsonl.read_text().splitlines()[before:] == []


class IncidentsAdded:
    """Incidents copied from a shipped one at times relative to its service's newest scored bucket, and the
    incident keys each notify run writes to a JSON-lines file."""

    def __init__(self, warehouse, jsonl):
        self.warehouse, self.jsonl = warehouse, jsonl
        with duckdb.connect(str(warehouse)) as con:
            self.service, self.newest = con.execute(
                "select service_name, max(observed_at) from intermediate.int_metrics__anomaly_scores"
                " where service_name in (select service_name from marts.incidents) group by 1 order by 1 limit 1").fetchone()

    def add(self, hours_before_newest: int, ongoing: bool) -> str:
        start = self.newest - timedelta(hours=hours_before_newest)
        with duckdb.connect(str(self.warehouse)) as con:
            con.execute("insert into marts.incidents select * replace (cast(? as timestamp) as started_at, cast(? as timestamp)"
                        " as ended_at) from marts.incidents where service_name = ? limit 1",
                        [start, self.newest if ongoing else start, self.service])
        return f"incident:{self.service}/{start:%Y-%m-%d %H:%M:%S}"

    def sent_by_next_run(self) -> list[str]:
        before = len(self.jsonl.read_text().splitlines()) if self.jsonl.exists() else 0
        assert notify(self.warehouse, "--jsonl", str(self.jsonl)) == 0
        return [line["key"] for line in map(json.loads, self.jsonl.read_text().splitlines()[before:]) if line["kind"] == "incident"]

    def statuses(self) -> dict[str, str]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return dict(con.execute("select notification_key, status from notify.deliveries where kind = 'incident'").fetchall())


def test_a_warehouse_rebuilt_from_other_logs_is_a_first_run_and_ongoing_incidents_page(warehouse, tmp_path, capsys):
    """In an operator trial, the first notify after a rebuild from one's own logs (log_source external) sent
    518 pages of the new logs' last week, most of them long over. A destination's first run on other logs
    is now like its first run: what is still going on is sent (alerts firing, and incidents flagged at their
    service's newest bucket, which a first run used to record as history too), the rest is history; what was
    sent for the earlier logs is set aside, not withdrawn when the new logs do not show it."""
    incidents = IncidentsAdded(warehouse, tmp_path / "notifications.jsonl")
    over, ongoing = incidents.add(48, ongoing=False), incidents.add(3, ongoing=True)
    assert incidents.sent_by_next_run() == [ongoing]      # first run
    later = incidents.add(24, ongoing=False)
    assert incidents.sent_by_next_run() == [later]        # same logs: sent
    assert "now reads other logs" not in capsys.readouterr().err
    with duckdb.connect(str(warehouse)) as con:   # what a full refresh on one's own logs leaves in staging
        for (table,) in con.execute("select table_name from information_schema.columns where table_schema = 'staging'"
                                    " and column_name = 'loaded_from' and starts_with(table_name, 'base_')").fetchall():
            log = table.split("__", 1)[1]
            con.execute(f"update staging.{table} set loaded_from = ?",
                        [f"read_parquet(/data/logs/{log}/**/*.parquet, union_by_name = true, binary_as_string = true)"])
        # the open incident sent for the earlier logs is not in the new ones: no [WITHDRAWN] for it (operator trial)
        con.execute("delete from marts.incidents where service_name = ? and started_at = ?",
                    [incidents.service, ongoing.rsplit("/", 1)[1]])
    over_after_switch, ongoing_after_switch = incidents.add(12, ongoing=False), incidents.add(1, ongoing=True)
    assert incidents.sent_by_next_run() == [ongoing_after_switch]
    err = capsys.readouterr().err
    assert "the warehouse now reads other logs (read_parquet(/data/logs/{log}/**/*.parquet; before: seed {log})" in err
    assert not [line for line in incidents.jsonl.read_text().splitlines() if json.loads(line)["kind"] == "withdrawn"]
    recorded = incidents.statuses()
    assert recorded[over] == recorded[over_after_switch] == "baseline"
    assert recorded[ongoing] == recorded[later] == "sent_other_logs" and recorded[ongoing_after_switch] == "sent"
    assert incidents.sent_by_next_run() == []              # recorded: once
    assert "now reads other logs" not in capsys.readouterr().err


def test_deliveries_of_a_version_that_recorded_no_logs_make_a_first_run(warehouse, tmp_path, capsys):
    """A warehouse whose deliveries a version before notify.destination_inputs recorded: in an operator trial,
    an upgrade, then a rebuild from the shipped seeds, sent 54 pages of the seeds' past, since notify could not
    tell the logs had changed. Unknown logs are now treated as other logs, once."""
    incidents = IncidentsAdded(warehouse, tmp_path / "notifications.jsonl")
    assert incidents.sent_by_next_run() == []             # first run: the shipped incidents are over
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from notify.destination_inputs")
    over, ongoing = incidents.add(12, ongoing=False), incidents.add(1, ongoing=True)
    assert incidents.sent_by_next_run() == [ongoing]
    assert "the version that sent earlier did not record which logs the warehouse read" in capsys.readouterr().err
    assert incidents.statuses()[over] == "baseline"
    later = incidents.add(6, ongoing=False)
    assert incidents.sent_by_next_run() == [later]        # the logs are recorded now: a normal run
    assert "did not record" not in capsys.readouterr().err


def test_a_warehouse_built_by_an_earlier_version_is_one_line_and_exit_2(warehouse, capsys):
    """Metric models and marts an earlier version built lack columns notify reads (operator trial: a traceback
    every hour until the daily full refresh). What a flagged bucket is falls back to 'bucket'; a missing mart
    column stops notify naming the fix, before anything is sent."""
    with duckdb.connect(str(warehouse)) as con:
        for model in ("int_gateway__hourly_metrics", "int_serverless__hourly_metrics"):
            con.execute(f"alter table intermediate.{model} drop column grain_minutes")
        assert bucket_words(con) == "bucket"
        con.execute("alter table marts.slo_burn_rate_alerts drop column severity")
    assert notify(warehouse, "--stdout") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "was built by an earlier version of the project" in err and "--full-refresh" in err
    with duckdb.connect(str(warehouse), read_only=True) as con:   # nothing recorded: notify.deliveries not even created
        assert con.execute("select count(*) from information_schema.tables where table_schema = 'notify'").fetchone()[0] == 0


def test_an_alert_from_a_log_shorter_than_its_long_window_says_so(built_warehouse):
    """The shipped gateway log starts at 11:30: the 3-day ticket at 12:45 rests on 75 minutes of events
    (operator trial: a ticket from 1 bad request in 874); its message says so, and the 1-hour page at 14:05
    (the log reaches back over its hour) does not."""
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        covered = dict(con.execute("select alert_key, is_long_window_covered_at_start from marts.slo_burn_rate_alerts").fetchall())
        sent = {n.key: n for n in alert_notifications(con, LinkBuilder("report.html", "docs"))}
    ticket, page = "gateway_main_availability/ticket_slow_burn/2024-03-12 12:45:00", "gateway_main_availability/page_fast_burn/2024-03-12 14:05:00"
    assert covered[ticket] is False and covered[page] is True
    assert "the log is shorter than the 3d window, so the alert rests on fewer hours than the rule assumes" in sent[f"slo_alert:{ticket}"].how_bad
    assert "shorter than" not in sent[f"slo_alert:{page}"].how_bad
    # the budget's share rests on the log's 2 h 35 min, not on the SLO's 28 days (operator trial: "971 % of the
    # 28d error budget spent" over 2 days of log read as a month's budget gone)
    assert "% of the 28d error budget spent (the log was 2.5 hours long then, not yet a whole 28d)" in sent[f"slo_alert:{page}"].how_bad


def test_a_log_length_never_reads_as_the_whole_window_it_falls_short_of():
    """Tenths rounded down, minutes below an hour (review: 40,248 minutes of a 28-day window read "28.0 days")."""
    assert [log_length(m) for m in (1, 5, 59, 60, 155, 2877, 2880, 40248)] == [
        "1 minute", "5 minutes", "59 minutes", "1.0 hours", "2.5 hours", "47.9 hours", "2.0 days", "27.9 days"]


def test_a_page_over_before_it_is_sent_says_when_it_ended(built_warehouse):
    """A [PAGE] first sent after its burn ended (a late log, a delivery that failed for hours) says so in its
    Since (operator trial: it read as live); one still firing gives its start alone."""
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        sent = {n.key: n for n in alert_notifications(con, LinkBuilder("report.html", "docs"))}
    over = sent["slo_alert:payment_webhook_availability/page_fast_burn/2023-12-02 00:10:00"]
    assert over.since == "2023-12-02 00:10:00 UTC (over at 2023-12-02 00:15:00 UTC)" and not over.is_open
    firing = sent["slo_alert:gateway_main_availability/page_fast_burn/2024-03-12 14:05:00"]
    assert firing.since == "2024-03-12 14:05:00 UTC" and firing.is_open


def test_a_metric_that_stops_arriving_is_ticketed_once_per_silence_and_resolved_when_it_returns(warehouse, tmp_path):
    """A series of a metrics log that stops while the rest of its log goes on had no bucket to flag and paged
    nobody (operator trial). metric_staleness marks it, and notify sends one ticket per service and silence, on a
    first run too, that says since when and against what interval; late rows of the same silence (an exporter
    flushing its buffer) move its last reading but send no second ticket (review); once it reads again, the
    ticket is resolved, and a later silence is a new ticket. Metrics of one service that stop together (an
    exporter that died) are one ticket (they were one each), resolved once they all read again. A series silent
    for weeks when a destination first sees it (retired long ago) is recorded, not sent."""
    buckets = "intermediate.int_metrics__hourly"

    def reads_up_to(last: str, *metrics: str):
        with duckdb.connect(str(warehouse)) as con:
            for metric in metrics:
                con.execute(f"create table if not exists main.held_{metric} as select * from {buckets} where metric_name = ?", [metric])
                con.execute(f"delete from {buckets} where metric_name = ?", [metric])
                con.execute(f"insert into {buckets} select * from main.held_{metric} where observed_at <= cast(? as timestamp)", [last])
        run_dbt(["run", "-s", "metric_staleness", "--target-path", str(tmp_path / "target")], warehouse)

    def sent(out) -> list[dict]:
        return [r for r in map(json.loads, out.read_text().splitlines()) if r["kind"].startswith("stale_metric")]

    out = tmp_path / "sent.jsonl"
    reads_up_to("2023-11-30 12:00:00", "ctr")
    assert notify(warehouse, "--jsonl", str(out)) == 0   # no --since: a first run sends what is still going on
    [ticket] = sent(out)
    assert ticket["key"] == "stale_metric:service_metrics_hourly/ranking-service/2023-11-30 12:00:00"
    assert (ticket["severity"], ticket["occurred_at"], ticket["where"]) == ("ticket", "2023-11-30 15:00:00", "ranking-service")
    assert ticket["title"] == "[TICKET] ctr of ranking-service stopped arriving"
    assert ticket["since"] == "2023-11-30 12:00:00 UTC (its last reading; its log has reached 2023-11-30 23:00:00 UTC)"
    assert ticket["how_bad"] == ("silent for 11 hours, against a reading about every 1 hour "
                                 "(325 buckets with readings since 2023-11-17 00:00:00 UTC)")
    assert ticket["links"]["docs"].endswith("model.oncall_analytics.metric_staleness")
    assert notify(warehouse, "--jsonl", str(out)) == 0 and len(sent(out)) == 1   # the next run: nothing new

    reads_up_to("2023-11-30 17:00:00", "ctr")   # late rows of the same silence: no second ticket
    assert notify(warehouse, "--jsonl", str(out)) == 0 and len(sent(out)) == 1
    reads_up_to("2023-11-30 23:00:00", "ctr")   # it reads again: the ticket is resolved, once
    assert notify(warehouse, "--jsonl", str(out)) == 0 and notify(warehouse, "--jsonl", str(out)) == 0
    resolved = sent(out)[1]
    assert (resolved["key"], resolved["after"]) == ("stale_metric_resolved:service_metrics_hourly/ranking-service/2023-11-30 12:00:00",
                                                    ticket["key"])
    assert resolved["title"] == "[RESOLVED] ctr of ranking-service arrives again" and len(sent(out)) == 2
    assert (resolved["since"], resolved["how_bad"]) == ("2023-11-30 23:00:00 UTC (the last reading)", "a reading about every 1 hour")

    # an exporter dies: three metrics of the service stop at once, one ticket naming them
    reads_up_to("2023-11-30 19:00:00", "ctr", "p50_ms", "p99_ms")
    assert notify(warehouse, "--jsonl", str(out)) == 0
    [exporter] = sent(out)[2:]
    assert exporter["key"] == "stale_metric:service_metrics_hourly/ranking-service/2023-11-30 19:00:00"
    assert exporter["title"] == "[TICKET] 3 metrics of ranking-service stopped arriving"
    assert exporter["what"].startswith("No reading of ctr, p50_ms, p99_ms while the rest of the service_metrics_hourly log goes on")
    assert exporter["how_bad"] == "each silent for 4 hours, against a reading about every 1 hour"
    reads_up_to("2023-11-30 23:00:00", "ctr", "p50_ms")   # two of them back: still open, nothing sent
    assert notify(warehouse, "--jsonl", str(out)) == 0 and len(sent(out)) == 3
    reads_up_to("2023-11-30 23:00:00", "p99_ms")           # all back: resolved once
    assert notify(warehouse, "--jsonl", str(out)) == 0 and notify(warehouse, "--jsonl", str(out)) == 0
    [back] = sent(out)[3:]
    assert (back["key"], back["after"], back["title"]) == (
        "stale_metric_resolved:service_metrics_hourly/ranking-service/2023-11-30 19:00:00", exporter["key"],
        "[RESOLVED] the metrics of ranking-service arrive again")
    assert back["what"] == "ctr, p50_ms, p99_ms read again in the service_metrics_hourly log"

    reads_up_to("2023-11-30 19:00:00", "ctr")   # the same last reading as a ticket resolved since: a new ticket, #2
    assert notify(warehouse, "--jsonl", str(out)) == 0
    assert [r["key"] for r in sent(out)][4:] == ["stale_metric:service_metrics_hourly/ranking-service/2023-11-30 19:00:00#2"]
    assert notify(warehouse, "--jsonl", str(out)) == 0 and len(sent(out)) == 5

    reads_up_to("2023-11-21 00:00:00", "qps")   # silent for 9 days: to a new destination, history, not a ticket
    fresh_destination = tmp_path / "new.jsonl"
    assert notify(warehouse, "--jsonl", str(fresh_destination)) == 0
    assert [r["key"] for r in sent(fresh_destination)] == ["stale_metric:service_metrics_hourly/ranking-service/2023-11-30 19:00:00"]


def _stale_ticket_parts():
    """A reader's ticket record of one series sent by the previous version (per series: metric_name, no
    metric_names), and builders of the candidates stale_metric_notifications gives for service svc of log m."""
    from datetime import datetime

    from oncall_analytics.notify.notifications import Links, Notification
    from oncall_analytics.notify.stale_metrics import RESOLVED, TICKET, ticket

    at = datetime(2024, 1, 1, 12)
    old = {"key": f"{TICKET}:m/svc/x/2024-01-01 00:00:00", "kind": TICKET, "metrics_log": "m", "service_name": "svc", "metric_name": "x"}

    def row(metric: str, last_hour: int) -> dict:
        return {"metric_name": metric, "metrics_log": "m", "service_name": "svc", "last_reading_at": datetime(2024, 1, 1, last_hour),
                "log_reached_at": at, "first_reading_at": datetime(2023, 12, 1), "silent_seconds": (12 - last_hour) * 3600,
                "usual_interval_seconds": 3600, "stale_after_seconds": 3 * 3600, "reading_count": 700}

    def stale(*rows: dict) -> Notification:
        return ticket(list(rows), Links("r", "d"))

    def back(stale_names: list[str], *fresh: str) -> Notification:
        return Notification(key=f"{RESOLVED}:m/svc", kind=RESOLVED, occurred_at=at, severity="ticket", title="", what="", where="svc",
                            since="", how_bad="", links=Links("r", "d"),
                            extra={"metrics_log": "m", "service_name": "svc", "stale": stale_names, "fresh": {name: row(name, 12) for name in fresh}})

    return old, row, stale, back


def test_a_ticket_of_one_series_sent_by_the_previous_version_holds_its_metric_and_is_resolved_by_it():
    """Tickets were per series (metric_name, no metric_names) in the previous version: such a ticket held open
    still holds its metric (no second ticket for it), and is resolved once its metric reads again and is not
    stale; another metric of its service that stops is ticketed on its own."""
    from oncall_analytics.notify.stale_metrics import RESOLVED, stale_metric_episodes

    old, row, stale, back = _stale_ticket_parts()
    assert stale_metric_episodes([stale(row("x", 0)), back(["x"])], [old]) == []
    [resolved] = stale_metric_episodes([back(["y"], "x")], [old])
    assert (resolved.key, resolved.after, resolved.title) == (f"{RESOLVED}:m/svc/x/2024-01-01 00:00:00", old["key"],
                                                              "[RESOLVED] x of svc arrives again")


def test_a_metric_that_stops_while_its_services_ticket_is_open_is_a_ticket_of_its_own():
    """While a ticket of x was open, y of the same service stopping sent nothing until x's ticket was resolved
    (operator trial). It is now a ticket of y alone that names the open one; each ticket is resolved by its own
    metrics, and neither is sent again."""
    from oncall_analytics.notify.stale_metrics import RESOLVED, STALE_ROWS, TICKET, stale_metric_episodes

    old, row, stale, back = _stale_ticket_parts()
    [new] = stale_metric_episodes([stale(row("x", 0), row("y", 6)), back(["x", "y"])], [old])
    assert (new.key, new.title) == (f"{TICKET}:m/svc/2024-01-01 06:00:00", "[TICKET] y of svc stopped arriving")
    assert new.extra == {"metrics_log": "m", "service_name": "svc", "metric_names": ["y"]} and STALE_ROWS not in new.as_record()
    assert new.what.endswith("; the ticket of x of svc is still open")
    sent = [old, new.as_record()]
    assert stale_metric_episodes([stale(row("x", 0), row("y", 7)), back(["x", "y"])], sent) == []
    [x_back] = stale_metric_episodes([stale(row("y", 7)), back(["y"], "x")], sent)
    assert (x_back.kind, x_back.after) == (RESOLVED, old["key"])
    both = stale_metric_episodes([back([], "x", "y")], sent)
    assert [(n.after, n.title) for n in both] == [(old["key"], "[RESOLVED] x of svc arrives again"),
                                                  (new.key, "[RESOLVED] y of svc arrives again")]
    # x back and z stopping in one run: x's ticket is resolved, and z's does not call it open (review)
    z_stops = stale_metric_episodes([stale(row("y", 7), row("z", 9)), back(["y", "z"], "x")], sent)
    assert [n.kind for n in z_stops] == [TICKET, RESOLVED] and z_stops[0].extra["metric_names"] == ["z"]
    assert z_stops[0].what.split("; ")[-1] == "the ticket of y of svc is still open"
    # x's ticket resolved: x stopping again is a new ticket, y's still open
    [again] = stale_metric_episodes([stale(row("x", 10), row("y", 7))], [*sent, x_back.as_record()])
    assert again.extra["metric_names"] == ["x"] and again.what.endswith("; the ticket of y of svc is still open")


def test_a_gap_reads_in_the_largest_unit_it_reaches():
    assert [duration_text(s) for s in (1, 30, 60, 300, 3600, 5400, 6 * 3600, 48 * 3600 - 360, 3 * 86400)] == [
        "1 second", "30 seconds", "1 minute", "5 minutes", "1 hour", "1.5 hours", "6 hours", "47.9 hours", "3 days"]
