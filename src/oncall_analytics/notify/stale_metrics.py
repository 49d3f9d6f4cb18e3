"""Tickets for series of a metrics log that stopped arriving while the rest of their log goes on
(marts.metric_staleness): the detector cannot flag a series it does not receive.

One ticket per service and silence, naming its metrics that stopped: an exporter that dies stops every metric
of its service at once, and a ticket per series sent 50 for one broken exporter. A [RESOLVED] follows when
none of the metrics the ticket named is stale and one of them reads again. The mart knows a series' last
reading, not when its silence began as the reader was told of it: an exporter that flushes its buffer late
moves the last reading while the series is still silent, and a writer always behind stays stale. So the
episode is the reader's: while the destination holds a ticket without its resolution, the metrics it names
are not ticketed again, whatever their last readings; a metric of the service that stops meanwhile is a
ticket of its own, which names the open one (it waited until the first was resolved: operator trial), and
each ticket is resolved by its own metrics. Once a ticket is resolved, a later silence of its metrics is a
new ticket. Series silent for longer than RECENT (a series retired long ago, seen on a first run, after an
upgrade, by a new destination) are a ticket of their own, recorded as history, not sent."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from itertools import groupby

from oncall_analytics.notify.notifications import RECENT, LinkBuilder, Links, Notification, duration_text, free_key, query_rows, stamp

STALENESS_SQL = """
    select * from marts.metric_staleness
    where staleness_status in ('stale', 'fresh')
    order by metrics_log, service_name, staleness_status, last_reading_at, metric_name
