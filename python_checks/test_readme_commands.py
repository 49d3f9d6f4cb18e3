"""Every command the README shows runs as written.

The commands are read from the README's code blocks (readme_commands.py), so
a command added there is run here without touching this file. They run in
README order, as a new user would type them, in a copy of the project that
stands in for /opt/oncall_analytics, with small Parquet logs as fresh as a
live system's (fresh_logs.py) standing in for /data/logs: those two paths are
the only text replaced. Shell blocks run in bash from the project folder,
crontab lines in /bin/sh with cron's bare environment. Left to CI (.ci/run),
which runs them itself: `make test` (this suite), `make lint`, `make test-spark`.
Left to another test file, which runs it as written and checks what it leaves (RUN_BY_OTHER_FILES):
`make eval-detector` on the labelled sample (test_eval_detector.py).
`make docs` serves until stopped: it must answer on its port. The builds of one answer (SELECTIVE) run
each on a new warehouse file.

Along the way: a reader is locked out while a dbt run writes the warehouse,
and a reader holding the file stops a run (README, "Querying the results")."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from conftest import PROJECT_DIR
from fresh_logs import write_clock_ahead_rows, write_fresh_logs
from project_copy import copy_project
from readme_commands import RUN_BY_OTHER_FILES, ReadmeCommand, readme_commands, users_shell_env, yaml_blocks
from webhook_server import webhook

README = PROJECT_DIR / "README.md"
COMMANDS = readme_commands(README)
# the placeholders the README's commands use for your paths (the only text replaced)
LOGS_PLACEHOLDER = "/data/logs"
PROJECT_PLACEHOLDER = "/opt/oncall_analytics"
LEFT_TO_CI = {"make test", "make lint", "make test-spark"}   # .ci/run runs each; here it would recurse
SERVING = {"make docs"}                                        # serves until stopped
COMMAND_TIMEOUT_S = 900
LOCK_ERROR = "Could not set lock on file"
WAITING = r"is in use by another process \(held by .*\); waiting up to \d+ s for it"   # a dbt command, a reader holding the file
FIRST_NODE_DONE = r"\d+ of \d+ (OK|PASS)\b"


@dataclass
class Outcome:
    returncode: int | None = None
    output: str = ""
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _run_id(command: ReadmeCommand) -> str:
    return f"line{command.line}-" + re.sub(r"[^A-Za-z0-9]+", "_", command.text)[:50]


RUN_HERE = [c for c in COMMANDS if c.text not in LEFT_TO_CI and c.text not in RUN_BY_OTHER_FILES]
# The README's on-demand builds of one answer (`-s +model`, and the tsg command that runs one): each runs on
# a warehouse no build has touched yet, where nothing outside its selection exists (as the README advises for
# another incident's logs: a new DBT_DUCKDB_PATH), and must build all it selects.
SELECTIVE = [c for c in COMMANDS if c.language == "sh"
             and (re.match(r"\.venv/bin/dbt build (-s|--select) ", c.text) or "oncall_analytics tsg" in c.text)]


def test_every_code_block_of_the_readme_is_classified():
    # readme_commands() refuses a block that is not sh, cron or text
    assert RUN_HERE and any(c.language == "cron" for c in COMMANDS)
    texts = {c.text for c in COMMANDS}
    assert LEFT_TO_CI | SERVING <= texts, f"no longer in the README: {(LEFT_TO_CI | SERVING) - texts}"


@pytest.mark.parametrize(("command", "test_file"), RUN_BY_OTHER_FILES.items())
def test_the_commands_left_to_another_file_are_in_the_readme_and_run_there(command, test_file):
    """Such a file finds the command in the README (readme_commands) and runs its text through bash."""
    assert command in {c.text for c in COMMANDS}, f"no longer in the README: {command}"
    source = (PROJECT_DIR / "python_checks" / test_file).read_text()
    assert "RUN_BY_OTHER_FILES" in source and '"bash", "-c", README_COMMAND.text' in source, test_file


def test_every_yaml_block_of_the_readme_is_the_projects_configuration():
    """A configuration excerpt in the README is what the project ships or reads: a mapping is vars of
    dbt_project.yml, entry for entry (e.g. an SLO); a list is tables of a sources file (a column's
    `epoch_unit`), naming declared source tables, their seed's columns and a unit the kit reads."""
    import yaml

    project_vars = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    source_tables = {table["name"] for path in PROJECT_DIR.glob("models/staging/*/_*__sources.yml")
                     for source in yaml.safe_load(path.read_text())["sources"] for table in source["tables"]}
    seed_columns = {seed["name"]: {column["name"] for column in seed.get("columns", [])}
                    for path in PROJECT_DIR.glob("seeds/_*__seeds.yml") for seed in yaml.safe_load(path.read_text())["seeds"]}
    blocks = yaml_blocks(README)
    assert blocks, "the README shows no configuration excerpt; drop this test"
    for line, text in blocks:
        excerpt = yaml.safe_load(text)
        if isinstance(excerpt, list):
            for table in excerpt:
                assert table["name"] in source_tables, f"README.md:{line}: {table['name']} is not a source table"
                for column in table.get("columns", []):
                    assert column["name"] in seed_columns[table["name"]], f"README.md:{line}: no column {column['name']}"
                    assert set(column["config"]["meta"]) == {"epoch_unit"}, f"README.md:{line}: {column}"
                    assert column["config"]["meta"]["epoch_unit"] in {"s", "ms", "us"}, f"README.md:{line}: {column}"
            continue
        for name, entries in excerpt.items():
            assert name in project_vars, f"README.md:{line}: {name} is not a var of dbt_project.yml"
            for entry in entries if isinstance(entries, list) else [entries]:
                shipped = [e for e in project_vars[name] if e.get("name") == entry.get("name")] if isinstance(entry, dict) else []
                assert shipped and {k: shipped[0][k] for k in entry} == entry, f"README.md:{line}: {entry} differs from dbt_project.yml"


