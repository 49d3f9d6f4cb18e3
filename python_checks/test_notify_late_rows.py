"""Randomized check of exactly-once alert delivery (notifications.for_destination) against late rows.

One SLO, one or two burn-rate rules, a day of 5-minute steps. The warehouse is modelled the way
marts/slo/slo_burn_rate_alerts.sql computes it: per rule, a firing flag per evaluated step; an alert is a
maximal run of firing steps, started at its first step, resolved at the step after its last one unless that
is the newest evaluated step (then it fires). Late rows re-flag steps of the recent past (set a span of steps
firing or not firing), which moves starts and resolutions, makes a resolution appear or disappear, splits,
merges, removes alerts and adds new ones; the data also grows. After each change, for_destination is called
with what was sent (in the order sent, as DeliveryState.sent_records returns it) and everything new is sent.

Invariants, as the reader of the messages (in the order received) sees them:
  I1  no burn paged twice: after every run, per rule, the reader holds at most one page open, and a page sent
      in the run overlaps no other page the reader holds (not withdrawn; its span from the start as paged to the
      resolution held, or on). Pages held that late rows merged or moved so that they overlap (I1m) are by
      design, and counted apart: a page held resolved is not withdrawn, and a moved page keeps its start;
  I2  idempotence: a run right after a run sends nothing;
  I3  convergence, after every run: each warehouse alert is one page the reader holds (not withdrawn, distinct
      per alert), resolved for the reader iff resolved in the warehouse, at the warehouse's time; a page the
      reader holds open that represents no warehouse alert was withdrawn (a page held resolved that left the
      warehouse is, by design, not withdrawn: README "A page can be taken back");
  I4  every message that refers to another (resolution, correction, withdrawal, [STILL FIRING]) comes after it,
      and none refers to a page already withdrawn.

`PYTHONPATH=src .venv/bin/python python_checks/test_notify_late_rows.py [sequences] [seed]` runs more sequences and
prints the shortest failing one of each kind; describe(seed) prints a sequence run by run. The tests at the bottom
are the shortest sequences it found against the code before the fix (stop 44), each a defect a person would see.
"""
from __future__ import annotations

import random
import sys
import time
from collections import Counter
from datetime import datetime, timedelta

import pytest

from oncall_analytics.notify.notifications import Links, Notification, for_destination

SLO = "s"
T0 = datetime(2024, 3, 1, 0, 0)
STEP = timedelta(minutes=5)
LINKS = Links("report", "docs")


def at(step: int) -> datetime:
    return T0 + step * STEP


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


# --- the warehouse -------------------------------------------------------------------------------------------

def alerts_of(flags: dict[str, list[bool]]) -> list[tuple[str, int, int | None]]:
    """(rule, start step, resolved step or None) of each alert, as slo_burn_rate_alerts computes them."""
    out = []
    for rule, bits in flags.items():
        now = len(bits)
        step = 0
        while step < now:
            if bits[step]:
                end = step
                while end + 1 < now and bits[end + 1]:
                    end += 1
                out.append((rule, step, end + 1 if end < now - 1 else None))
                step = end + 1
            else:
                step += 1
    return out


def notifications_of(alerts: list[tuple[str, int, int | None]]) -> list[Notification]:
    """What alert_notifications builds from those alerts (the fields for_destination reads)."""
    out = []
    for rule, start, resolved in alerts:
        suffix = f"{SLO}/{rule}/{stamp(at(start))}"
        extra = {"slo_name": SLO, "rule_name": rule, "alert_key": suffix,
                 "resolved_at": stamp(at(resolved)) if resolved is not None else None}
        key = f"slo_alert:{suffix}"
        out.append(Notification(key=key, kind="slo_alert", occurred_at=at(start), severity="page", title=f"[PAGE] {rule}",
                                what="w", where="svc", since=f"{stamp(at(start))} UTC", how_bad="b", links=LINKS,
                                is_open=resolved is None, extra=extra))
        if resolved is not None:
            out.append(Notification(key=f"slo_resolved:{suffix}", kind="slo_resolved", occurred_at=at(resolved),
                                    severity="page", title=f"[RESOLVED] {rule}", what="w", where="svc",
                                    since=f"{stamp(at(start))} UTC to {stamp(at(resolved))} UTC", how_bad="b",
                                    links=LINKS, after=key, extra=extra))
    return sorted(out, key=Notification.sort_key)