"""
TICKET, RESOLVED = "stale_metric", "stale_metric_resolved"
LISTED = 8  # metric names a message lists, then "and N more"
STALE_ROWS = "stale_rows"  # a ticket candidate's mart rows, not part of what is sent or recorded


def _service(fields: dict) -> tuple[str, str]:
    return fields["metrics_log"], fields["service_name"]


def _named(record: dict) -> list[str]:
    return record.get("metric_names") or [record["metric_name"]]   # a ticket of one series, sent before tickets were per service


def listed(names: list[str]) -> str:
    """The first LISTED names, then how many more."""
    more = len(names) - LISTED
    return ", ".join(names[:LISTED]) + (f" and {more} more" if more > 0 else "")


def ticket(rows: list[dict], links: Links, open_names: tuple[str, ...] = ()) -> Notification:
    """The ticket of a service's stale series (`rows`, oldest last reading first), keyed on its log, service and
    the first of their last readings; `open_names`, the metrics of the service an open ticket already names. Its
    rows ride along (extra STALE_ROWS) until stale_metric_episodes decides which are new to the reader."""
    first, log, service = rows[0], rows[0]["metrics_log"], rows[0]["service_name"]
    names = [row["metric_name"] for row in rows]
    reached = f"its log has reached {stamp(first['log_reached_at'])} UTC"
    if len(rows) == 1:
        title_names, since = f"{first['metric_name']} of {service}", f"{stamp(first['last_reading_at'])} UTC (its last reading; {reached})"
        how_bad = (f"silent for {duration_text(first['silent_seconds'])}, against a reading about every "
                   f"{duration_text(first['usual_interval_seconds'])} ({first['reading_count']} buckets with readings since "
                   f"{stamp(first['first_reading_at'])} UTC)")
    else:
        title_names = f"{len(rows)} metrics of {service}"
        since = f"{stamp(first['last_reading_at'])} UTC (the first of their last readings; {reached})"
        each = [(duration_text(row["silent_seconds"]), duration_text(row["usual_interval_seconds"])) for row in rows]
        how_bad = (f"each silent for {each[0][0]}, against a reading about every {each[0][1]}" if len(set(each)) == 1 else
                   "silent for " + "; ".join(f"{row['metric_name']} {silent} (a reading about every {interval})"
                                             for row, (silent, interval) in zip(rows[:LISTED], each))
                   + (f"; and {len(rows) - LISTED} more" if len(rows) > LISTED else ""))
    return Notification(
        key=f"{TICKET}:{log}/{service}/{stamp(first['last_reading_at'])}", kind=TICKET,
        occurred_at=min(row["last_reading_at"] + timedelta(seconds=row["stale_after_seconds"]) for row in rows), severity="ticket",
        title=f"[TICKET] {title_names} stopped arriving",
        what=(f"No reading of {listed(names)} while the rest of the {log} log goes on: the detector cannot flag a series it "
              "does not receive (a broken exporter, a renamed metric)"
              + (f"; the ticket of {listed(list(open_names))} of {service} is still open" if open_names else "")),
        where=service, since=since, how_bad=how_bad, links=links, is_open=True,
        long_past=min(row["silent_seconds"] for row in rows) > RECENT.total_seconds(),
        extra={"metrics_log": log, "service_name": service, "metric_names": names, STALE_ROWS: rows})


def stale_metric_notifications(con, links: LinkBuilder) -> list[Notification]:
    """Per log and service: a ticket of its series stale for at most RECENT, one of those stale for longer (history),
    and a resolution candidate when one of its series is fresh (stale_metric_episodes keeps it where the reader
    holds a ticket of the service, and words it)."""
    out = []
    rows = query_rows(con, STALENESS_SQL, ["marts.metric_staleness"])
    for (log, service), service_rows in groupby(rows, key=_service):
        service_rows = list(service_rows)
        stale = [row for row in service_rows if row["staleness_status"] == "stale"]
        for long_past in (False, True):
            silence = [row for row in stale if (row["silent_seconds"] > RECENT.total_seconds()) == long_past]
            if silence:
                out.append(ticket(silence, links("metrics", "metric_staleness")))
        fresh = [row for row in service_rows if row["staleness_status"] == "fresh"]
        if fresh:
            out.append(Notification(
                key=f"{RESOLVED}:{log}/{service}", kind=RESOLVED, occurred_at=max(row["last_reading_at"] for row in fresh),
                severity="ticket", title="", what="", where=service, since="", how_bad="",
                links=links("metrics", "metric_staleness"),
                extra={"metrics_log": log, "service_name": service, "stale": [row["metric_name"] for row in stale],
                       "fresh": {row["metric_name"]: row for row in fresh}}))
    return out


def resolution(candidate: Notification, held: dict) -> Notification | None:
    """The [RESOLVED] of the ticket the reader holds (`held`: its record), when none of the metrics it named is
    stale and one of them reads again; else None."""
    named = _named(held)
    back = [candidate.extra["fresh"][name] for name in named if name in candidate.extra["fresh"]]
    if not back or set(named) & set(candidate.extra["stale"]):
        return None
    last = max(row["last_reading_at"] for row in back)
    service, log = candidate.extra["service_name"], candidate.extra["metrics_log"]
    subject = f"{named[0]} of {service} arrives" if len(named) == 1 else f"the metrics of {service} arrive"
    intervals = sorted(row["usual_interval_seconds"] for row in back)
    every = duration_text(intervals[0]) + ("" if intervals[-1] == intervals[0] else f" to {duration_text(intervals[-1])}")
    return replace(
        candidate, key=f"{RESOLVED}:{held['key'].removeprefix(TICKET + ':')}", after=held["key"], occurred_at=last,
        title=f"[RESOLVED] {subject} again", what=f"{listed([row['metric_name'] for row in back])} read again in the {log} log",
        since=f"{stamp(last)} UTC (the {'' if len(back) == 1 else 'latest '}last reading)",
        how_bad=f"a reading about every {every}",
        extra={"metrics_log": log, "service_name": service, "metric_names": named})


def stale_metric_episodes(notifications: list[Notification], sent: list[dict]) -> list[Notification]:
    """What the destination should have of the tickets, given what it was sent (in the order sent): the metrics
    an open ticket (sent, not resolved) names are not ticketed again under other last readings, and the service's
    other stale metrics are a ticket of their own; a service's resolution candidate becomes the [RESOLVED] of each
    open ticket whose metrics read again (resolution), keyed on that ticket and after it; every other resolution
    candidate is dropped. A new ticket whose key was sent before (the same first last reading as a ticket
    resolved since) gets #2, #3."""
    held: dict[tuple[str, str], list[dict]] = {}
    for record in sent:
        if record["kind"] == TICKET:
            held.setdefault(_service(record), []).append(record)
        elif record["kind"] == RESOLVED:
            held[_service(record)] = [open_ for open_ in held.get(_service(record), []) if open_["key"] != record["after"]]
    sent_keys = {record["key"] for record in sent}
    resolutions = {notification.key: [resolved for resolved in (resolution(notification, record) for record in
                                                                 held.get(_service(notification.extra), [])) if resolved]
                   for notification in notifications if notification.kind == RESOLVED}
    # a ticket this run resolves is no longer open to the new tickets it sends (review: "x's ticket is still open"
    # beside x's [RESOLVED])
    resolved_now = {resolved.after for sent_now in resolutions.values() for resolved in sent_now}
    out = []
    for notification in notifications:
        if notification.kind not in (TICKET, RESOLVED):
            out.append(notification)
            continue
        if notification.kind == RESOLVED:
            out.extend(resolutions[notification.key])
            continue
        records = [record for record in held.get(_service(notification.extra), []) if record["key"] not in resolved_now]
        rows = notification.extra[STALE_ROWS]
        if records and not notification.long_past:
            open_names = tuple(dict.fromkeys(name for record in records for name in _named(record)))
            rows = [row for row in rows if row["metric_name"] not in open_names]
            notification = ticket(rows, notification.links, open_names) if rows else None
        if notification is not None:
            extra = {name: value for name, value in notification.extra.items() if name != STALE_ROWS}
            out.append(replace(notification, key=free_key(notification.key, "#", sent_keys.__contains__), extra=extra))
    return out
