"""The files the commands write are checked when the arguments are read (exit 2, naming the argument):
an empty path, a folder, or a path under a file failed with a traceback after eval-detector's two dbt
builds, and after notify had recorded its deliveries (found by an operator trial)."""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess

import duckdb
import pytest

from conftest import PROJECT_DIR, run_dbt
from oncall_analytics import eval_detector, notify
from oncall_analytics.warehouse_file import PROJECT_SCHEMAS, unopenable_path_problem, unquotable_characters


@pytest.fixture
def blocked_paths(tmp_path):
    (tmp_path / "a file").write_text("")
    (tmp_path / "loop1").symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(tmp_path / "loop1")
    os.mkfifo(tmp_path / "pipe")
    duckdb.connect(str(tmp_path / "w.duckdb")).close()
    return {"an empty path": "", "a folder": str(tmp_path), "a path under a file": str(tmp_path / "a file" / "out.md"),
            # opened to see it can be written, a named pipe waited for a reader forever (operator trial)
            "a named pipe": str(tmp_path / "pipe"),
            # the warehouse given as the report's --out was replaced by it, as notify's --jsonl corrupted it (operator trial)
            "a DuckDB database": str(tmp_path / "w.duckdb"),
            # os.access says root may write there; the write failed after eval-detector's builds (operator trial)
            "a file no one can create": "/proc/out.md",
            # a RuntimeError traceback (operator trial)
            "a path through a symbolic link loop": str(tmp_path / "loop1" / "out.md")}


def test_eval_detector_refuses_an_unwritable_out_before_any_run(blocked_paths, tmp_path, capsys):
    for kind, value in blocked_paths.items():
        with pytest.raises(SystemExit) as stopped:
            eval_detector.parser().parse_args([str(tmp_path), "--out", value])
        assert stopped.value.code == 2, kind
        assert "argument --out: got " in capsys.readouterr().err, kind


def test_notify_refuses_an_unwritable_jsonl_before_any_delivery(blocked_paths, capsys):
    for kind, value in blocked_paths.items():
        with pytest.raises(SystemExit) as stopped:
            notify.parse_args(["--jsonl", value])
        assert stopped.value.code == 2, kind
        assert "argument --jsonl: got " in capsys.readouterr().err, kind


def test_notify_appends_to_json_lines_only(tmp_path, capsys):
    """notify cuts a last line that lacks a line break (a crash mid-write) and appends JSON lines: given a text
    file by mistake, its last line was removed without a word (operator trial). A file that is not JSON lines
    is refused; one whose last line was cut short is taken."""
    (tmp_path / "notes.txt").write_text("line one\nimportant last line without newline")
    (tmp_path / "one_line.txt").write_text("a note")
    (tmp_path / "array.jsonl").write_text("[1, 2]\n")
    for name, line in (("notes.txt", "line 1"), ("one_line.txt", "last line"), ("array.jsonl", "line 1")):
        with pytest.raises(SystemExit) as stopped:
            notify.parse_args(["--jsonl", str(tmp_path / name)])
        assert stopped.value.code == 2, name
        assert f"whose {line} is not a JSON object; expected a JSON-lines file" in capsys.readouterr().err, name
    assert (tmp_path / "notes.txt").read_text() == "line one\nimportant last line without newline"
    (tmp_path / "alerts.jsonl").write_text('{"key": "a"}\n\n{"key": "b"}\n{"key": "c", "ti')
    assert notify.parse_args(["--jsonl", str(tmp_path / "alerts.jsonl")]).jsonl == tmp_path / "alerts.jsonl"


def test_a_new_file_in_a_new_folder_is_accepted(tmp_path):
    assert eval_detector.parser().parse_args([str(tmp_path), "--out", str(tmp_path / "new" / "report.md")]).out \
        == tmp_path / "new" / "report.md"
    assert notify.parse_args(["--jsonl", str(tmp_path / "alerts.jsonl")]).jsonl == tmp_path / "alerts.jsonl"
    # the check opens the file to see it can be written, and removes what it made: never the file, nor a link to one
    (tmp_path / "kept.jsonl").write_text("{}\n")
    (tmp_path / "current.jsonl").symlink_to(tmp_path / "2024" / "alerts.jsonl")   # a link to a file still to be written
    (tmp_path / "2024").mkdir()
    for given in ("kept.jsonl", "current.jsonl"):
        assert notify.parse_args(["--jsonl", str(tmp_path / given)]).jsonl == tmp_path / given
    assert (tmp_path / "kept.jsonl").read_text() == "{}\n"
    assert (tmp_path / "current.jsonl").is_symlink() and not (tmp_path / "2024" / "alerts.jsonl").exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["2024", "current.jsonl", "kept.jsonl"]


