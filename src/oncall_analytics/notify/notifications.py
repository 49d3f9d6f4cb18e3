"""What should reach a person, read from the warehouse: new incidents, series
of a metrics log that stopped arriving and their return (stale_metrics), SLO
burn-rate alerts and their resolutions, for a page on a gateway SLO the
troubleshooting guide's priority-1 finding, and the withdrawal of an
incident or alert sent earlier that the warehouse no longer shows. Each
becomes a Notification with a stable key (the delivery state is keyed on it)."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import duckdb

# Tie-break at equal times: an incident, a stale metric's ticket, an alert, its TSG finding, then anything resolved or withdrawn.
KIND_ORDER = {"incident": 0, "stale_metric": 1, "slo_alert": 2, "tsg_finding": 3, "slo_resolved": 4, "stale_metric_resolved": 5,
              "withdrawn": 6}


@dataclass(frozen=True)
class Links:
    """Where the reader goes next: the report section and the dbt docs page."""

    report: str
    docs: str


@dataclass(frozen=True)
class Notification:
    key: str
    kind: str
    occurred_at: datetime
    severity: str            # page, ticket or info
    title: str
    what: str
    where: str
    since: str
    how_bad: str
    links: Links
    after: str | None = None  # key of the notification this one must follow (an alert before its resolution)
    is_open: bool = False     # still going on (an alert firing, an incident flagged at its newest bucket): not history on a first run
    long_past: bool = False   # over, and older than RECENT before its scope's newest data: history, not a page
    peak: str | None = None   # an alert's peak burn rate so far ([STILL FIRING] says it: its how_bad is its start's)
    extra: dict = field(default_factory=dict)

    def sort_key(self):
        return (self.occurred_at, KIND_ORDER[self.kind], self.key)

    def as_record(self) -> dict:
        """The JSON form (JSON-lines file, state table)."""
        return {"key": self.key, "kind": self.kind, "severity": self.severity, "occurred_at": stamp(self.occurred_at),
                "title": self.title, "what": self.what, "where": self.where, "since": self.since,
                "how_bad": self.how_bad, "links": {"report": self.links.report, "docs": self.links.docs},
                "after": self.after, "is_open": self.is_open, **self.extra}


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def query_rows(con: duckdb.DuckDBPyConnection, sql: str, relations: list[str]) -> list[dict]:
    """The query's rows as dicts, or [] when one of its relations is not in the warehouse (not built)."""
    for relation in relations:
        schema, name = relation.split(".")
        if not con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                           [schema, name]).fetchone()[0]:
            return []
    cursor = con.execute(sql)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


class LinkBuilder:
    """Links into the on-call report (its section anchors) and the dbt docs site (model pages)."""

    def __init__(self, report_url: str, docs_url: str):
        self.report_url, self.docs_url = report_url, docs_url.rstrip("/")

    def __call__(self, anchor: str, model: str) -> Links:
        return Links(f"{self.report_url}#{anchor}", f"{self.docs_url}/#!/model/model.oncall_analytics.{model}")


GRAIN_SQL = """
    select distinct grain_minutes from intermediate.int_gateway__hourly_metrics
    union select distinct grain_minutes from intermediate.int_serverless__hourly_metrics
"""


def bucket_words(con) -> str:
    """What a flagged bucket is: 'hour', or '5-minute bucket' at that detection grain (as the metric models
    recorded it), or 'bucket' when they do not say."""
    try:
        grains = [row["grain_minutes"] for row in query_rows(con, GRAIN_SQL, ["intermediate.int_gateway__hourly_metrics",
                                                                              "intermediate.int_serverless__hourly_metrics"])]
    except duckdb.BinderException:  # metric models built by a version that did not record the grain
        return "bucket"
    if len(grains) != 1 or grains[0] is None:
        return "bucket"
    return "hour" if grains[0] == 60 else f"{grains[0]}-minute bucket"


