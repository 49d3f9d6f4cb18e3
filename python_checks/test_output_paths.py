"""The files the commands write are checked when the arguments are read (exit 2, naming the argument):
an empty path, a folder, or a path under a file failed with a traceback after eval-detector's two dbt
builds, and after notify had recorded its deliveries (found by an operator trial)."""
from __future__ import annotations

import os
import subprocess

import pytest

from conftest import PROJECT_DIR, run_dbt
from oncall_analytics import eval_detector, notify


@pytest.fixture
def blocked_paths(tmp_path):
    (tmp_path / "a file").write_text("")
    return {"an empty path": "", "a folder": str(tmp_path), "a path under a file": str(tmp_path / "a file" / "out.md")}


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


def test_a_new_file_in_a_new_folder_is_accepted(tmp_path):
    assert eval_detector.parser().parse_args([str(tmp_path), "--out", str(tmp_path / "new" / "report.md")]).out \
        == tmp_path / "new" / "report.md"
    assert notify.parse_args(["--jsonl", str(tmp_path / "alerts.jsonl")]).jsonl == tmp_path / "alerts.jsonl"


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


def test_the_query_make_build_prints_runs(built_warehouse, tmp_path):
    """`make build` ends with a query to copy; it failed with "Connection has already been closed" (operator
    trial): the connection was not kept while its relation printed. It is now the README's."""
    show = tmp_path / "show.mk"
    show.write_text("show-query-hint:\n\t@echo \"$(QUERY_HINT)\"\n")
    env = {**os.environ, "DBT_DUCKDB_PATH": str(built_warehouse)}
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
                      tmp_path / "on-call's ü.duckdb", check=False)
    assert refused.returncode != 0
    assert "The warehouse file's name holds a quote (\"on-call's ü\", from DBT_DUCKDB_PATH)" in refused.stdout, refused.stdout[-2000:]
    folder = tmp_path / "it's here"
    folder.mkdir()
    accepted = run_dbt(["seed", "-s", "incident_labels", "--target-path", str(tmp_path / "target")],
                       folder / "w.duckdb", check=False)
    assert accepted.returncode == 0, accepted.stdout[-2000:]
