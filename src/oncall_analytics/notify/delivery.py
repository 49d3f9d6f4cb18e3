"""Exactly-once delivery to one destination, in order.

Notifications go out oldest first. Each is tried up to 1 + retries times with
exponential backoff when the failure is retryable; if it still fails it is
recorded `pending` and the destination stops for this run, so nothing later
overtakes it (a resolution never arrives before its alert): the next run
starts again from it. A non-retryable failure (4xx) is recorded `rejected`,
reported, and the run goes on with the next notification. It stays rejected,
and counted as waiting by every run, until a run with resend_rejected (the URL
fixed) tries it again, with what follows it (skipped): under the rules below,
as if it were new (a page long past, older than --since, or over on a first
run after a rebuild from other logs is recorded as history), and dropped (its
record removed) when the warehouse no longer shows it: nothing was delivered,
so nothing is withdrawn, and if it comes back it is new. A pending delivery
the warehouse no longer shows is dropped the same way (forget_pending).

What counts as new: everything not yet recorded for the destination, except
history, recorded `baseline` and never sent:
- on a destination's first run (no state yet), and on its first run after the
  warehouse was rebuilt from other logs (another log_source or logs_path),
  everything but what is still going on (alerts firing, incidents flagged at
  their service's newest bucket) and what follows it: a first run against a
  warehouse with months of history pages for what is happening now, not for
  every past incident; it is recorded before anything is sent, so a first
  run stopped by a failure leaves none of it to the next run;
- with --since, everything that happened before that time, but what follows
  a page sent or owed (its resolution or withdrawal);
- on any run, a page long past (Notification.long_past: over, and started
  more than a week before its scope's newest data, shown for the first time
  after a rebuild), with what follows it; unless the destination owes
  deliveries (something is pending): what waited behind them is owed too.
"""
from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from oncall_analytics.notify.destinations import DeliveryFailed
from oncall_analytics.notify.notifications import Notification
from oncall_analytics.notify.state import DONE, DeliveryState


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 3
    backoff_s: float = 1.0
    sleep: Callable[[float], None] = time.sleep

    def send(self, destination, notification: Notification) -> int:
        """Attempts used; raises the last DeliveryFailed when no attempt succeeded."""
        for attempt in range(self.retries + 1):
            try:
                destination.send(notification)
                return attempt + 1
            except DeliveryFailed as failure:
                failure.attempts = attempt + 1
                if not failure.retryable or attempt == self.retries:
                    raise
                self.sleep(self.backoff_s * 2 ** attempt)
        raise AssertionError("unreachable")


def is_history(notification: Notification, first_run: bool, since: datetime | None, owing: bool = False) -> bool:
    """Recorded, not sent: before --since when it is given; otherwise on a destination's first run what is
    over, and a page long past while the destination owes nothing (module docstring)."""
    if since is not None:
        return notification.occurred_at < since
    return (notification.long_past and not owing) or (first_run and not notification.is_open and notification.after is None)


# never reached the destination: what a resend tries again
UNDELIVERED = ("rejected", "skipped")


def to_resend(notifications: list[Notification], statuses: dict[str, tuple[str, int]], state: DeliveryState,
              destination: str) -> tuple[set[str], int]:
    """The keys of the destination's undelivered notifications the warehouse still shows, and how many it no
    longer shows: those are dropped from the state and from `statuses` (a page the warehouse no longer shows
    is not sent: sent, it would be withdrawn; nothing reached the reader, so there is nothing to take back)."""
    undelivered = {key for key, (status, _) in statuses.items() if status in UNDELIVERED}
    gone = undelivered - {notification.key for notification in notifications}
    state.forget(gone, destination)
    for key in gone:
        del statuses[key]
    return undelivered - gone, len(gone)


def forget_pending(notifications: list[Notification], statuses: dict[str, tuple[str, int]], state: DeliveryState,
                   destination: str) -> None:
    """Drops the destination's pending deliveries the warehouse no longer shows, from the state and from
    `statuses`: nothing reached the reader, so there is nothing to take back, and if it comes back it is new.
    Kept, a pending page gone for good made the destination owe deliveries forever (pages long past sent)."""
    gone = {key for key, (status, _) in statuses.items() if status == "pending"} - {n.key for n in notifications}
    state.forget(gone, destination)
    for key in gone:
        del statuses[key]


def deliver(notifications: list[Notification], destination, state: DeliveryState, policy: RetryPolicy,
            since: datetime | None = None, report: Callable[[str], None] = print, new_logs: bool = False,
            resend_rejected: bool = False) -> Counter:
    """Sends what is new to `destination`; returns how many notifications ended in each status this run,
    and with resend_rejected how many of those sent were `resent` and how many undelivered were `dropped`.
    `new_logs`: the warehouse reads other logs than at the destination's last run (a first run for them)."""
    statuses = state.statuses(destination.name)
    first_run = not statuses or new_logs
    forget_pending(notifications, statuses, state, destination.name)
    owing = any(status == "pending" for status, _ in statuses.values())
    outcome: Counter = Counter()
    resending: set[str] = set()
    if resend_rejected:
        resending, outcome["dropped"] = to_resend(notifications, statuses, state, destination.name)

    def record(notification, status, attempts=0, error=None):
        state.record(notification, destination.name, status, attempts, error)
        statuses[notification.key] = (status, attempts)
        outcome[status] += 1

    def judged(notification) -> tuple[str | None, str | None, bool]:
        """(status recorded, the status it gets without a send, or None, whether it is sent again)."""
        status = statuses.get(notification.key, (None, 0))[0]
        parent = statuses.get(notification.after, (None, 0))[0] if notification.after else None
        # a resolution or finding skipped while its alert was rejected goes once the alert is delivered: a
        # resent page is not left open for its reader (also when a resend run stopped between the two)
        again = notification.key in resending or (status == "skipped" and parent == "sent")
        if parent in ("baseline", "rejected", "skipped"):
            return status, "baseline" if parent == "baseline" else "skipped", again
        # a resent delivery did not wait behind a pending one: a page long past is history, not owed; what
        # follows a page the reader has, or is owed, is never history (a later run's --since left it open)
        if parent not in ("sent", "pending") and is_history(notification, first_run, since, owing and not again):
            return status, "baseline", again
        return status, None, again

    if first_run or since is not None:
        # history first: a first run stopped by a failing destination left the rest of it to be sent later as new
        for notification in notifications:
            status, unsent, again = judged(notification)
            if unsent == "baseline" and (status not in DONE or again) and status != unsent:
                record(notification, unsent)
    for notification in notifications:
        status, unsent, again = judged(notification)
        attempts_before = statuses.get(notification.key, (None, 0))[1]
        if status in DONE and not again:
            continue
        if unsent is not None:
            if unsent != status:
                record(notification, unsent)
            continue
        try:
            attempts = policy.send(destination, notification)
        except DeliveryFailed as failure:
            attempts = attempts_before + failure.attempts
            if failure.retryable:
                record(notification, "pending", attempts, str(failure))
                report(f"notify: {destination.name}: {notification.key} still failing after {attempts} attempt(s) "
                       f"({failure}); kept pending, with what follows it, for the next run")
                break
            record(notification, "rejected", attempts, str(failure))
            report(f"notify: {destination.name}: {notification.key} rejected{' again' if again else ''} ({failure}); "
                   "not retried")
            continue
        record(notification, "sent", attempts_before + attempts)
        outcome["resent"] += again
    return outcome