def test_eval_detector_refuses_a_work_dir_it_could_not_create(tmp_path, capsys):
    """--work-dir under a file, or where this user cannot write, failed with a traceback (operator trial)."""
    (tmp_path / "a file").write_text("")
    for value in ("", str(tmp_path), str(tmp_path / "a file" / "sub")):
        with pytest.raises(SystemExit) as stopped:
            eval_detector.parser().parse_args([str(tmp_path), "--work-dir", value])
        assert stopped.value.code == 2, value
        assert "argument --work-dir: got " in capsys.readouterr().err, value
    assert eval_detector.parser().parse_args([str(tmp_path), "--work-dir", str(tmp_path / "new" / "work")]).work_dir \
        == tmp_path / "new" / "work"


def test_notify_refuses_retry_settings_that_are_no_number_of_seconds(capsys):
    """NaN passed `< 0` checks and crashed in the first delivery (operator trial); so did infinity."""
    for option, value in (("--backoff-s", "nan"), ("--backoff-s", "inf"), ("--timeout-s", "nan"), ("--timeout-s", "0")):
        with pytest.raises(SystemExit) as stopped:
            notify.parse_args(["--stdout", option, value])
        assert stopped.value.code == 2, (option, value)
        assert "--backoff-s a number of seconds" in capsys.readouterr().err


def test_make_reads_a_warehouse_path_with_a_tilde_as_duckdb_does(tmp_path):
    """DBT_DUCKDB_PATH='~/w.duckdb' (quoted, or from a .env file) is the file in the home folder for DuckDB,
    but `make report` tested a file named '~/w.duckdb' under the project and rebuilt every time, and `make
    build` created a folder named '~' there. The Makefile's WAREHOUSE_FILE expands it as DuckDB does."""
    show = tmp_path / "show.mk"
    show.write_text("show-warehouse-file:\n\t@echo \"$(WAREHOUSE_FILE)\"\n")
    for given, expected in (("~/w.duckdb", f"{os.environ['HOME']}/w.duckdb"), ("/a/~/w.duckdb", "/a/~/w.duckdb"),
                            ("warehouse/w.duckdb", "warehouse/w.duckdb")):
        shown = subprocess.run(["make", "-s", "-f", "Makefile", "-f", str(show), "show-warehouse-file"], cwd=PROJECT_DIR,
                               env={**os.environ, "DBT_DUCKDB_PATH": given}, capture_output=True, text=True, check=True)
        assert shown.stdout.strip() == expected, given


def test_make_keeps_a_dollar_in_a_warehouse_path_given_on_its_command_line(tmp_path):
    """make expands `$` in a command-line value: make notify DBT_DUCKDB_PATH='/tmp/tb$xyz/w.duckdb' opened
    /tmp/tbyz/w.duckdb (operator trial), so make build would build into another file than the one named."""
    show = tmp_path / "show.mk"
    show.write_text("show-warehouse-path:\n\t@echo \"$$DBT_DUCKDB_PATH\"\n")
    for given in ("/tmp/tb$xyz/w.duckdb", "/tmp/a $HOME b/w.duckdb"):
        shown = subprocess.run(["make", "-s", "-f", "Makefile", "-f", str(show), "show-warehouse-path", f"DBT_DUCKDB_PATH={given}"],
                               cwd=PROJECT_DIR, capture_output=True, text=True, check=True)
        assert shown.stdout.strip() == given