# An incident is still going on while its service's newest scored bucket is flagged in it.
INCIDENTS_SQL = """
    select incidents.*, incidents.ended_at >= newest.observed_at as is_ongoing
    from marts.incidents as incidents
    left join (
        select service_name, max(observed_at) as observed_at
        from intermediate.int_metrics__anomaly_scores group by service_name
    ) as newest on incidents.service_name = newest.service_name
    order by incidents.started_at, incidents.service_name
"""


def incident_notifications(con, links: LinkBuilder) -> list[Notification]:
    rows = query_rows(con, INCIDENTS_SQL, ["marts.incidents", "intermediate.int_metrics__anomaly_scores"])
    bucket = bucket_words(con)
    out = []
    for row in rows:
        started = row["started_at"]
        out.append(Notification(
            key=f"incident:{row['service_name']}/{stamp(started)}", kind="incident", occurred_at=started,
            severity="info",
            title=f"Incident on {row['service_name']}: {row['root_cause_metric']} moved first",
            what=f"Anomalous metrics; likely cause {row['root_cause_metric']} (earliest to move)",
            where=row["service_name"],
            since=f"{stamp(started)} UTC (last anomalous {bucket} {stamp(row['ended_at'])})",
            how_bad=(f"{row['metric_count']} metric(s), {row['flag_count']} flagged {bucket}(s), peak |z| "
                     f"{row['peak_abs_z_score']:.1f}; {row['involved_metrics']}"),
            links=links("metrics", "incidents"), extra={"service_name": row["service_name"], "ended_at": stamp(row["ended_at"])},
            is_open=bool(row["is_ongoing"]),
        ))
    return out


ALERTS_SQL = """
    select
        alerts.*,
        status.budget_consumed_pct as budget_consumed_pct_at_start,
        status.is_full_window as is_budget_window_full_at_start,
        status.covered_window_minutes as log_minutes_at_start
    from marts.slo_burn_rate_alerts as alerts
    left join marts.slo_status as status
        on alerts.slo_name = status.slo_name and alerts.started_at = status.evaluated_at
    order by alerts.started_at, alerts.alert_key
"""


def _scope(row: dict) -> str:
    filters = [f"{name} {row[name]}" for name in ("environment", "region") if row.get(name)]
    return row["service_name"] + (f" ({', '.join(filters)})" if filters else "")


def _alert_fields(row: dict) -> dict:
    """What identifies the alert, its SLO's scope and when it fired (the TSG finding is matched on them)."""
    fields = {name: row[name] for name in ("slo_name", "rule_name", "alert_key", "service_name", "event_source", "environment", "region")}
    return {**fields, "resolved_at": stamp(row["resolved_at"]) if row["resolved_at"] is not None else None}


def burn_rate_text(rate: float | None, threshold: float) -> str:
    """A burn rate as "19.3x": one decimal, or as many more (up to four) as it takes to read above the
    threshold it exceeds (a rate of 1.008 against 1 printed "1.0x (threshold 1x)": operator trial), or
    ">1x" when four do not."""
    if rate is None:
        return "?x"
    for decimals in range(1, 5):
        text = f"{rate:.{decimals}f}"
        if rate <= threshold or float(text) > threshold:
            return f"{text}x"
    return f">{threshold:g}x"


def _bad_events_text(row: dict) -> str:
    """How many events the burn rate rests on, "1 of 2 events bad over 1h; ": on a low-traffic SLO a burn
    rate of hundreds can be one failure. Nothing from a warehouse built before the columns were added."""
    bad, total = row.get("long_window_bad_events_at_start"), row.get("long_window_events_at_start")
    if bad is None or total is None:
        return ""
    return f"{bad:,} of {total:,} event{'' if total == 1 else 's'} bad over {row['long_window']}; "


def _budget_text(row: dict) -> str:
    """"; 40 % of the 28d error budget spent", with the log's length when it is shorter than the SLO's window:
    the share is of the budget its events allow, and 971 % over 2 days of log (operator trial) reads as a month
    of budget gone. Nothing without a status row at the alert's start."""
    budget = row["budget_consumed_pct_at_start"]
    if budget is None:
        return ""
    text = f"; {budget:.0f} % of the {row['time_window']} error budget spent"
    minutes = row.get("log_minutes_at_start")
    if row.get("is_budget_window_full_at_start") is False and minutes is not None:
        text += f" (the log was {log_length(minutes)} long then, not yet a whole {row['time_window']})"
    return text


