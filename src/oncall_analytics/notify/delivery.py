"""Exactly-once delivery to one destination, in order.

Notifications go out oldest first. Each is tried up to 1 + retries times with
exponential backoff when the failure is retryable; if it still fails it is
recorded `pending` and the destination stops for this run, so nothing later
overtakes it (a resolution never arrives before its alert): the next run
starts again from it. A non-retryable failure (4xx) is recorded `rejected`,
reported, and the run goes on with the next notification.

What counts as new: everything not yet recorded for the destination, except
history, recorded `baseline` and never sent:
- on a destination's first run (no state yet), and on its first run after the
  warehouse was rebuilt from other logs (another log_source or logs_path),
  everything but what is still going on (alerts firing, incidents flagged at
  their service's newest bucket) and what follows it: a first run against a
  warehouse with months of history pages for what is happening now, not for
  every past incident;
- with --since, everything that happened before that time;
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


def deliver(notifications: list[Notification], destination, state: DeliveryState, policy: RetryPolicy,
            since: datetime | None = None, report: Callable[[str], None] = print, new_logs: bool = False) -> Counter:
    """Sends what is new to `destination`; returns how many notifications ended in each status this run.
    `new_logs`: the warehouse reads other logs than at the destination's last run (a first run for them)."""
    statuses = state.statuses(destination.name)
    first_run = not statuses or new_logs
    owing = any(status == "pending" for status, _ in statuses.values())
    outcome: Counter = Counter()

    def record(notification, status, attempts=0, error=None):
        state.record(notification, destination.name, status, attempts, error)
        statuses[notification.key] = (status, attempts)
        outcome[status] += 1

    for notification in notifications:
        status, attempts_before = statuses.get(notification.key, (None, 0))
        if status in DONE:
            continue
        parent = statuses.get(notification.after, (None, 0))[0] if notification.after else None
        if parent in ("baseline", "rejected", "skipped"):
            record(notification, "baseline" if parent == "baseline" else "skipped")
            continue
        if is_history(notification, first_run, since, owing):
            record(notification, "baseline")
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
            report(f"notify: {destination.name}: {notification.key} rejected ({failure}); not retried")
            continue
        record(notification, "sent", attempts_before + attempts)
    return outcome