def covered_of(now: int) -> dict:
    """The SLO's data: from the first step to the newest evaluated one (step now - 1)."""
    return {"slo_alert": {SLO: (at(0), at(now - 1))}}


# --- a destination ---------------------------------------------------------------------------------------------

def sent_records(delivered: list[dict]) -> list[dict]:
    """As DeliveryState.sent_records: in the order sent."""
    return list(delivered)


def run(alerts, now: int, delivered: list[dict]) -> list[dict]:
    """One notify run: what is new is sent, in for_destination's order; returns what was sent."""
    due = for_destination(notifications_of(alerts), sent_records(delivered), covered_of(now))
    keys = {record["key"] for record in delivered}
    new = []
    for notification in due:
        if notification.key not in keys:
            keys.add(notification.key)
            new.append(notification.as_record())
    delivered.extend(new)
    return new


# --- the reader ------------------------------------------------------------------------------------------------

class Reader:
    """The pages as a person who read every message, in order, holds them."""

    def __init__(self, delivered: list[dict]):
        self.pages: dict[str, dict] = {}        # alert key -> {rule, start, withdrawn, end (None: open)}
        self.page_of: dict[str, str] = {}       # resolution or correction key -> alert key
        self.problems: list[str] = []
        seen = set()
        for record in delivered:
            key, kind, after = record["key"], record["kind"], record.get("after")
            if after is not None and after not in seen:
                self.problems.append(f"I4 {key} arrives before {after}")
            if kind == "slo_alert":
                self.pages[key] = {"rule": record["rule_name"], "start": record["occurred_at"], "withdrawn": False,
                                   "end": None}
            elif kind == "slo_resolved":
                page = after if after in self.pages else self.page_of.get(after)
                if page is None:
                    self.problems.append(f"I4 {key} resolves nothing the reader holds ({after})")
                    continue
                if self.pages[page]["withdrawn"]:
                    self.problems.append(f"I4 {key} resolves {page}, withdrawn earlier")
                self.page_of[key] = page
                self.pages[page]["end"] = record["occurred_at"]
            elif kind == "withdrawn":
                target = key.removeprefix("withdrawn:")
                if target != after:
                    self.problems.append(f"I4 {key} follows {after}")
                if target in self.pages:
                    if self.pages[target]["withdrawn"]:
                        self.problems.append(f"I4 {key}: withdrawn twice")
                    self.pages[target]["withdrawn"] = True
                elif target in self.page_of:    # [STILL FIRING]: the resolution taken back, the page open again
                    page = self.page_of[target]
                    if self.pages[page]["withdrawn"]:
                        self.problems.append(f"I4 {key} takes back a resolution of {page}, withdrawn earlier")
                    self.pages[page]["end"] = None
                else:
                    self.problems.append(f"I4 {key} withdraws nothing the reader holds")
            seen.add(key)

    def held(self) -> dict[str, dict]:
        return {key: page for key, page in self.pages.items() if not page["withdrawn"]}


def check(alerts, now: int, delivered: list[dict], sent_before: int = 0) -> list[str]:
    """The invariants after a run (I2 by running again)."""
    reader = Reader(delivered)
    problems = list(reader.problems)
    held = reader.held()
    # I1: at most one page held open per rule; a page sent this run overlaps no other page held (pages sent
    # earlier that late rows merged, each closed, are left as they are by design: I1m, counted apart)
    far = stamp(datetime.max.replace(microsecond=0))
    new_keys = {record["key"] for record in delivered[sent_before:]}
    for rule in RULES:
        pages = sorted((page["start"], page["end"] or far, key) for key, page in held.items() if page["rule"] == rule)
        if sum(end == far for _, end, _ in pages) > 1:
            problems.append(f"I1open {rule}: the reader holds {[k for _, e, k in pages if e == far]} open")
        for i, (s1, e1, k1) in enumerate(pages):
            for s2, e2, k2 in pages[i + 1:]:
                if s2 < e1 and s1 < e2:
                    kind = "I1new" if {k1, k2} & new_keys else "I1m"
                    problems.append(f"{kind} {rule}: {k1} ({s1} to {e1}) and {k2} ({s2} to {e2}) overlap")
    # I3: the page each warehouse alert is under, as this run's for_destination names it
    current = for_destination(notifications_of(alerts), sent_records(delivered), covered_of(now))
    represented = {}
    for notification in current:
        if notification.kind != "slo_alert":
            continue
        key = notification.key
        want = notification.extra["resolved_at"]
        if key in represented.values():
            problems.append(f"I3dup two warehouse alerts under {key}")
        represented[notification.extra["alert_key"]] = key
        if key not in held:
            problems.append(f"I3missing warehouse alert {notification.extra['alert_key']} (resolved {want}) is no page the "
                            f"reader holds ({key})")
        elif held[key]["end"] != want:
            kind = "I3time" if want and held[key]["end"] else "I3status"
            problems.append(f"{kind} warehouse alert {notification.extra['alert_key']} resolved {want}, the reader holds "
                            f"{key} {'open' if held[key]['end'] is None else 'resolved ' + held[key]['end']}")
    for key, page in held.items():
        if key not in represented.values() and page["end"] is None:
            problems.append(f"I3open {key}: held open by the reader, not in the warehouse, not withdrawn")
    # I2
    again = run(alerts, now, list(delivered))
    if again:
        problems.append(f"I2 a second run sends {[record['key'] for record in again]}")
    return problems


