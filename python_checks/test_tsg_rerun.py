"""The troubleshooting guide's validated entry point, `python -m oncall_analytics tsg`:
hostile values are refused before anything runs (exit 2, a message naming the
argument and the accepted form), valid ones become `--vars` JSON, and dbt runs
in the project with its exit code passed through. And why it exists: dbt
renders Jinja inside `--vars` values (README, "Bad input").
The real re-run for another scope on the shipped data is the README's own
`tsg` command, run as written (and its action plan checked) by
test_readme_commands.py on that test's warehouse."""
from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import PROJECT_DIR, run_dbt
from oncall_analytics import tsg_rerun

SCOPE = {"--region": "us-west", "--service": "api.gateway.main", "--environment": "prod",
         "--start": "2024-03-12 14:00:00", "--end": "2024-03-12 16:00:00"}


def arguments(**changed: str) -> list[str]:
    """The valid scope with some arguments replaced (keys without the leading --)."""
    values = {**SCOPE, **{f"--{name.replace('_', '-')}": value for name, value in changed.items()}}
    return [item for option, value in values.items() for item in (option, value)]


@pytest.fixture
def nothing_runs(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"a rejected command ran something: {args}")
    monkeypatch.setattr(tsg_rerun.subprocess, "run", refuse)


HOSTILE = [
    ("region", "us-east'"),
    ("region", 'us-east" or "1"="1'),
    ("region", "{{ run_query('drop table marts.tsg_action_plan') }}"),
    ("service", "{% do run_query('create table main.pwned as select 1') %}"),
    ("service", "{# comment #}api.gateway.main"),
    ("region", "us-east; drop table marts.tsg_action_plan"),
    ("region", "us-east\n"),                       # a regex `$` would let the newline through
    ("service", "api.gateway.main\ndrop table x"),
    ("region", "us-east\x00"),
    ("region", "\x1b[31mus-east"),
    ("region", ""),
    ("region", "a" * 65),
    ("service", "x" * 100_000),
    ("region", "us-e\u0430st"),                    # Cyrillic a
    ("region", "\uff55\uff53-east"),               # full-width us
    ("service", "api.gateway.main "),
    ("environment", "pr\u043ed"),                  # Cyrillic o
    ("environment", "Prod"),
    ("environment", "production"),
    ("environment", "prod'"),
    ("start", "2024-03-12T14:00:00"),
    ("start", "2024-03-12 14:00"),
    ("start", "2024-02-30 14:00:00"),
    ("start", "2024-03-12 24:00:00"),
    ("start", "0001-03-12 14:00:00"),
    ("end", "9999-03-12 16:00:00"),
    ("start", "\uff12\uff10\uff12\uff14-03-12 14:00:00"),   # full-width digits
    ("start", "\u0662\u0660\u0662\u0664-03-12 14:00:00"),   # Arabic-Indic digits
    ("start", "2024-03-12 14:00:00'; drop table x; --"),
    ("start", "{{ modules.datetime.datetime.now() }}"),
    ("end", "2024-03-12 16:00:00.1234567"),
    ("end", "2024-03-12 16:00:00\n"),
    ("sla", "nan"),
    ("sla", "inf"),
    ("sla", "1e2"),
    ("sla", "100"),
    ("sla", "0"),
    ("sla", "-5"),
    ("sla", "0x10"),
    ("sla", "9_9"),
    ("sla", "99.9; drop table x"),
    ("sla", "{{ 99 }}"),
    ("sla", "99.9999999999"),   # more decimals than the var keeps: the message names the limit
    ("target", "dev --full-refresh"),
    ("target", "{{ target.name }}"),
]


@pytest.mark.parametrize(("name", "value"), HOSTILE, ids=[f"{n}-{i}" for i, (n, _) in enumerate(HOSTILE)])
def test_hostile_values_are_refused_before_anything_runs(name, value, nothing_runs, capsys):
    assert tsg_rerun.main([*arguments(**{name: value}), "--dry-run"]) == 2
    message = capsys.readouterr().err.splitlines()[-1]
    assert f"argument --{name}: got " in message and "expected" in message
    assert name != "sla" or "at most 9 decimals" in message
    assert len(message) < 400                      # a 100k-character value is not echoed back whole