def test_ci_runs_the_commands_left_to_it():
    """Each as written: alone on its line, or with only its input and output redirected (run in the background)."""
    ci_lines = [line.strip() for line in (PROJECT_DIR / ".ci" / "run").read_text().splitlines()]
    for command in LEFT_TO_CI:
        runs = [line for line in ci_lines if re.fullmatch(rf"(start_in_background \S+ )?{re.escape(command)}", line)]
        assert runs, f".ci/run does not run `{command}` as written"


# The CI's steps, with `make` stubbed: what each step runs in the background beside it (a child that would outlive
# a kill of make alone), and whether a failing step stops it.
CI_STEPS = ["test", "test-spark", "lint", "bench"]   # in the order .ci/run starts them
CI_BACKGROUND = {"setup-spark": "test", "test-spark": "lint"}   # background step: the foreground step it runs beside


@pytest.mark.parametrize("failing", [None, "test", "setup-spark", "lint", "test-spark"])
def test_ci_waits_for_its_background_steps_and_stops_them_on_a_failure(tmp_path, failing):
    """.ci/run installs the Spark env in the background while `make test` runs, and runs `make test-spark` in the
    background while the lint and the bench run: a background step's log is shown once it is waited for, a failed
    one fails the run (a failed install before `make test-spark`), and a failing step stops the background step
    beside it, the processes it started included. The script as shipped, in a copy, with `make` stubbed: each
    target logs its arguments; a background target starts a child that would outlive a kill of make alone."""
    (tmp_path / ".ci").mkdir()
    shutil.copy(PROJECT_DIR / ".ci" / "run", tmp_path / ".ci" / "run")
    stub = tmp_path / "bin" / "make"
    stub.parent.mkdir()
    background = "".join(f"""
if [ "$1" = {name} ]; then
  sleep {30 if failing == beside else 1} & echo $! > {tmp_path}/{name}_child
  wait; echo "{name} done"
fi""" for name, beside in CI_BACKGROUND.items())
    stub.write_text(f"""#!/bin/sh
echo "start $*" >> {tmp_path}/ran{background}
case "$1" in test|lint) sleep 2;; esac   # the background step has started its child by then
echo "end $1" >> {tmp_path}/ran
[ "$1" = "{failing}" ] && exit 2
exit 0
""")
    stub.chmod(0o755)
    result = subprocess.run([str(tmp_path / ".ci" / "run")], env={**os.environ, "PATH": f"{stub.parent}:{os.environ['PATH']}"},
                            capture_output=True, text=True, timeout=60)
    events = (tmp_path / "ran").read_text().splitlines()   # "start <target> <arguments>", "end <target>"
    ran = [event.split()[1] for event in events if event.startswith("start ")]
    at = {" ".join(event.split()[:2]): index for index, event in enumerate(events)}
    children = {name: Path(f"/proc/{path.read_text().strip()}/stat")
                for name in CI_BACKGROUND if (path := tmp_path / f"{name}_child").is_file()}
    if failing is None:
        assert result.returncode == 0, result.stderr
        assert sorted(ran) == sorted([*CI_STEPS, *CI_BACKGROUND.keys() - set(CI_STEPS)]), events   # each once
        # each foreground step after the one before it; each background step beside its own, and waited for
        assert at["end test"] < at["start lint"] and at["end lint"] < at["start bench"], events
        for name, beside in CI_BACKGROUND.items():
            assert at[f"start {name}"] < at[f"end {beside}"], events
        assert at["end setup-spark"] < at["start test-spark"] and at["end test"] < at["start test-spark"], events
        assert "setup-spark done" in result.stdout and "test-spark done" in result.stdout
        assert result.stdout.index("test-spark done") > result.stdout.index("setup-spark done")
    elif failing in ("test", "lint"):
        stopped = next(name for name, beside in CI_BACKGROUND.items() if beside == failing)
        assert result.returncode == 2 and CI_STEPS[CI_STEPS.index(failing) + 1] not in ran, events
        assert _ends_within(children[stopped], seconds=5), f"make {stopped} went on after make {failing} failed"
    elif failing == "setup-spark":
        assert result.returncode == 1 and "test-spark" not in ran and "make setup-spark failed" in result.stderr, (events, result.stderr)
    else:
        assert result.returncode == 1 and "bench" in ran and "make test-spark failed" in result.stderr, (events, result.stderr)
        assert "test-spark done" in result.stdout   # its log is shown