def duration_text(seconds: float, tenths: bool = False) -> str:
    """A span for a person: seconds below a minute, minutes below an hour, hours below two days, else days;
    tenths rounded down, so a span a few minutes short of a whole never reads as it ("28.0 days ... not yet
    28d"), and shown only when not 0 ("1 hour", "6.5 hours"), or always for hours and days with `tenths`."""
    for unit, size, below in (("second", 1, 60), ("minute", 60, 3600), ("hour", 3600, 48 * 3600), ("day", 86400, math.inf)):
        if seconds < below:
            amount = math.floor(seconds / size * 10) / 10
            shown = f"{amount:.1f}" if tenths and size >= 3600 else f"{amount:g}"
            return f"{shown} {unit}{'' if shown == '1' else 's'}"
    raise ValueError(seconds)


def log_length(minutes: int) -> str:
    """A log's length in whole minutes as a person reads it (duration_text, hours and days with their tenth)."""
    return duration_text(minutes * 60, tenths=True)


def _alert_since(row: dict) -> str:
    """The alert's start, and its end when it is over by the time it is read. A page is sent once, so this
    matters for one first sent after its burn ended (a log loaded late, a delivery that failed for hours): a
    [PAGE] that read as live had its reader look for a burn long ended (operator trial). Its [RESOLVED]
    follows it all the same."""
    since = f"{stamp(row['started_at'])} UTC"
    return since if row["resolved_at"] is None else f"{since} (over at {stamp(row['resolved_at'])} UTC)"


def alert_notifications(con, links: LinkBuilder) -> list[Notification]:
    """A notification per burn-rate alert, and one per resolution (after it)."""
    rows = query_rows(con, ALERTS_SQL, ["marts.slo_burn_rate_alerts", "marts.slo_status"])
    out = []
    for row in rows:
        link = links(f"slo-{row['slo_name']}", "slo_burn_rate_alerts")
        threshold = row["burn_rate_threshold"]
        how_bad = (f"burn rate {burn_rate_text(row['long_window_burn_rate_at_start'], threshold)} over {row['long_window']} and "
                   f"{burn_rate_text(row['short_window_burn_rate_at_start'], threshold)} over {row['short_window']} "
                   f"({_bad_events_text(row)}threshold {row['burn_rate_threshold']:g}x; objective {row['objective_pct']:g} % "
                   f"over {row['time_window']})"
                   + _budget_text(row)
                   # a warehouse built before the column was added has none: covered, as it then read
                   + ("" if row.get("is_long_window_covered_at_start", True) else
                      f"; the log is shorter than the {row['long_window']} window, so the alert rests on fewer hours than the rule assumes"))
        alert_key = f"slo_alert:{row['alert_key']}"
        out.append(Notification(
            key=alert_key, kind="slo_alert", occurred_at=row["started_at"], severity=row["severity"],
            title=f"[{row['severity'].upper()}] {row['slo_name']}: error budget burning ({row['rule_name']})",
            what=f"{row['slo_name']} ({row['sli_kind']}: {row['good_events_definition']}) burns its error budget too fast",
            where=_scope(row), since=_alert_since(row), how_bad=how_bad, links=link,
            is_open=bool(row["is_firing"]), extra=_alert_fields(row),
            peak=f"peak burn rate {burn_rate_text(row['peak_long_window_burn_rate'], threshold)} over {row['long_window']}",
        ))
        if row["resolved_at"] is not None:
            out.append(Notification(
                key=f"slo_resolved:{row['alert_key']}", kind="slo_resolved", occurred_at=row["resolved_at"],
                severity=row["severity"],
                title=f"[RESOLVED] {row['slo_name']}: {row['rule_name']} no longer fires",
                what=f"{row['slo_name']}: the burn rate fell back under {row['burn_rate_threshold']:g}x",
                where=_scope(row),
                since=f"{stamp(row['started_at'])} UTC to {stamp(row['resolved_at'])} UTC",
                how_bad=f"peak burn rate {burn_rate_text(row['peak_long_window_burn_rate'], row['burn_rate_threshold'])} "
                        f"over {row['long_window']}",
                links=link, after=alert_key, extra=_alert_fields(row),
            ))
    return out