@pytest.mark.parametrize("value", ["logs'{{ 1 }}", "logs*", "logs?", "logs[1]", 'lo"gs', "logs\\x", "logs\nx"])
def test_a_logs_path_with_jinja_quote_or_glob_characters_is_refused(value, tmp_path, nothing_runs, capsys, monkeypatch):
    (tmp_path / value).mkdir()                     # it exists: refused for its characters alone
    monkeypatch.chdir(tmp_path)
    assert tsg_rerun.main([*arguments(logs_path=value)]) == 2
    assert "argument --logs-path: got " in capsys.readouterr().err


def test_a_logs_path_is_checked_where_it_leads(tmp_path, nothing_runs, capsys, monkeypatch):
    (tmp_path / "{{ 1 }}").mkdir()
    (tmp_path / "logs").symlink_to(tmp_path / "{{ 1 }}")   # a harmless name that resolves to Jinja
    monkeypatch.chdir(tmp_path)
    assert tsg_rerun.main([*arguments(logs_path="logs")]) == 2
    monkeypatch.chdir(tmp_path / "{{ 1 }}")                # a relative path under a Jinja folder
    assert tsg_rerun.main([*arguments(logs_path=".")]) == 2
    assert capsys.readouterr().err.count("argument --logs-path: got ") == 2
    (tmp_path / "loop1").symlink_to(tmp_path / "loop2")     # a symbolic link loop: a RuntimeError traceback (operator trial)
    (tmp_path / "loop2").symlink_to(tmp_path / "loop1")
    assert tsg_rerun.main([*arguments(logs_path=str(tmp_path / "loop1"))]) == 2
    assert "argument --logs-path: got " in capsys.readouterr().err


def test_a_logs_path_is_passed_on_absolute_with_its_links_kept(tmp_path, nothing_runs, capsys, monkeypatch):
    """The scheduled build names the logs as the README's cron line does (a link, say, around a folder
    named like a partition), and the warehouse's rows record that path: a rerun through the link's
    target would be "another input". Relative paths and a trailing slash become the absolute path."""
    (tmp_path / "lake" / "region=eu" / "logs").mkdir(parents=True)
    (tmp_path / "logs").symlink_to(tmp_path / "lake" / "region=eu" / "logs")
    monkeypatch.chdir(tmp_path / "lake")
    for given in (str(tmp_path / "logs"), str(tmp_path / "logs") + "/", "../logs"):
        assert tsg_rerun.main([*arguments(logs_path=given), "--dry-run"]) == 0
        command = shlex.split(capsys.readouterr().out)
        assert json.loads(command[command.index("--vars") + 1])["logs_path"] == str(tmp_path / "logs"), given


@pytest.mark.parametrize("name", ["absent", "logs\x00"])
def test_a_missing_logs_folder_is_refused(name, tmp_path, nothing_runs, capsys):
    assert tsg_rerun.main([*arguments(logs_path=str(tmp_path / name))]) == 2
    assert "expected an existing folder" in capsys.readouterr().err


@pytest.mark.parametrize(("start", "end"), [("2024-03-12 16:00:00", "2024-03-12 14:00:00"),
                                            ("2024-03-12 14:00:00", "2024-03-12 14:00:00")])
def test_a_start_not_before_the_end_is_refused(start, end, nothing_runs, capsys):
    assert tsg_rerun.main(arguments(start=start, end=end)) == 2
    assert "argument --start (" in capsys.readouterr().err


def test_a_missing_argument_and_an_abbreviated_option_are_refused(nothing_runs, capsys):
    assert tsg_rerun.main(arguments()[2:]) == 2    # no --region
    assert "--region" in capsys.readouterr().err
    assert tsg_rerun.main([*arguments(), "--dry"]) == 2
    assert "unrecognized arguments: --dry" in capsys.readouterr().err


