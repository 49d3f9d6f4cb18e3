"""Tickets for series of a metrics log that stopped arriving while the rest of their log goes on
(marts.metric_staleness): the detector cannot flag a series it does not receive.

One ticket per silence, and a [RESOLVED] when the series reads again. The mart knows a series' last reading,
not when its silence began as the reader was told of it: an exporter that flushes its buffer late moves the
last reading while the series is still silent, and a writer always behind stays stale. So the episode is the
reader's: while the destination holds a ticket of the series without its resolution, the series is not
ticketed again, whatever its last reading; once it is fresh in the mart, the ticket is resolved, and a later
silence is a new ticket. A series silent for longer than RECENT when first seen (a series retired long ago,
on a first run, after an upgrade, for a new destination) is recorded as history, not sent."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from oncall_analytics.notify.notifications import RECENT, LinkBuilder, Notification, duration_text, query_rows, stamp

STALENESS_SQL = """
    select * from marts.metric_staleness
    where staleness_status in ('stale', 'fresh')
    order by last_reading_at, metrics_log, service_name, metric_name
"""
TICKET, RESOLVED = "stale_metric", "stale_metric_resolved"


def _series(fields: dict) -> tuple[str, str, str]:
    return fields["metrics_log"], fields["service_name"], fields["metric_name"]


def stale_metric_notifications(con, links: LinkBuilder) -> list[Notification]:
    """A ticket per stale series, keyed on the series and its last reading, and a resolution candidate per
    fresh series (kept by stale_metric_episodes only where the reader holds a ticket of it)."""
    out = []
    for row in query_rows(con, STALENESS_SQL, ["marts.metric_staleness"]):
        last, series = row["last_reading_at"], f"{row['metrics_log']}/{row['service_name']}/{row['metric_name']}"
        fields = {"service_name": row["service_name"], "metric_name": row["metric_name"], "metrics_log": row["metrics_log"]}
        name = f"{row['metric_name']} of {row['service_name']}"
        if row["staleness_status"] == "fresh":
            out.append(Notification(
                key=f"{RESOLVED}:{series}", kind=RESOLVED, occurred_at=last, severity="ticket",
                title=f"[RESOLVED] {name} arrives again", what=f"{name} reads again in the {row['metrics_log']} log",
                where=row["service_name"], since=f"{stamp(last)} UTC (its last reading)",
                how_bad=f"a reading about every {duration_text(row['usual_interval_seconds'])}",
                links=links("metrics", "metric_staleness"), extra=fields))
            continue
        out.append(Notification(
            key=f"{TICKET}:{series}/{stamp(last)}", kind=TICKET,
            occurred_at=last + timedelta(seconds=row["stale_after_seconds"]), severity="ticket",
            title=f"[TICKET] {name} stopped arriving",
            what=(f"No reading of {row['metric_name']} while the rest of the {row['metrics_log']} log goes on: "
                  "the detector cannot flag a series it does not receive (a broken exporter, a renamed metric)"),
            where=row["service_name"],
            since=f"{stamp(last)} UTC (its last reading; its log has reached {stamp(row['log_reached_at'])} UTC)",
            how_bad=(f"silent for {duration_text(row['silent_seconds'])}, against a reading about every "
                     f"{duration_text(row['usual_interval_seconds'])} ({row['reading_count']} buckets with readings since "
                     f"{stamp(row['first_reading_at'])} UTC)"),
            links=links("metrics", "metric_staleness"), is_open=True,
            long_past=row["silent_seconds"] > RECENT.total_seconds(), extra=fields))
    return out


def stale_metric_episodes(notifications: list[Notification], sent: list[dict]) -> list[Notification]:
    """What the destination should have of the tickets, given what it was sent (in the order sent): a stale
    series whose ticket the reader holds open (sent, not resolved) is not ticketed again under another last
    reading; a fresh series whose ticket the reader holds open gets its resolution, keyed on that ticket and
    after it; every other resolution candidate is dropped."""
    held: dict[tuple[str, str, str], str] = {}
    for record in sent:
        if record["kind"] == TICKET:
            held[_series(record)] = record["key"]
        elif record["kind"] == RESOLVED and held.get(_series(record)) == record["after"]:
            del held[_series(record)]
    out = []
    for notification in notifications:
        ticket = held.get(_series(notification.extra)) if notification.kind in (TICKET, RESOLVED) else None
        if notification.kind == RESOLVED:
            if ticket is not None:
                out.append(replace(notification, key=f"{RESOLVED}:{ticket.removeprefix(TICKET + ':')}", after=ticket))
        elif notification.kind != TICKET or ticket in (None, notification.key):
            out.append(notification)
    return out