SLA_SCOPE = re.compile(r"^(?P<region>.+?) / (?P<environment>.+?) / (?P<service>.+)$")


def tsg_notifications(con, alerts: list[Notification], links: LinkBuilder) -> list[Notification]:
    """The troubleshooting guide's priority-1 finding, once per scope, finding
    and window, right after the newest page on a gateway SLO whose scope holds
    the scope the guide was run for (its SLA row reads 'region / environment /
    service') and that fired during the guide's window (tsg_incident_start
    less tsg_lookback_hours to tsg_end_time): a plan run for another incident,
    such as the one a daily build keeps for the vars' defaults, says nothing
    about this one. Nothing when the guide was not built, found nothing, or
    its window (int_gateway__scope_totals) is not the plan's scope's."""
    plan = query_rows(con, "select * from marts.tsg_action_plan order by priority", ["marts.tsg_action_plan"])
    first = next((row for row in plan if row["priority"] == 1), None)
    sla = next((row for row in plan if row["dimension"] == "sla"), None)
    scope = SLA_SCOPE.match(sla["dimension_value"]) if sla else None
    totals = query_rows(con, "select * from intermediate.int_gateway__scope_totals", ["intermediate.int_gateway__scope_totals"])
    window = totals[0] if len(totals) == 1 and sla and totals[0].get("scope_label") == sla["dimension_value"] else {}
    start, end = window.get("window_start"), window.get("window_end")
    if first is None or scope is None or first["dimension"] == "sla" or start is None or end is None:
        return []

    def covers(alert: Notification) -> bool:
        slo = alert.extra
        resolved = slo["resolved_at"]
        return (alert.kind == "slo_alert" and alert.severity == "page" and slo["event_source"] == "gateway_requests"
                and slo["service_name"] == scope["service"] and slo["environment"] in (None, scope["environment"])
                and slo["region"] in (None, scope["region"])
                and alert.occurred_at <= end and (resolved is None or resolved >= stamp(start)))

    pages = sorted((alert for alert in alerts if covers(alert)), key=Notification.sort_key)
    if not pages:
        return []
    page = pages[-1]
    return [Notification(
        key=f"tsg_finding:{sla['dimension_value']}/{first['dimension']}={first['dimension_value']}"
            f"/{stamp(window['incident_start'])}", kind="tsg_finding",
        occurred_at=page.occurred_at, severity="page",
        title=f"Troubleshooting guide, priority 1 for {sla['dimension_value']}: {first['recommended_action']}",
        what=f"{first['dimension']} {first['dimension_value']}: {first['finding']}",
        # the incident start the guide was run for: the newest page it follows may have started later (a slow
        # burn after the fast one: operator trial), and its end is its own to say
        where=sla["dimension_value"], since=f"{stamp(window['incident_start'])} UTC",
        how_bad=f"{first['evidence']} ({sla['finding']})",
        links=links("tsg", "tsg_action_plan"), after=page.key,
        extra={"slo_name": page.extra["slo_name"], "alert_key": page.extra["alert_key"]},
    )]


# Where the marts of each kind that can be withdrawn have data, per scope
# (an incident's service, an alert's SLO): logs are kept and rebuilt apart.
COVERAGE_SQL = {
    "incident": ("select service_name as scope, min(observed_at) as first_at, max(observed_at) as last_at"
                 " from intermediate.int_metrics__anomaly_scores group by service_name",
                 ["intermediate.int_metrics__anomaly_scores", "marts.incidents"]),
    "slo_alert": ("select slo_name as scope, min(evaluated_at) as first_at, max(evaluated_at) as last_at"
                  " from marts.slo_status group by slo_name", ["marts.slo_status", "marts.slo_burn_rate_alerts"]),
}
SCOPE_FIELD = {"incident": "service_name", "slo_alert": "slo_name"}
# Late rows are late by hours: a page older than this, before its scope's newest
# data, that left the warehouse left with old logs or an old setting.
RECENT = timedelta(days=7)