@pytest.mark.parametrize(("freshness", "build", "notify", "expected"), [
    (0, 0, 0, 0), (1, 0, 0, 1), (0, 2, 0, 2), (0, 0, 1, 1), (0, 2, 1, 2), (1, 2, 0, 2), (1, 0, 1, 1)])
def test_the_hourly_crontab_line_fails_when_any_step_fails(tmp_path, freshness, build, notify, expected):
    """The hourly line's exit code is the build's when it failed, else freshness's when it failed, else
    notify's (operator trial: stale logs skipped the build, notify found nothing new, and the line exited 0,
    while the README says each hour's outcome is its exit code); the build and notify run either way (operator
    trial: a stale metrics log skipped every build, and a gateway outage paged nobody). The README's line as
    written, in /bin/sh, with dbt and python stubbed by scripts that exit as told."""
    hourly = next(c for c in COMMANDS if c.language == "cron" and "--selector hourly" in c.text)
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    stubs = {"dbt": f'[ "$1" = source ] && exit {freshness}; echo build >> ran; exit {build}',
             "python": f"echo notify >> ran; exit {notify}"}
    for name, body in stubs.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    line = hourly.text.replace(PROJECT_PLACEHOLDER, str(tmp_path))
    result = subprocess.run(["/bin/sh", "-c", line], cwd=tmp_path, env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    assert result.returncode == expected, result.stderr
    assert (tmp_path / "ran").read_text().split() == ["build", "notify"]


class ReadmeSession:
    """One project copy and one logs folder, shared by the commands in README order."""

    def __init__(self, root: Path, webhook_url: str):
        self.root = root
        self.webhook_url = webhook_url   # ONCALL_WEBHOOK_URL of the crontab's environment ("from your secret store")
        self.project = copy_project(root / "oncall_analytics")
        _link_virtual_env(self.project)
        self.logs, self.next_hour = root / "logs", root / "next_hour"
        write_fresh_logs(self.logs, self.next_hour)
        write_clock_ahead_rows(self.logs / "function_invocations", timedelta(hours=10))
        self.warehouse = self.project / "warehouse" / "oncall_analytics.duckdb"
        self.docs_port = _free_port()
        self.query = next(c for c in COMMANDS if "read_only=True" in c.text)
        self.locks_checked = False

    def text(self, command: ReadmeCommand) -> str:
        return command.text.replace(LOGS_PLACEHOLDER, str(self.logs)).replace(PROJECT_PLACEHOLDER, str(self.project))

    def warehouse_of(self, command: ReadmeCommand) -> Path:
        return self.root / f"new-warehouse-line{command.line}.duckdb" if command in SELECTIVE else self.warehouse

    def popen(self, command: ReadmeCommand) -> subprocess.Popen:
        if command.language == "cron":   # cron: /bin/sh, a bare environment, started in $HOME
            env = {"HOME": os.environ.get("HOME", "/"), "LOGNAME": os.environ.get("LOGNAME", "root"),
                   "PATH": "/usr/bin:/bin", "SHELL": "/bin/sh", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
                   "ONCALL_WEBHOOK_URL": self.webhook_url}
            argv, cwd = ["/bin/sh", "-c", self.text(command)], self.root
        else:                            # a user's shell in the project folder
            env = users_shell_env(DOCS_PORT=str(self.docs_port))
            if command in SELECTIVE:
                env["DBT_DUCKDB_PATH"] = str(self.warehouse_of(command))
            argv, cwd = ["bash", "-c", self.text(command)], self.project
        return subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)

    def run(self, command: ReadmeCommand, hooks: list[tuple[str, Callable[[Outcome], None]]] = ()) -> Outcome:
        """Run to the end; each hook `(pattern, call)`, in turn, is called with the outcome once a line of the
        output matches its pattern (FIRST_NODE_DONE: the first dbt node has finished)."""
        process = self.popen(command)
        timer = threading.Timer(COMMAND_TIMEOUT_S, lambda: os.killpg(process.pid, signal.SIGKILL))
        timer.start()
        outcome, lines, hooks = Outcome(), [], list(hooks)
        for line in process.stdout:
            lines.append(line)
            if hooks and re.search(hooks[0][0], line):
                hooks.pop(0)[1](outcome)
        outcome.returncode = process.wait()
        timer.cancel()
        outcome.output = "".join(lines)
        if outcome.returncode != 0:
            outcome.problems.append(f"exit code {outcome.returncode}")
        return outcome

    def serve(self, command: ReadmeCommand) -> Outcome:
        process, outcome = self.popen(command), Outcome()
        url, deadline = f"http://127.0.0.1:{self.docs_port}/", time.time() + 600
        try:
            while time.time() < deadline and process.poll() is None:
                try:
                    with urllib.request.urlopen(url, timeout=5) as response:
                        body = response.read().decode(errors="replace")
                    if response.status == 200 and "dbt" in body:
                        outcome.returncode = 0
                        break
                except OSError:
                    time.sleep(1)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
            outcome.output = process.communicate(timeout=60)[0]
        if outcome.returncode != 0:
            outcome.problems.append(f"did not serve the docs on {url} (exit code {process.returncode})")
        if not (self.project / "target" / "static_index.html").is_file():
            outcome.problems.append("no target/static_index.html")
        return outcome

    # --- what each kind of command must also show ---------------------------------

    def check_locks_around(self, command: ReadmeCommand) -> Outcome:
        """The README's claims on readers, on the first dbt build after the query command: a reader holding the
        file makes the build wait, saying so, and the build runs once the reader lets go; a build locks the
        reader out."""
        reader = duckdb.connect(str(self.warehouse), read_only=True)

        def let_go(outcome: Outcome) -> None:
            reader.close()

        def read_during_the_build(outcome: Outcome) -> None:
            query = subprocess.run(["bash", "-c", self.query.text], cwd=self.project, capture_output=True, text=True)
            if query.returncode == 0 or LOCK_ERROR not in query.stderr:
                outcome.problems.append(f"the README's query was not locked out during a build: {query.stderr[-500:]}")

        try:
            outcome = self.run(command, hooks=[(WAITING, let_go), (FIRST_NODE_DONE, read_during_the_build)])
        finally:
            reader.close()
        if not re.search(WAITING, outcome.output):
            outcome.problems.insert(0, "did not say it waits for the reader holding the file")
        self.locks_checked = True
        return outcome

    def deliver_the_next_hour(self) -> None:
        for table in self.next_hour.iterdir():
            for file in table.iterdir():
                shutil.copy(file, self.logs / table.name / file.name)

    def next_hour_loaded(self) -> list[str]:
        with duckdb.connect() as con:
            sent = {r[0] for r in con.execute(
                f"select invocation_id from read_parquet('{self.next_hour}/function_invocations/*.parquet')").fetchall()}
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            loaded = {r[0] for r in con.execute(
                "select invocation_id from staging.stg_serverless__function_invocations union all "
                "select invocation_id from staging.stg_serverless__function_invocations_quarantine").fetchall()}
        return [] if sent and sent <= loaded else [f"the next hour's invocations were not loaded: {sorted(sent - loaded)}"]

    def delivered_once(self, receiver) -> list[str]:
        """The cron line's notify step: what went to the JSON-lines file went to the webhook too, once each."""
        jsonl = self.project / "logs" / "notifications.jsonl"
        written = [json.loads(line)["key"] for line in jsonl.read_text().splitlines()] if jsonl.is_file() else []
        # the key is the Slack message's last context line, "oncall_analytics · <key>"
        posted = [payload["blocks"][-1]["elements"][0]["text"].split(" · ", 1)[1] for payload in receiver.accepted]
        return [] if written == posted else [f"webhook received {posted}, the JSON-lines file holds {written}"]

    def action_plan_scope(self, command: ReadmeCommand) -> list[str]:
        """The README's example scope, eu-central, holds one 5xx in 513 requests (operator trial: its plan made the
        product of that one 5xx the likely root cause, and told to redirect traffic away from us-east's zones)."""
        with duckdb.connect(str(self.warehouse_of(command)), read_only=True) as con:
            plan = con.execute("select dimension, dimension_value, finding_role, recommended_action from marts.tsg_action_plan").fetchall()
        if not (("sla", "eu-central / prod / api.gateway.main") in [row[:2] for row in plan] and len(plan) > 1):
            return [f"the action plan is not eu-central's: {plan[:5]}"]
        problems = [f"one 5xx made a likely root cause: {row}" for row in plan if row[2] == "LIKELY_ROOT_CAUSE"]
        return problems + [f"another region's zone without its context: {row}" for row in plan
                           if row[0] == "region" and not row[3].startswith("Outside the incident's region: check whether us-east")]


