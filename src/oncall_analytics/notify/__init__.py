"""`python -m oncall_analytics notify`: send what should reach a person, exactly once.

Reads the warehouse (new incidents, metrics series that stopped arriving,
SLO burn-rate alerts and their resolutions, the troubleshooting guide's priority 1 for a page on a gateway
SLO, and the withdrawal of an incident or alert sent earlier that the
warehouse no longer shows), sends each new one to every destination chosen, and records the outcome
in the warehouse (`notify.deliveries`), so a second run sends nothing twice
and a failed delivery is retried on the next run. Run it after the build:
DuckDB lets one process write the warehouse at a time, so while dbt builds,
notify stops with a message (exit 3) and the next run catches up.

A rejected delivery (4xx: a wrong or revoked URL) is not retried by itself:
each run counts the rejected deliveries waiting, and --resend-rejected tries
them again once the destination is fixed (delivery).

Exit codes: 0 all delivered; 1 something is pending, was rejected, or was
rejected earlier and waits for --resend-rejected (see the messages on stderr):
pages that never arrived are never a healthy run; 2 a usage error, or a
warehouse notify cannot read (not one, or built by an earlier version); 3 the
warehouse is busy or missing.
"""
from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime

import duckdb

from oncall_analytics.cli_paths import json_lines_file
from oncall_analytics.error_text import first_line
from oncall_analytics.notify.delivery import RetryPolicy, deliver
from oncall_analytics.notify.destinations import ConfigError, JsonLinesFile, StandardOutput, Webhook
from oncall_analytics.notify.notifications import LinkBuilder, coverage, for_destination, read_notifications
from oncall_analytics.notify.state import DeliveryState
from oncall_analytics.warehouse_file import NOT_A_WAREHOUSE, log_input, open_warehouse

DEFAULT_WAREHOUSE = "warehouse/oncall_analytics.duckdb"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m oncall_analytics notify", description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", default=os.environ.get("DBT_DUCKDB_PATH", DEFAULT_WAREHOUSE),
                        help="DuckDB file (default: $DBT_DUCKDB_PATH, else %(default)s)")
    parser.add_argument("--stdout", action="store_true", help="print each notification")
    parser.add_argument("--jsonl", type=json_lines_file, help="append each notification as a JSON line to this file")
    parser.add_argument("--webhook", action="store_true",
                        help="POST Slack-compatible JSON to the URL in the environment variable --webhook-url-env")
    parser.add_argument("--webhook-url-env", default="ONCALL_WEBHOOK_URL", help="default: %(default)s")
    parser.add_argument("--since", type=timestamp,
                        help="'YYYY-MM-DD HH:MM:SS' UTC: send what happened from then on, record anything older as history")
    parser.add_argument("--resend-rejected", action="store_true",
                        help="try again the deliveries the chosen destinations rejected (4xx), once the URL is fixed; "
                             "with what follows them, under the same rules as new ones")
    parser.add_argument("--retries", type=int, default=3, help="retries of a failed delivery within the run (default: 3)")
    parser.add_argument("--backoff-s", type=float, default=1.0, help="wait before the first retry, doubled each time (default: 1)")
    parser.add_argument("--timeout-s", type=float, default=10.0, help="webhook request timeout (default: 10)")
    parser.add_argument("--report-url", default=os.environ.get("ONCALL_REPORT_URL", "target/oncall_report.html"),
                        help="the on-call report as readers open it (default: $ONCALL_REPORT_URL, else %(default)s)")
    parser.add_argument("--docs-url", default=os.environ.get("ONCALL_DOCS_URL", "http://127.0.0.1:8080"),
                        help="the dbt docs site (default: $ONCALL_DOCS_URL, else %(default)s, as `make docs` serves it)")
    args = parser.parse_args(argv)
    if not (args.stdout or args.jsonl or args.webhook):
        parser.error("choose at least one destination: --stdout, --jsonl PATH, --webhook")
    if args.retries < 0 or not 0 <= args.backoff_s <= 3600 or not 0 < args.timeout_s <= 3600:   # NaN fails each test
        parser.error("--retries must be >= 0, --backoff-s a number of seconds from 0 to 3600, --timeout-s above 0 and at most 3600")
    if args.since is not None and args.since > datetime.now(UTC).replace(tzinfo=None):
        # everything would be recorded as history, and never sent by a later run
        parser.error(f"--since {args.since} is in the future: every page would be recorded as history and never sent")
    return args


def timestamp(text: str) -> datetime:
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected 'YYYY-MM-DD HH:MM:SS' (UTC), got {text!r}") from None