def coverage(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, tuple[datetime, datetime]]]:
    """Per kind that can be withdrawn, per scope, the first and last time its
    marts are computed from; empty when they are not built."""
    return {kind: {row["scope"]: (row["first_at"], row["last_at"]) for row in query_rows(con, sql, relations)}
            for kind, (sql, relations) in COVERAGE_SQL.items()}


def free_key(base: str, suffix: str, taken) -> str:
    """`base`, or the first of base + suffix + 2, 3, ... that `taken` (a key -> bool) refuses: a page back after
    its withdrawal (#2), a resolution back after [STILL FIRING] (#r2), a corrected time sent before (#2)."""
    key, generation = base, 1
    while taken(key):
        generation += 1
        key = f"{base}{suffix}{generation}"
    return key


def reissued(notifications: list[Notification], sent_keys: set[str]) -> list[Notification]:
    """A page that was withdrawn and is back in the warehouse is sent again as
    a new page: its key, its resolution's and what follows it, gets the suffix
    #2 (#3 after a second withdrawal, ...)."""
    renamed = {}
    for notification in notifications:
        if notification.kind in SCOPE_FIELD:
            key = free_key(notification.key, "#", lambda key: f"withdrawn:{key}" in sent_keys)
            if key != notification.key:
                renamed[notification.key] = key
    out = []
    for notification in notifications:
        if notification.key in renamed:
            notification = replace(notification, key=renamed[notification.key])
        elif notification.after in renamed:
            after = renamed[notification.after]
            key = _resolution_key(after) if notification.kind == "slo_resolved" else notification.key
            notification = replace(notification, key=key, after=after)
        if notification.kind == "slo_resolved":   # a resolution taken back (still firing) and come again: #r2, #r3
            notification = replace(notification, key=free_key(notification.key, "#r", lambda key: f"withdrawn:{key}" in sent_keys))
        out.append(notification)
    return out


def _resolution_key(alert_key: str) -> str:
    return f"slo_resolved:{alert_key.split(':', 1)[1]}"


def _parse(moment: str) -> datetime:
    return datetime.strptime(moment, "%Y-%m-%d %H:%M:%S")


# What makes a page the same page when late rows move its start (moved_pages): the fields it must share.
SAME_PAGE_FIELDS = {"slo_alert": ("slo_name", "rule_name"), "incident": ("service_name",)}


def span_end(notification: Notification) -> datetime | None:
    """The end of a page's span as the warehouse shows it: an alert's resolution (None while it fires), an
    incident's last anomalous bucket."""
    end = notification.extra.get("resolved_at" if notification.kind == "slo_alert" else "ended_at")
    return None if end is None else _parse(end)


