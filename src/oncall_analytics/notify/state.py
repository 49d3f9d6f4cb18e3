"""The delivery state, a table in the warehouse (`notify.deliveries`, outside
dbt's schemas, so no build or full refresh touches it): one row per
notification and destination with what became of it.

    sent      delivered; never sent again
    pending   failed with a retryable error; tried again on the next run
    rejected  refused (a 4xx: the URL or the message is wrong); reported, not
              retried by itself: counted as waiting on every run until
              --resend-rejected tries it again (sent, rejected again, history,
              or dropped when the warehouse no longer shows it)
    baseline  already history when this destination first ran (or older than
              --since, or long past when first shown or resent): recorded, never sent
    skipped   a resolution, correction or finding whose alert was never sent
              (baseline or rejected): not sent either, unless its alert is
              resent and delivered
    sent_other_logs  sent while the warehouse read other logs (set aside by
              the first run after a rebuild from other logs): never sent
              again, and never withdrawn or corrected, since the new logs'
              silence about it says nothing of it (operator trial: the
              shipped data's pages withdrawn on the first run on one's own)

Each outcome is written as soon as it is known, in its own transaction.
`notify.destination_inputs` keeps, per destination, the logs the warehouse
read at its last run (warehouse_file.log_input): a rebuild from other logs is
a first run for them (delivery)."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb

from oncall_analytics.notify.notifications import Notification

DONE = {"sent", "rejected", "baseline", "skipped", "sent_other_logs"}

DDL = """
create schema if not exists notify;
create table if not exists notify.deliveries (
    notification_key varchar not null,
    destination varchar not null,
    kind varchar not null,
    occurred_at timestamp not null,
    status varchar not null,
    attempts integer not null,
    first_attempt_at timestamp,
    last_attempt_at timestamp,
    sent_at timestamp,
    last_error varchar,
    message json,
    primary key (notification_key, destination)
);
create table if not exists notify.destination_inputs (
    destination varchar primary key,
    log_input varchar not null,
    recorded_at timestamp not null
);
"""


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class DeliveryState:
    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        con.execute(DDL)

    def statuses(self, destination: str) -> dict[str, tuple[str, int]]:
        """notification key -> (status, attempts so far) for the destination."""
        rows = self.con.execute("select notification_key, status, attempts from notify.deliveries where destination = ?",
                                [destination]).fetchall()
        return {key: (status, attempts) for key, status, attempts in rows}

    def sent_records(self, destination: str) -> list[dict]:
        """What was sent to the destination, as sent (Notification.as_record), in the order sent: the reader
        holds the last of a resolution's corrections (resolution_corrections)."""
        rows = self.con.execute("select message from notify.deliveries where destination = ? and status = 'sent'"
                                " order by sent_at, occurred_at, notification_key", [destination]).fetchall()
        return [json.loads(message) for (message,) in rows]

    def record(self, notification: Notification, destination: str, status: str, attempts: int = 0,
               error: str | None = None) -> None:
        moment = now()
        tried = attempts > 0
        self.con.execute("""
            insert into notify.deliveries values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            on conflict (notification_key, destination) do update set
                status = excluded.status,
                attempts = excluded.attempts,
                first_attempt_at = coalesce(notify.deliveries.first_attempt_at, excluded.first_attempt_at),
                last_attempt_at = coalesce(excluded.last_attempt_at, notify.deliveries.last_attempt_at),
                sent_at = excluded.sent_at,
                last_error = excluded.last_error,
                message = excluded.message
        """, [notification.key, destination, notification.kind, notification.occurred_at, status, attempts,
              moment if tried else None, moment if tried else None, moment if status == "sent" else None, error,
              json.dumps(notification.as_record())])

    def set_aside_sent(self, destination: str) -> None:
        """Records what was sent to the destination as sent for other logs (`sent_other_logs`): the warehouse now
        reads other logs, and what it no longer shows of theirs is not to be withdrawn or corrected."""
        self.con.execute("update notify.deliveries set status = 'sent_other_logs' where destination = ? and status = 'sent'",
                         [destination])

    def count_all(self, destination: str) -> int:
        """Deliveries recorded for the destination, whatever their status."""
        return self.con.execute("select count(*) from notify.deliveries where destination = ?", [destination]).fetchone()[0]

    def count(self, destination: str, status: str) -> int:
        return self.con.execute("select count(*) from notify.deliveries where destination = ? and status = ?",
                                [destination, status]).fetchone()[0]

    def forget(self, keys: set[str], destination: str) -> None:
        """Removes the records of `keys` (deliveries that never reached the destination, for what the
        warehouse no longer shows): if it shows them again, they are judged as new."""
        if keys:   # executemany refuses an empty list
            self.con.executemany("delete from notify.deliveries where notification_key = ? and destination = ?",
                                 [[key, destination] for key in sorted(keys)])

    def log_input(self, destination: str) -> str | None:
        """The logs the warehouse read when the destination last ran (warehouse_file.log_input), or None."""
        row = self.con.execute("select log_input from notify.destination_inputs where destination = ?", [destination]).fetchone()
        return row[0] if row else None

    def record_log_input(self, destination: str, log_input: str) -> None:
        self.con.execute("insert or replace into notify.destination_inputs values (?, ?, ?)", [destination, log_input, now()])