def test_the_query_make_build_prints_runs(built_warehouse, tmp_path):
    """`make build` ends with a query to copy; it failed with "Connection has already been closed" (operator
    trial): the connection was not kept while its relation printed. It is the README's, quoted for the shell:
    pasted into double quotes, a path with quotes, `$` or `;` opened another file (operator trial)."""
    show = tmp_path / "show.mk"
    show.write_text("show-query-hint:\n\t@$(QUERY_HINT)\n")
    folder = tmp_path / 'wh "q" $HOME; it\'s ü'
    folder.mkdir()
    shutil.copy(built_warehouse, folder / "w.duckdb")
    env = {**os.environ, "DBT_DUCKDB_PATH": str(folder / "w.duckdb")}
    shown = subprocess.run(["make", "-s", "-f", "Makefile", "-f", str(show), "show-query-hint"], cwd=PROJECT_DIR,
                           env=env, capture_output=True, text=True, check=True).stdout.strip()
    command = shown.removeprefix("Query them with: ")
    assert command != shown and command.startswith(".venv/bin/python -c ")
    ran = subprocess.run(["bash", "-c", command], cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    assert "function_name" in ran.stdout and "image_processor" in ran.stdout


def test_a_warehouse_file_whose_name_holds_a_quote_is_refused_clearly(tmp_path):
    """DBT_DUCKDB_PATH="/tmp/my wh/on-call's ü.duckdb" failed in dbt-duckdb's own catalog query with "Parser
    Error: syntax error at or near "s"" (operator trial): DuckDB names the database after its file. The
    project's plugin stops first, saying so; a quote in a folder's name is fine."""
    refused = run_dbt(["run", "-s", "stg_oncall__incident_labels", "--target-path", str(tmp_path / "target")],
                      tmp_path / "on-call's; ü.duckdb", check=False)
    assert refused.returncode != 0
    assert "The warehouse file's name holds a quote, ';' (\"on-call's; ü\", from DBT_DUCKDB_PATH)" in refused.stdout, refused.stdout[-2000:]
    assert not (tmp_path / "on-call's; ü.duckdb").exists()   # refused before DuckDB created it
    # plain dbt on a folder: one line, where dbt-duckdb gave some 230 lines of tracebacks (operator trial)
    folder_run = run_dbt(["run", "-s", "stg_oncall__incident_labels", "--target-path", str(tmp_path / "target")], tmp_path, check=False)
    assert folder_run.returncode != 0 and f"DBT_DUCKDB_PATH: {tmp_path} is a folder; name the DuckDB file" in folder_run.stdout
    assert "Traceback" not in folder_run.stdout + folder_run.stderr
    # and in a folder that does not exist (DuckDB creates no folder): one line too, where it gave a traceback
    missing = run_dbt(["run", "-s", "stg_oncall__incident_labels", "--target-path", str(tmp_path / "target")],
                      tmp_path / "missing" / "w.duckdb", check=False)
    assert missing.returncode != 0 and "Traceback" not in missing.stdout + missing.stderr
    assert f"DBT_DUCKDB_PATH: the folder {tmp_path / 'missing'} of w.duckdb does not exist: create it" in missing.stdout
    folder = tmp_path / "it's here"
    folder.mkdir()
    accepted = run_dbt(["seed", "-s", "incident_labels", "--target-path", str(tmp_path / "target")],
                       folder / "w.duckdb", check=False)
    assert accepted.returncode == 0, accepted.stdout[-2000:]


def test_the_characters_dbt_duckdb_cannot_carry_in_a_warehouse_name():
    """Found by building a warehouse of each name: these stopped dbt-duckdb's catalog queries, the others built."""
    for name in ("on;call", "hash#x", "tab\tx", "nl\nx", "it's", 'say "x"'):
        assert unquotable_characters(name), name
    for name in ("a.b", "pct%x", "par(x)", "com,x", "star*x", "brk[x]", "tick`x", "sp ace", "amp&x", "eq=x", "at@x", "ü $x"):
        assert not unquotable_characters(name), name


def test_a_warehouse_named_as_a_schema_or_in_a_folder_with_a_hash_is_refused(tmp_path):
    """marts.duckdb built, then every query of marts.x was ambiguous (notify, the report, the README's query);
    main, temp and system failed in DuckDB; a '#' in a folder failed in dbt-duckdb with 'Catalog "a" does not
    exist!' (operator trial). Refused before anything is created, by the plugin (plain dbt) as by make."""
    for name, said in (("Marts", "is a schema the project builds, so Marts.<table> would be ambiguous"),
                       ("temp", "is one of DuckDB's own catalogs, which a build cannot write to")):
        problem = unopenable_path_problem(tmp_path / f"{name}.duckdb")
        assert problem and said in problem and f"Rename the file (e.g. oncall_{name}.duckdb)" in problem, name
    assert unopenable_path_problem(tmp_path / "marts_2024.duckdb") is None
    hashed = tmp_path / "a#b" / "w.duckdb"
    assert "holds a '#', which dbt-duckdb cannot carry" in unopenable_path_problem(hashed)
    refused = run_dbt(["run", "-s", "stg_oncall__incident_labels", "--target-path", str(tmp_path / "target")],
                      tmp_path / "marts.duckdb", check=False)
    assert refused.returncode != 0 and "The warehouse file's name 'marts' (from DBT_DUCKDB_PATH) is a schema" in refused.stdout
    assert not (tmp_path / "marts.duckdb").exists()
    # the names agree with the schemas the project builds
    schemas = set(re.findall(r"\+schema: *(\w+)", (PROJECT_DIR / "dbt_project.yml").read_text()))
    assert schemas and schemas | {"notify"} <= PROJECT_SCHEMAS
    assert "create schema if not exists notify" in (PROJECT_DIR / "src" / "oncall_analytics" / "notify" / "state.py").read_text()


def test_make_build_stops_in_one_line_on_a_warehouse_path_dbt_cannot_open(tmp_path):
    """A folder, or a file that is not DuckDB, as DBT_DUCKDB_PATH gave some 235 lines of dbt-duckdb traceback
    (operator trial); make build now stops before dbt, naming the path."""
    (tmp_path / "notes.txt").write_text("not a warehouse\n")
    for path, reason in ((tmp_path, "is a folder; name the DuckDB file"), (tmp_path / "notes.txt", "cannot be opened as a DuckDB warehouse")):
        stopped = subprocess.run(["make", "-s", "build"], cwd=PROJECT_DIR, env={**os.environ, "DBT_DUCKDB_PATH": str(path)},
                                 capture_output=True, text=True)
        assert stopped.returncode != 0, path
        assert f"DBT_DUCKDB_PATH: {path} {reason}" in stopped.stderr, stopped.stderr
        assert "Traceback" not in stopped.stderr + stopped.stdout and "dbt" not in stopped.stdout, stopped.stdout
    # a file name dbt-duckdb cannot quote: refused before dbt, and no empty warehouse left behind (operator trial)
    quoted = tmp_path / "new folder" / "it's.duckdb"
    stopped = subprocess.run(["make", "-s", "build"], cwd=PROJECT_DIR, env={**os.environ, "DBT_DUCKDB_PATH": str(quoted)},
                             capture_output=True, text=True)
    assert stopped.returncode != 0 and "The warehouse file's name holds a quote (\"it's\"" in stopped.stderr, stopped.stderr
    assert "dbt" not in stopped.stdout and not quoted.parent.exists()


def test_make_passes_data_and_args_on_as_given(tmp_path):
    """make expands `$` in a command-line value: DATA='/data/nab$v2' scored /data/nab2 (operator trial). DATA
    comes after `--`, so a folder named like an option (-h) is a folder, not the help (operator trial)."""
    for given in ("/data/nab$v2", "/data/it's $HOME; x", "-h"):
        shown = subprocess.run(["make", "-n", "eval-detector", f"DATA={given}", "EVAL_ARGS=--out '/tmp/a$b.md'"], cwd=PROJECT_DIR,
                               capture_output=True, text=True, check=True).stdout
        command = next(line for line in shown.splitlines() if "eval-detector" in line and "usage" not in line)
        assert shlex.split(command)[-4:] == ["--out", "/tmp/a$b.md", "--", given], command


def test_make_runs_nothing_a_command_line_value_holds(tmp_path):
    """make expanded the command-line values it exported to the recipes: DATA='$(shell touch x)' ran it, and so
    did NOTIFY_ARGS and EVAL_ARGS (operator trial)."""
    for target, variable in (("eval-detector", "DATA"), ("eval-detector", "EVAL_ARGS"), ("notify", "NOTIFY_ARGS")):
        marker = tmp_path / variable
        given = {"DATA": str(tmp_path / "none"), variable: f"$(shell touch {marker})"}
        subprocess.run(["make", "-s", target, *(f"{name}={value}" for name, value in given.items())], cwd=PROJECT_DIR,
                       env={**os.environ, "DBT_DUCKDB_PATH": str(tmp_path / "none.duckdb")}, capture_output=True, text=True)
        assert not marker.exists(), variable