def moved_pages(notifications: list[Notification], sent: list[dict],
                covered: dict[str, dict[str, tuple[datetime, datetime]]]) -> dict[str, str]:
    """{new page key: sent page key} for an alert or incident whose start rows that arrived later moved (its
    key holds its start): a sent page, not withdrawn, that the warehouse no longer shows, and a page not sent
    under the key it would be sent with now (a page back after its withdrawal too: #2) of the same SLO and
    rule, or the same service (SAME_PAGE_FIELDS), whose span overlaps the one the reader holds. An alert's
    span runs from its start to its last resolution or correction sent, not taken back (on, while the reader
    holds it open); an incident's from its start to its last anomalous bucket as sent (it has no resolution:
    an incident held open would take every later one of its service). Without this the same burn was paged
    twice: over, it was paged again with its resolution (operator trial); still firing, it was withdrawn and
    paged again under its new start; an incident too, withdrawn and paged again for an earlier flag that
    came late. Only pages of the last RECENT of their scope's data, as for withdrawals: an open page older
    than that, which no withdrawal takes back, would take every later alert of its rule. Each sent page
    takes the overlapping page that holds its start, else the earliest (after a split, the part holding the
    time paged is the page sent, and what follows it is new: a simulation of late rows,
    python_checks/test_notify_late_rows.py); a page after the reader's end of it is a new page. `sent` is
    in the order sent (DeliveryState.sent_records)."""
    sent_keys = {record["key"] for record in sent}
    again = reissued(notifications, sent_keys)
    present = {notification.key for notification in again}
    key_now = {notification.key: now.key for notification, now in zip(notifications, again)}
    resolved = [record for record in sent if record["kind"] == "slo_resolved" and record.get("after")]
    alert_of = {record["key"]: record["after"] for record in resolved}   # a correction follows its resolution
    ends: dict[str, datetime] = {}
    for record in resolved:   # the reader's end of each alert: the last resolution or correction sent, not taken back
        if f"withdrawn:{record['key']}" not in sent_keys:
            ends[alert_of.get(record["after"], record["after"])] = _parse(record["occurred_at"])

    def held_end(record: dict) -> datetime:
        if record["kind"] == "incident":   # a state written before incidents held their end: their start
            return _parse(record.get("ended_at") or record["occurred_at"])
        return ends[record["key"]] if reader_holds_over(record["key"], sent_keys) else datetime.max

    held = {record["key"]: (_parse(record["occurred_at"]), held_end(record))
            for record in sent if record["kind"] in SAME_PAGE_FIELDS
            and record["key"] not in present and f"withdrawn:{record['key']}" not in sent_keys
            and _recent_in_scope(record, record["kind"], covered) is not None}
    if not held:
        return {}

    def same_page(record: dict):
        return record["kind"], tuple(record.get(name) for name in SAME_PAGE_FIELDS[record["kind"]])

    def overlaps(notification: Notification, start: datetime, end: datetime) -> bool:
        until = span_end(notification)
        return notification.occurred_at <= end and (until is None or until >= start)

    unsent = [notification for notification in notifications
              if notification.kind in SAME_PAGE_FIELDS and key_now[notification.key] not in sent_keys]
    records = {record["key"]: record for record in sent}
    moved: dict[str, str] = {}
    for key, (start, end) in sorted(held.items(), key=lambda item: item[1][0]):
        overlapping = [notification for notification in unsent if notification.key not in moved
                       and same_page({"kind": notification.kind, **notification.extra}) == same_page(records[key])
                       and overlaps(notification, start, end)]
        if overlapping:
            taken = min(overlapping, key=lambda notification: (not overlaps(notification, start, start), notification.occurred_at))
            moved[taken.key] = key
    return moved


def as_sent(notifications: list[Notification], moved: dict[str, str]) -> list[Notification]:
    """The notifications with each moved page (moved_pages) under the key it was sent with, its resolution
    and what follows it with it: what was sent is not sent again, a resolution at another time is corrected
    (resolution_corrections), and one sent while the alert fires again is taken back (resolution_withdrawal).
    A resolution says when the alert began if that is not the start paged (operator trial: a page "since
    01:45" resolved "since 01:15 to 02:15", unexplained)."""
    starts = {notification.key: notification.occurred_at for notification in notifications if notification.kind == "slo_alert"}
    out = []
    for notification in notifications:
        if notification.key in moved:
            notification = replace(notification, key=moved[notification.key])
        elif notification.after in moved:
            sent_key = moved[notification.after]
            if notification.kind == "slo_resolved":
                paged = sent_key.split("#", 1)[0].rsplit("/", 1)[-1]   # the start in the key sent: slo/rule/start
                began = stamp(starts[notification.after])
                moved_text = (f" It began at {began} UTC, not at {paged} UTC as paged: rows that arrived later moved "
                              f"its start." if began != paged else "")
                notification = replace(notification, key=_resolution_key(sent_key), after=sent_key,
                                       what=notification.what + moved_text)
            else:
                notification = replace(notification, after=sent_key)
        out.append(notification)
    return out