def test_valid_arguments_become_json_vars_of_one_dbt_build(tmp_path, nothing_runs, capsys):
    (tmp_path / "my logs").mkdir()
    assert tsg_rerun.main([*arguments(start="2024-03-12 14:00:00.250000"), "--sla", "99.95",
                           "--logs-path", str(tmp_path / "my logs"), "--target", "dev", "--dry-run"]) == 0
    warehouse, *command = shlex.split(capsys.readouterr().out)
    assert warehouse == f"DBT_DUCKDB_PATH={tsg_rerun.warehouse_path(PROJECT_DIR)}"   # as the run would set it (operator trial)
    assert command[0] == str(Path(sys.executable).with_name("dbt"))
    # no --exclude tag:shipped_data on your own logs: those tests are disabled there, and excluding them made dbt
    # warn "does not match any enabled nodes" on every run (test_the_shipped_data_tests_are_off_on_your_own_logs)
    assert command[1:5] == ["build", "-s", "+tsg_action_plan", "--vars"]
    assert json.loads(command[command.index("--vars") + 1]) == {
        "tsg_region": "us-west", "tsg_service_name": "api.gateway.main", "tsg_environment": "prod",
        "tsg_incident_start": "2024-03-12 14:00:00.250000", "tsg_end_time": "2024-03-12 16:00:00",
        "tsg_sla_threshold": 99.95, "log_source": "external", "logs_path": str(tmp_path / "my logs"),
    }
    assert command[command.index("--project-dir") + 1] == str(PROJECT_DIR)
    assert command[command.index("--target") + 1] == "dev"


def test_a_dry_run_refuses_the_empty_warehouse_path_the_run_refuses(nothing_runs, capsys, monkeypatch):
    monkeypatch.setenv("DBT_DUCKDB_PATH", "")
    assert tsg_rerun.main([*arguments(), "--dry-run"]) == 2
    assert "DBT_DUCKDB_PATH is set but empty" in capsys.readouterr().err


def test_on_the_shipped_seeds_their_tests_are_excluded(nothing_runs, capsys):
    assert tsg_rerun.main([*arguments(), "--dry-run"]) == 0
    command = shlex.split(capsys.readouterr().out)
    assert command[2:7] == ["build", "-s", "+tsg_action_plan", "--exclude", "tag:shipped_data"]


def _configs(node):
    """Every mapping in a parsed YAML document."""
    if isinstance(node, dict):
        yield node
        node = list(node.values())
    for item in node if isinstance(node, list) else []:
        yield from _configs(item)


# `enabled:` false whenever log_source is not seeds: that comparison, alone or and-ed with others
OFF_ON_YOUR_OWN_LOGS = re.compile(r"\{\{ var\('log_source', 'seeds'\) == 'seeds'( and (?:(?! or )[^{}])*)? \}\}")


def test_the_shipped_data_tests_are_off_on_your_own_logs():
    """tsg --logs-path leaves out --exclude tag:shipped_data: every test so tagged must be disabled by its own
    config when log_source is external, or it would run on another incident's logs and fail."""
    import yaml

    tagged = 0
    for path in [*(PROJECT_DIR / "models").rglob("*.yml"), *(PROJECT_DIR / "tests").rglob("*.yml"), PROJECT_DIR / "dbt_project.yml"]:
        for config in _configs(yaml.safe_load(path.read_text())):
            tags = config.get("tags", config.get("+tags", []))
            if "shipped_data" in ([tags] if isinstance(tags, str) else tags):
                tagged += 1
                assert OFF_ON_YOUR_OWN_LOGS.fullmatch(str(config.get("enabled"))), f"{path}: {config}"
    assert tagged >= 20
    # a tag set in SQL (config(tags=...)) would escape the check above
    for path in [*(PROJECT_DIR / "models").rglob("*.sql"), *(PROJECT_DIR / "tests").rglob("*.sql")]:
        assert not re.search(r"tags\s*=\s*[\[(]?[^)\]]*shipped_data", path.read_text()), path