# --- the simulation ---------------------------------------------------------------------------------------------

RULES = ("page_fast_burn", "ticket_slow_burn")


def late_rows(rng: random.Random, flags: dict[str, list[bool]], lookback: int) -> None:
    """Rows that arrived late: a span of steps within the lookback re-flagged, per rule."""
    for bits in flags.values():
        now = len(bits)
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            first = rng.randrange(max(0, now - lookback), now)
            length = rng.choice((1, 1, 2, 3, 4, 6, 10))
            value = rng.random() < 0.5
            for step in range(first, min(now, first + length)):
                bits[step] = value


def grow(rng: random.Random, flags: dict[str, list[bool]], steps: int) -> None:
    """New data: each rule's flag keeps its value from step to step with probability 0.85."""
    for bits in flags.values():
        for _ in range(steps):
            last = bits[-1] if bits else False
            bits.append(last if rng.random() < 0.85 else not last)


def sequence(seed: int, runs: int | None = None):
    """One random sequence; yields (run number, alerts, now, delivered, how many were sent before the run)
    after each run."""
    rng = random.Random(seed)
    rules = RULES[:rng.choice((1, 2))]
    flags = {rule: [] for rule in rules}
    grow(rng, flags, rng.randrange(6, 40))
    delivered: list[dict] = []
    lookback = rng.choice((6, 12, 36, 288))
    for number in range(runs or rng.randrange(2, 10)):
        if number:
            grow(rng, flags, rng.choice((0, 0, 1, 2, 6, 12)))
            late_rows(rng, flags, lookback)
        alerts, now = alerts_of(flags), len(flags[rules[0]])
        before = len(delivered)
        run(alerts, now, delivered)
        yield number, alerts, now, delivered, before


# by design, not a defect: closed pages that late rows merged (README: a page held resolved is not withdrawn)
INFORMATIONAL = {"I1m"}


def simulate(sequences: int = 2000, seed: int = 0, stop_at_first: bool = False) -> dict[str, list]:
    """{invariant: [(seed, run, problems, history)]} over `sequences` random sequences."""
    failures: dict[str, list] = {}
    for index in range(sequences):
        history = []
        for number, alerts, now, delivered, before in sequence(seed * 1_000_000 + index):
            history.append((list(alerts), now))
            problems = check(alerts, now, delivered, before)
            kinds = sorted({problem.split()[0] for problem in problems})
            for kind in kinds:
                failures.setdefault(kind, []).append((seed * 1_000_000 + index, number, problems, history,
                                                      [dict(record) for record in delivered]))
            if set(kinds) - INFORMATIONAL:
                break
        if stop_at_first and failures:
            break
    return failures


def describe(seed: int) -> None:
    """Print one sequence run by run: the warehouse's alerts, what was sent, the problems."""
    shown = 0
    for number, alerts, now, delivered, before in sequence(seed):
        print(f"run {number}: now {stamp(at(now - 1))}")
        for rule, start, resolved in alerts:
            print(f"   warehouse {rule} {stamp(at(start))} -> {stamp(at(resolved)) if resolved is not None else 'firing'}")
        for record in delivered[shown:]:
            print(f"   sent {record['key']}  @{record['occurred_at']}")
        shown = len(delivered)
        problems = check(alerts, now, delivered, before)
        for problem in problems:
            print("   !!", problem)
        if {problem.split()[0] for problem in problems} - INFORMATIONAL:
            break