def reader_holds_over(alert_key: str, keys: set[str]) -> bool:
    """The reader holds the alert as over: more of its resolutions were sent than taken back (resolutions_of)."""
    resolved, taken_back = resolutions_of(alert_key, keys)
    return resolved > taken_back


def resolutions_of(alert_key: str, keys: set[str]) -> tuple[int, int]:
    """(resolutions, resolutions taken back) among `keys` for the alert `alert_key` ('slo_alert:<key>'):
    the reader holds the alert as over when the first outnumber the second."""
    base = _resolution_key(alert_key)
    resolved = [key for key in keys if key == base or re.fullmatch(re.escape(base) + r"#r[0-9]+", key)]
    return len(resolved), sum(f"withdrawn:{key}" in keys for key in resolved)


def resolution_corrections(current: list[Notification], sent: list[dict]) -> list[Notification]:
    """A resolution whose time the warehouse now gives otherwise than the reader holds it (the last of it and
    its corrections sent: rows that arrived later, the alert fired on until 16:25, not 15:00), as a new
    [RESOLVED] message keyed by its time (#2, #3 for a time sent before that came back), once: the reader
    would otherwise hold the time sent (operator trial). `sent` is in the order sent."""
    held_at: dict[str, str] = {}
    for record in sent:
        if record["kind"] == "slo_resolved":
            held_at[record["key"].split("@", 1)[0]] = record["occurred_at"]
    sent_keys = {record["key"] for record in sent}
    out = []
    for notification in current:
        held = held_at.get(notification.key)
        if notification.kind != "slo_resolved" or held is None or held == stamp(notification.occurred_at):
            continue
        key = free_key(f"{notification.key}@{stamp(notification.occurred_at)}", "#", sent_keys.__contains__)
        out.append(replace(notification, key=key,
                           title=notification.title.replace("[RESOLVED]", "[RESOLVED, corrected]", 1),
                           what=f"{notification.what} (resolved at {stamp(notification.occurred_at)} UTC, not at "
                                f"{held} UTC as sent earlier: rows that arrived later moved it)",
                           after=notification.key))
    return out


def withdrawals(sent: list[dict], current: list[Notification], covered: dict[str, dict[str, tuple[datetime, datetime]]]
                ) -> list[Notification]:
    """A withdrawal of each open page a destination was sent (`sent`: the
    records of its state) that the warehouse no longer shows: an incident, or
    an alert whose resolution was not sent, or was taken back (resolutions_of);
    and a [STILL FIRING] message for a resolution sent while its alert fires
    again (resolution_withdrawal). Rows that arrived later (a late or
    partly delivered hour of a log) or changed settings made it go away (an
    alert or incident whose start moved within the span the reader holds keeps its key:
    moved_pages); without a withdrawal the page
    would stay open, its resolution never to come. Only pages of the last
    RECENT of their scope's data, and within it: what is older, or newer than
    the data, left with its logs."""
    present = {notification.key: notification for notification in current}
    sent_keys = {record["key"] for record in sent}
    out = []
    for record in sent:
        kind = record["kind"]
        if kind == "slo_resolved":
            out.extend(resolution_withdrawal(record, present, covered))
            continue
        if kind not in SCOPE_FIELD or record["key"] in present:
            continue
        if kind == "slo_alert" and reader_holds_over(record["key"], sent_keys):
            continue
        occurred = _recent_in_scope(record, kind, covered)
        if occurred is None:
            continue
        what = "incident" if kind == "incident" else "alert"
        out.append(Notification(
            key=f"withdrawn:{record['key']}", kind="withdrawn", occurred_at=occurred, severity=record["severity"],
            title=f"[WITHDRAWN] {record['title']}",
            what=(f"The warehouse no longer shows this {what}: the rows or the settings it was computed from changed "
                  f"after it was sent (late or re-sent log rows, a rebuild with other vars). Any {what} that replaces it "
                  f"is sent on its own."),
            where=record["where"], since=record["since"], how_bad=f"as sent: {record['how_bad']}",
            links=Links(**record["links"]), after=record["key"],
        ))
    return out