def _cli(args: list[str], cwd, warehouse) -> subprocess.CompletedProcess:
    env = {**os.environ, "DBT_DUCKDB_PATH": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    return subprocess.run([sys.executable, "-m", "oncall_analytics", "tsg", *args], cwd=cwd, env=env,
                          capture_output=True, text=True)


def test_the_command_line_refuses_jinja_without_touching_the_warehouse(tmp_path):
    warehouse = tmp_path / "untouched.duckdb"
    result = _cli(arguments(region="{{ run_query('create table main.pwned as select 1') }}"), tmp_path, warehouse)
    assert result.returncode == 2
    assert "argument --region" in result.stderr and "1-64 characters of A-Z a-z 0-9 . _ -" in result.stderr
    assert not warehouse.exists()


def test_dbt_itself_renders_jinja_in_a_var_value(tmp_path):
    # the trust boundary the README states: a --vars value is a template, so
    # whoever can pass --vars can run SQL; the tsg command never lets one through
    result = run_dbt(["compile", "-q", "--inline", "select {{ var_string_literal('tsg_region') }} as region",
                      "--vars", "{tsg_region: '{{ 40 + 2 }}'}", "--target-path", str(tmp_path / "target")],
                     tmp_path / "w.duckdb")
    assert "'42'" in result.stdout


@pytest.mark.parametrize("dbt_exit_code", [0, 1, 2])
def test_dbt_runs_in_the_project_and_its_exit_code_is_passed_through(dbt_exit_code, monkeypatch, tmp_path):
    calls = []

    def fake_run(command, cwd, env):
        calls.append((command, cwd, env))
        return subprocess.CompletedProcess(command, dbt_exit_code)
    monkeypatch.setattr(tsg_rerun.subprocess, "run", fake_run)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DBT_DUCKDB_PATH", "relative/w.duckdb")
    assert tsg_rerun.main(arguments()) == dbt_exit_code
    (command, cwd, env), = calls
    assert command[:2] == [str(Path(sys.executable).with_name("dbt")), "build"] and cwd == PROJECT_DIR
    assert env["DBT_DUCKDB_PATH"] == str(tmp_path / "relative" / "w.duckdb")   # relative to where it was started


def test_a_relative_warehouse_is_read_from_where_the_command_starts_its_folder_created(monkeypatch, tmp_path):
    """The README's DBT_DUCKDB_PATH=warehouse/incident-42.duckdb, from a folder without warehouse/: dbt runs in the
    project, so it gets the path absolute, and the folder is created as `make build` creates it (operator trial:
    200 lines of traceback ending in DuckDB's "Cannot open file")."""
    calls = []
    monkeypatch.setattr(tsg_rerun.subprocess, "run", lambda command, cwd, env: calls.append(env) or
                        subprocess.CompletedProcess(command, 0))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DBT_DUCKDB_PATH", "warehouse/incident-42.duckdb")
    assert tsg_rerun.main(arguments()) == 0
    warehouse = tmp_path / "warehouse" / "incident-42.duckdb"
    assert calls[0]["DBT_DUCKDB_PATH"] == str(warehouse)
    duckdb.connect(str(warehouse), read_only=True).close()     # an empty warehouse, as dbt would have created


def test_without_dbt_duckdb_path_the_warehouse_is_the_projects():
    profile = (PROJECT_DIR / "profiles.yml").read_text()
    assert f"env_var('DBT_DUCKDB_PATH', '{tsg_rerun.DEFAULT_WAREHOUSE}')" in profile
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("DBT_DUCKDB_PATH", raising=False)
        assert tsg_rerun.warehouse_path(PROJECT_DIR) == PROJECT_DIR / tsg_rerun.DEFAULT_WAREHOUSE


def _unopenable(tmp_path: Path, kind: str) -> str:
    """A DBT_DUCKDB_PATH dbt cannot open, of the given kind."""
    (tmp_path / "a file").write_text("not DuckDB")
    (tmp_path / "a folder").mkdir()
    return {"under a file": "a file/w.duckdb", "a folder": "a folder", "not DuckDB": "a file", "empty": ""}[kind]


@pytest.mark.parametrize(("kind", "reason"), [("under a file", "a file is a file, not a folder"),
                                              ("a folder", "a folder is a folder; name the DuckDB file"),
                                              ("not DuckDB", "cannot be opened as a DuckDB warehouse"),
                                              ("empty", "DBT_DUCKDB_PATH is set but empty")])
def test_a_warehouse_dbt_cannot_open_is_one_line_and_nothing_runs(kind, reason, tmp_path, nothing_runs, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DBT_DUCKDB_PATH", _unopenable(tmp_path, kind))
    assert tsg_rerun.main(arguments()) == 2
    message, = capsys.readouterr().err.splitlines()
    assert message.startswith(f"{tsg_rerun.parser().prog}: error: ") and reason in message


def test_a_warehouse_in_use_is_one_line_and_nothing_runs(tmp_path, nothing_runs, capsys, monkeypatch):
    warehouse = tmp_path / "w.duckdb"
    monkeypatch.setenv("DBT_DUCKDB_PATH", str(warehouse))
    # DuckDB's lock is per process: another process holds the file, as a dbt run or a reader would
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, sys; c = duckdb.connect({str(warehouse)!r}); "
                               "print('open', flush=True); sys.stdin.read()"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "open\n"
        assert tsg_rerun.main(arguments()) == 2
    finally:
        holder.communicate("")
    message, = capsys.readouterr().err.splitlines()
    assert f"DBT_DUCKDB_PATH: {warehouse} is in use by another process" in message


def test_a_warehouse_of_ones_own_logs_asks_for_their_folder_and_nothing_runs(tmp_path, nothing_runs, capsys, monkeypatch):
    """Without --logs-path on a warehouse built from one's own logs, dbt stopped advising `dbt build --full-refresh`,
    which rebuilds it from the shipped seeds in the middle of an incident (operator trial): the command names the
    folder to give instead. A warehouse of the seeds, or a new one, runs."""
    warehouse = tmp_path / "own logs.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema staging; create table staging.base_gateway__api_gateway_logs as select "
                    "'read_parquet(/data/my logs/api_gateway_logs/**/*.parquet, union_by_name=true)' as loaded_from")
    monkeypatch.setenv("DBT_DUCKDB_PATH", str(warehouse))
    assert tsg_rerun.main(arguments()) == 2
    message, = capsys.readouterr().err.splitlines()
    assert message.endswith(f"error: DBT_DUCKDB_PATH: {warehouse} holds your own logs (/data/my logs): give --logs-path "
                            "'/data/my logs' to run the guide on them, or name another warehouse in DBT_DUCKDB_PATH for "
                            "the shipped seeds; nothing was run")
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update staging.base_gateway__api_gateway_logs set loaded_from = 'seed api_gateway_logs'")
    assert tsg_rerun._warehouse_problem(warehouse, None) is None
    assert tsg_rerun._warehouse_problem(tmp_path / "new.duckdb", None) is None


def test_the_command_line_names_an_unopenable_warehouse_in_one_line(tmp_path):
    """From another folder, through `python -m`: one line, exit code 2, no traceback, dbt never started."""
    (tmp_path / "warehouse").write_text("a file where the folder would be")
    result = _cli(arguments(), tmp_path, "warehouse/incident-42.duckdb")
    assert result.returncode == 2 and result.stdout == ""
    message, = result.stderr.splitlines()
    assert f"{tmp_path / 'warehouse'} is a file, not a folder" in message and "Traceback" not in result.stderr


def test_the_help_says_what_the_readme_says_of_the_logs_and_the_warehouse(capsys):
    assert tsg_rerun.main(["--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "the folder of <table>/**/*.parquet (any depth)" in text                 # README: "at any depth"
    assert "a relative path is read from the folder this command is started in" in text


def test_the_command_accepts_the_environments_the_models_accept():
    # the models validate tsg_environment with var_one_of; the command's list must be the same one
    lists = set()
    for path in (PROJECT_DIR / "models").rglob("*.sql"):
        for found in re.findall(r"var_one_of\('tsg_environment',\s*\[([^\]]*)\]", path.read_text()):
            lists.add(tuple(re.findall(r"'([^']*)'", found)))
    assert lists == {tsg_rerun.ENVIRONMENTS}