# --- pytest -----------------------------------------------------------------------------------------------------

def replay(states: list[tuple[list[tuple], int]]) -> tuple[list[list[str]], list[dict], list[str]]:
    """Runs over the given warehouse states ((alerts as (rule, start step, resolved step or None), now));
    returns the keys each run sends, everything sent, and the problems after the last run."""
    delivered: list[dict] = []
    sent, problems = [], []
    for alerts, now in states:
        before = len(delivered)
        sent.append([record["key"] for record in run(alerts, now, delivered)])
        problems = check(alerts, now, delivered, before)
    return sent, delivered, problems


P = "page_fast_burn"


def test_random_late_rows_keep_the_invariants():
    """2,000 random sequences (about 7 s; 20,000 held too) keep I1-I4. Pages the reader holds whose spans, as
    paged, overlap after late rows merged or moved them (I1m) are by design: a page held resolved is not
    withdrawn, and a page taken as a moved alert keeps the start it was sent with."""
    failures = simulate(sequences=2000)
    real = {kind: found[0][:3] for kind, found in failures.items() if kind not in INFORMATIONAL}
    assert not real, real


@pytest.mark.parametrize("first, second", [(1, 2), (2, 1)])
def test_a_resolution_moved_back_to_the_time_first_sent_is_corrected_again(first, second):
    """Resolved at 00:05 (sent), late rows: at 00:10 (corrected, sent), more late rows: at 00:05 again. The reader
    holds 00:10, so 00:05 is corrected again (it was not: 00:05 was the time first sent)."""
    sent, delivered, problems = replay([([(P, 0, first)], 3), ([(P, 0, second)], 3), ([(P, 0, first)], 3)])
    assert sent[1] == [f"slo_resolved:s/{P}/2024-03-01 00:00:00@{stamp(at(second))}"]
    assert sent[2] == [f"slo_resolved:s/{P}/2024-03-01 00:00:00@{stamp(at(first))}"]
    assert problems == []


@pytest.mark.parametrize("resolved", [6, None])
def test_an_alert_split_after_its_start_moved_is_not_paged_again_for_the_time_paged(resolved):
    """Paged 00:15 (resolved 00:30, or firing). Late rows: the burn ran 00:00-00:20 and again from 00:25. The page
    sent is the part holding 00:15, resolved at 00:20, and 00:25 is a new page (the key sent went to the 00:25 alert,
    nearer in start, and 00:00-00:20 was paged as new: two pages for 00:15-00:20)."""
    sent, delivered, problems = replay([([(P, 3, resolved)], 7), ([(P, 0, 4), (P, 5, resolved)], 7)])
    assert f"slo_alert:s/{P}/2024-03-01 00:00:00" not in sent[1]
    assert f"slo_alert:s/{P}/2024-03-01 00:25:00" in sent[1]
    assert problems == []


def test_an_alert_back_under_a_withdrawn_key_within_a_page_held_is_not_paged_again():
    """00:00-00:05 resolved and 00:10 firing, both sent; late rows merge them (00:00-00:15: the 00:10 page
    withdrawn, 00:00's resolution corrected to 00:15); more late rows: only 00:10-00:15 fires. It is taken as
    the 00:00 page the reader holds: nothing new (it was paged again as 00:10#2, with its resolution)."""
    sent, delivered, problems = replay([([(P, 0, 1), (P, 2, None)], 3), ([(P, 0, 3)], 4), ([(P, 2, 3)], 4)])
    assert sent[1] == [f"withdrawn:slo_alert:s/{P}/2024-03-01 00:10:00", f"slo_resolved:s/{P}/2024-03-01 00:00:00@2024-03-01 00:15:00"]
    assert sent[2] == []
    assert problems == []


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    started = time.monotonic()
    found = simulate(count, seed)
    print(f"{count} sequences in {time.monotonic() - started:.1f} s")
    tally = Counter()
    for kind, cases in found.items():
        tally[kind] = len(cases)
        first = min(cases, key=lambda case: (len(case[3]), len(case[4])))
        print(f"\n=== {kind}: {len(cases)} sequence(s); shortest: seed {first[0]}")
        for problem in first[2]:
            print("  ", problem)
    print(tally)