# what notify reads: a warehouse holding none of them is not a built one (an empty file, another database)
NOTIFIED_MARTS = ("marts.slo_burn_rate_alerts", "marts.incidents", "marts.metric_staleness", "marts.tsg_action_plan")


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        destinations = ([Webhook(args.webhook_url_env, args.timeout_s)] if args.webhook else []) \
            + ([JsonLinesFile(args.jsonl)] if args.jsonl else []) + ([StandardOutput()] if args.stdout else [])
    except ConfigError as error:
        print(f"notify: {error}", file=sys.stderr)
        return 2
    policy = RetryPolicy(retries=args.retries, backoff_s=args.backoff_s)
    con, exit_code = open_warehouse(args.warehouse, "notify", NOTIFIED_MARTS, read_only=False)   # state is written
    if con is None:
        return exit_code
    try:
        try:
            notifications = read_notifications(con, LinkBuilder(args.report_url, args.docs_url))
            covered = coverage(con)
            logs = log_input(con)
        except (duckdb.BinderException, duckdb.CatalogException, KeyError) as error:
            # a mart an earlier version built, without a column this one reads (operator trial: a traceback every
            # hour); KeyError: a column missing from a mart read whole (select *)
            found = f"no column {error.args[0]!r} in a mart notify reads" if isinstance(error, KeyError) else first_line(error)
            print(f"notify: {args.warehouse} was built by an earlier version of the project ({found}): "
                  "rebuild it once with the vars it was built with (on a schedule, run the README's daily line now, "
                  "dbt build --selector daily_full --full-refresh --vars ...: Upgrading), then run notify; nothing was sent",
                  file=sys.stderr)
            return NOT_A_WAREHOUSE
        state = DeliveryState(con)
        failed = False
        for destination in destinations:
            previous_logs = state.log_input(destination.name)
            new_logs = previous_logs is not None and logs is not None and previous_logs != logs
            # deliveries recorded by a version that kept no record of the logs: they may be other logs (operator
            # trial: an upgrade, then a rebuild from the seeds, sent 54 pages of the seeds' past)
            unrecorded_logs = previous_logs is None and logs is not None and state.count_all(destination.name) > 0
            if new_logs and args.since is None:
                print(f"notify: {destination.name}: the warehouse now reads other logs ({logs}; before: {previous_logs}): "
                      "as on a first run, only what is still going on is sent, the rest is recorded as history; "
                      "what was sent for the earlier logs is not withdrawn",
                      file=sys.stderr)
            if unrecorded_logs and args.since is None:
                print(f"notify: {destination.name}: the version that sent earlier did not record which logs the warehouse read: "
                      "as on a first run, only what is still going on is sent, the rest is recorded as history, "
                      "including what began and ended since that version's last run (--since T sends what happened from T)",
                      file=sys.stderr)
            new_logs = new_logs or unrecorded_logs
            if new_logs:   # what was sent for the earlier logs: neither sent again nor withdrawn (state)
                state.set_aside_sent(destination.name)
            outcome = deliver(for_destination(notifications, state.sent_records(destination.name), covered), destination,
                              state, policy, args.since, report=lambda line: print(line, file=sys.stderr), new_logs=new_logs,
                              resend_rejected=args.resend_rejected)
            if logs is not None:
                state.record_log_input(destination.name, logs)
            waiting = state.count(destination.name, "rejected") - outcome["rejected"]
            print(f"notify: {destination.name}: {summary(outcome, waiting)}", file=sys.stderr)
            failed |= bool(outcome["pending"] or outcome["rejected"] or waiting)
    finally:
        con.close()
    return 1 if failed else 0


def summary(outcome, waiting: int) -> str:
    """One destination's run in a line: how many ended in each status, and the rejected deliveries of earlier
    runs still waiting (a run that leaves pages undelivered must not read as healthy)."""
    # a `baseline` delivery is history: recorded, never sent (the README's words; "4 baseline" said nothing)
    worded = {"baseline": "recorded as history, not sent"}
    counts = ", ".join(f"{outcome[s]} {worded.get(s, s)}" for s in ("sent", "pending", "rejected", "baseline", "skipped") if outcome[s])
    extras = [f"{outcome['resent']} of them resent"] if outcome["resent"] else []
    if outcome["dropped"]:
        extras.append(f"{outcome['dropped']} dropped (rejected or skipped earlier, the warehouse no longer shows them)")
    if waiting:
        extras.append(f"{waiting} rejected earlier, not sent: rerun with --resend-rejected after fixing the destination")
    return "; ".join([counts or "nothing new", *extras])
