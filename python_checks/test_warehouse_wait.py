"""A dbt command waits for a warehouse another process holds, then runs (or, after
ONCALL_WAREHOUSE_WAIT_SECONDS, stops in one line). The hourly and the daily crontab lines write the same
file: one that started while the other held it stopped with dbt-duckdb's traceback, and an hourly run so
stopped did nothing that hour (operator trial)."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from conftest import run_dbt
from oncall_analytics.warehouse_file import DEFAULT_WAIT_SECONDS, lock_holder, wait_for_warehouse, wait_seconds

SEED = ["seed", "-s", "incident_labels"]


class Holder:
    """Another process with the warehouse open, as a dbt run or a notebook holds it, until release()."""

    def __init__(self, warehouse: Path):
        self.process = subprocess.Popen([sys.executable, "-c", f"import duckdb, sys; c = duckdb.connect({str(warehouse)!r}); "
                                         "print('open', flush=True); sys.stdin.read()"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout.readline() == "open\n"
        self.releasing = threading.Lock()

    def release(self) -> None:
        """Idempotent, and safe from two threads (a timer and a `finally`)."""
        with self.releasing:
            if self.process.returncode is None:
                self.process.communicate("")


@pytest.fixture
def warehouse(tmp_path) -> Path:
    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path)).close()
    return path


def test_the_wait_ends_when_the_other_process_lets_go(warehouse):
    holder = Holder(warehouse)
    said: list[str] = []
    threading.Timer(1.0, holder.release).start()
    started = time.monotonic()
    try:
        assert wait_for_warehouse(warehouse, 30, said.append, poll_seconds=0.1) is None
    finally:
        holder.release()
    assert 0.9 < time.monotonic() - started < 20
    # DuckDB names the holder's program by its real path (a virtual env's python is a link to it)
    assert said == [f"{warehouse} is in use by another process (held by {os.path.realpath(sys.executable)}, PID {holder.process.pid}); "
                    "waiting up to 30 s for it (ONCALL_WAREHOUSE_WAIT_SECONDS), Ctrl-C to stop"]


def test_a_file_dbt_cannot_open_for_another_reason_is_not_waited_for(tmp_path):
    """Only DuckDB's lock error is a holder: a file that is not DuckDB, in a folder whose name holds "lock", read as
    one and was waited for (review)."""
    not_duckdb = tmp_path / "clock" / "w.duckdb"
    not_duckdb.parent.mkdir()
    not_duckdb.write_text("not a warehouse")
    assert lock_holder(not_duckdb) is None
    assert wait_for_warehouse(not_duckdb, 30, lambda text: pytest.fail(f"waited: {text}")) is None


def test_readers_do_not_hold_up_a_reader(warehouse):
    with duckdb.connect(str(warehouse), read_only=True):
        reader = subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                                 "from oncall_analytics.warehouse_file import lock_holder; "
                                 f"print(lock_holder(Path({str(warehouse)!r}), read_only=True), lock_holder(Path({str(warehouse)!r})) is None)"],
                                capture_output=True, text=True)
    assert reader.stdout.strip() == "None False", reader.stderr


def test_after_the_wait_it_says_who_holds_it_in_one_line(warehouse):
    holder = Holder(warehouse)
    try:
        held = lock_holder(warehouse)
        stopped = wait_for_warehouse(warehouse, 0.3, lambda text: None, poll_seconds=0.1)
        at_once = wait_for_warehouse(warehouse, 0, lambda text: pytest.fail(f"no wait announced at 0 s: {text}"))
    finally:
        holder.release()
    assert held is not None and held.endswith(f", PID {holder.process.pid}")
    assert stopped == (f"{warehouse} is in use by another process ({held}) after waiting 0.3 s; nothing was run: run again "
                       "when it is done (an hourly run so stopped is caught up by the next; ONCALL_WAREHOUSE_WAIT_SECONDS sets the wait)")
    assert at_once.startswith(f"{warehouse} is in use by another process ({held}); nothing was run")
    assert lock_holder(warehouse) is None and lock_holder(warehouse.with_name("missing.duckdb")) is None
    assert not warehouse.with_name("missing.duckdb").exists()


def test_the_wait_is_seconds_or_refused_naming_the_variable():
    assert wait_seconds({}) == wait_seconds({"ONCALL_WAREHOUSE_WAIT_SECONDS": " "}) == DEFAULT_WAIT_SECONDS
    assert wait_seconds({"ONCALL_WAREHOUSE_WAIT_SECONDS": "0"}) == 0
    assert wait_seconds({"ONCALL_WAREHOUSE_WAIT_SECONDS": "90.5"}) == 90.5
    # float() reads 1_0 and Arabic-Indic digits as 10 (operator trial): plain decimal digits only
    for given in ("-1", "ten", "inf", "nan", "1e999", "1_0", "\u0661\u0660", "0x10"):
        with pytest.raises(ValueError, match=f"ONCALL_WAREHOUSE_WAIT_SECONDS is '{given}': give the seconds"):
            wait_seconds({"ONCALL_WAREHOUSE_WAIT_SECONDS": given})


def test_plain_dbt_waits_for_the_warehouse_then_runs_or_stops_in_one_line(warehouse, tmp_path, monkeypatch):
    log = tmp_path / "logs" / "dbt.log"
    holder = Holder(warehouse)

    def release_once_dbt_waits():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and "waiting up to" not in (log.read_text(errors="replace") if log.exists() else ""):
            time.sleep(0.2)
        holder.release()

    try:
        monkeypatch.setenv("ONCALL_WAREHOUSE_WAIT_SECONDS", "0")
        stopped = run_dbt([*SEED, "--target-path", str(tmp_path / "target")], warehouse, check=False)
        monkeypatch.setenv("ONCALL_WAREHOUSE_WAIT_SECONDS", "300")
        releaser = threading.Thread(target=release_once_dbt_waits)
        releaser.start()
        waited = run_dbt([*SEED, "--target-path", str(tmp_path / "target"), "--log-path", str(log.parent)], warehouse, check=False)
        releaser.join()
    finally:
        holder.release()
    assert stopped.returncode != 0 and "Traceback" not in stopped.stdout + stopped.stderr
    assert f"DBT_DUCKDB_PATH: {warehouse} is in use by another process (held by " in stopped.stdout, stopped.stdout[-2000:]
    assert waited.returncode == 0, waited.stdout[-2000:]
    assert "waiting up to 300 s for it (ONCALL_WAREHOUSE_WAIT_SECONDS)" in waited.stdout
    assert duckdb.connect(str(warehouse), read_only=True).execute("select count(*) from raw.incident_labels").fetchone()[0] > 0