def _recent_in_scope(record: dict, kind: str, covered: dict[str, dict[str, tuple[datetime, datetime]]]) -> datetime | None:
    """When the sent `record` occurred, if that is within the last RECENT of its scope's data (the scope of
    `kind`: an incident's service, an alert's SLO), else None: what is older, or newer than the data, left
    with its logs and is not taken back."""
    span = covered.get(kind, {}).get(record.get(SCOPE_FIELD[kind], record["where"]))
    occurred = _parse(record["occurred_at"])
    return occurred if span is not None and max(span[0], span[1] - RECENT) <= occurred <= span[1] else None


def resolution_withdrawal(record: dict, present: dict[str, Notification],
                          covered: dict[str, dict[str, tuple[datetime, datetime]]]) -> list[Notification]:
    """A [STILL FIRING] message for a resolution that was sent while the warehouse now shows its alert firing:
    rows that arrived later (a slower writer's part of an hour) proved it wrong, and the person who read
    [RESOLVED] would never hear otherwise (operator trial). Its alert's next resolution is sent anew
    (reissued). Only within the last RECENT of the SLO's data, as for the other withdrawals."""
    alert = present.get(record.get("after") or "")
    if record["key"] in present or alert is None or not alert.is_open:
        return []
    occurred = _recent_in_scope(record, "slo_alert", covered)
    if occurred is None:
        return []
    return [Notification(
        key=f"withdrawn:{record['key']}", kind="withdrawn", occurred_at=occurred, severity=alert.severity,
        title=f"[STILL FIRING] {alert.title}",
        what=(f"The resolution sent for this alert ({record['since']}) was wrong: rows that arrived after it was sent show "
              f"the alert still firing. Its resolution is sent when it comes."),
        where=alert.where, since=alert.since, links=alert.links, after=record["key"],
        how_bad=f"{alert.peak} so far; at its start: {alert.how_bad}" if alert.peak else alert.how_bad,
    )]


def _is_long_past(notification: Notification, covered: dict[str, dict[str, tuple[datetime, datetime]]]) -> bool:
    """An incident or alert that is over and started more than RECENT before its scope's newest data."""
    if notification.kind not in SCOPE_FIELD or notification.is_open:
        return False
    span = covered.get(notification.kind, {}).get(notification.extra.get(SCOPE_FIELD[notification.kind]))
    return span is not None and notification.occurred_at < span[1] - RECENT


def for_destination(notifications: list[Notification], sent: list[dict],
                    covered: dict[str, dict[str, tuple[datetime, datetime]]]) -> list[Notification]:
    """What one destination should have, given what it was sent: an alert
    or incident whose start moved under the key it was sent with, pages back
    after a withdrawal reissued, pages long past marked as such (a rebuild
    with another grain or window, or logs loaded late, can show an incident
    of months ago for the first time: the delivery records it as history,
    and its resolution follows it there), and the withdrawals due, oldest
    first."""
    from oncall_analytics.notify.stale_metrics import stale_metric_episodes  # here: that module builds on this one
    notifications = stale_metric_episodes(notifications, sent)
    current = reissued(as_sent(notifications, moved_pages(notifications, sent, covered)), {record["key"] for record in sent})
    long_past = {notification.key for notification in current if _is_long_past(notification, covered)}
    # a finding follows its page: a guide built weeks later for a postmortem does not page
    current = [replace(notification, long_past=True) if notification.key in long_past
               or (notification.kind == "tsg_finding" and notification.after in long_past) else notification
               for notification in current]
    return sorted(current + resolution_corrections(current, sent) + withdrawals(sent, current, covered), key=Notification.sort_key)


def read_notifications(con: duckdb.DuckDBPyConnection, links: LinkBuilder) -> list[Notification]:
    """Everything the warehouse says should reach a person, oldest first."""
    from oncall_analytics.notify.stale_metrics import stale_metric_notifications  # here: that module builds on this one
    alerts = alert_notifications(con, links)
    everything = (incident_notifications(con, links) + stale_metric_notifications(con, links) + alerts
                  + tsg_notifications(con, alerts, links))
    return sorted(everything, key=Notification.sort_key)