def _ends_within(process_stat: Path, seconds: float) -> bool:
    """Whether the process of /proc/<pid>/stat is gone (or a zombie, killed and not yet reaped) within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if process_stat.read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return True
        except FileNotFoundError:
            return True
        time.sleep(0.1)
    return False


def _link_virtual_env(project: Path) -> None:
    """The project's .venv in the copy: links to this interpreter's virtual env, and
    its own `.installed` stamp, newer than the copied requirements, so make does not
    reinstall (or touch the real env)."""
    venv = project / ".venv"
    venv.mkdir()
    for entry in Path(sys.prefix).iterdir():
        if entry.name != ".installed":
            (venv / entry.name).symlink_to(entry)
    (venv / ".installed").touch()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def readme_outcomes(tmp_path_factory) -> dict[str, Outcome]:
    with webhook() as receiver:
        return _run_readme_commands(ReadmeSession(tmp_path_factory.mktemp("readme"), receiver.url), receiver)


def _run_readme_commands(session: ReadmeSession, receiver) -> dict[str, Outcome]:
    outcomes: dict[str, Outcome] = {}
    for command in RUN_HERE:
        started = time.monotonic()
        if command.text in SERVING:
            outcome = session.serve(command)
        elif not session.locks_checked and command.line > session.query.line and "dbt build" in command.text \
                and command not in SELECTIVE:
            outcome = session.check_locks_around(command)
        else:
            if "--selector hourly" in command.text:
                session.deliver_the_next_hour()
            outcome = session.run(command)
        if outcome.returncode == 0:
            if command.text == "make report" and not (session.project / "target" / "oncall_report.html").is_file():
                outcome.problems.append("no target/oncall_report.html")
            if command is session.query and "canary" not in outcome.output and "verdict" not in outcome.output:
                outcome.problems.append("printed no canary comparison")
            if "oncall_analytics tsg" in command.text:
                outcome.problems += session.action_plan_scope(command)
            if command in SELECTIVE and not ("ERROR=0" in outcome.output and "SKIP=0" in outcome.output):
                outcome.problems.append("not all it selects was built on a new warehouse")
            if "--selector hourly" in command.text:
                outcome.problems += session.next_hour_loaded()
            if "notify --webhook" in command.text:
                outcome.problems += session.delivered_once(receiver)
        outcome.seconds = time.monotonic() - started
        outcomes[_run_id(command)] = outcome
        print(f"{outcome.seconds:6.1f} s  README line {command.line}: {command.text[:100]}")   # the cost of each, with -s
    assert session.locks_checked, "no dbt build after the README's query command to check the lock on"
    return outcomes


@pytest.mark.parametrize("command", RUN_HERE, ids=_run_id)
def test_readme_command_runs_as_written(readme_outcomes, command):
    outcome = readme_outcomes[_run_id(command)]
    assert not outcome.problems, f"{command.text}\n{outcome.problems} after {outcome.seconds:.0f} s\n{outcome.output[-6000:]}"


def test_the_readme_has_selective_builds():
    assert len(SELECTIVE) >= 3
