"""The Arrow schema pyarrow and polars keep in a Parquet file (`ARROW:schema`), read without pyarrow: a
duration is stored as a plain INT64 of its unit, and only this schema says so (operator trial: polars'
`end - start` read 80 ms as 80000). The schemas below are the writers' own, copied from their files."""
from __future__ import annotations

import os

import duckdb
import pytest

from arrow_schemas import INTERVAL, POLARS, PYARROW, VALUE_AS_DURATION
from oncall_analytics.arrow_schema import duration_fields
from oncall_analytics.duckdb_functions import ARROW_TIME_FIELDS, PARQUET_PROBLEM, PATH_KIND, register, settings_problem


@pytest.mark.parametrize("schema, fields", [
    (PYARROW, ["duration_ms:duration"]),          # a struct and a double beside it are not durations
    (POLARS, ["duration_ms:duration"]),
    (INTERVAL, ["gap:interval"]),
    (VALUE_AS_DURATION, ["value:duration"]),
])
def test_the_duration_fields_of_writers_schemas(schema, fields):
    assert duration_fields(schema) == fields


@pytest.mark.parametrize("schema", [None, "", "not base64 !", PYARROW[:120], "AAAA", "/////wAAAAA="])
def test_anything_else_reads_as_no_field(schema):
    assert duration_fields(schema) == []


def test_the_plugin_registers_the_function_on_a_connection_once():
    with duckdb.connect() as con:
        register(con)
        register(con)   # a connection configured twice
        assert con.execute(f"select {ARROW_TIME_FIELDS}(?), {ARROW_TIME_FIELDS}(null)", [POLARS]).fetchall() == [(["duration_ms:duration"], None)]


def test_the_plugin_tells_a_missing_logs_path_from_a_folder_and_a_file(tmp_path, monkeypatch):
    """DuckDB's glob lists files only: a logs_path that does not exist and an empty folder both read as no
    Parquet file. oncall_path_kind (macro require_logs_path_folder) tells them apart, relative paths from
    the current folder and ~ as the home folder, as DuckDB reads them."""
    (tmp_path / "logs").mkdir()
    (tmp_path / "a file").touch()
    (tmp_path / "loop1").symlink_to(tmp_path / "loop2")   # told as a loop, not as a folder one may not enter (operator trial)
    (tmp_path / "loop2").symlink_to(tmp_path / "loop1")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    with duckdb.connect() as con:
        register(con)
        kinds = [con.execute(f"select {PATH_KIND}(?)", [path]).fetchone()[0]
                 for path in ("logs", str(tmp_path / "logs"), "~/logs", "a file", "absent", "a file/logs", "loop1/logs")]
    assert kinds == ["folder", "folder", "folder", "file", "missing", "missing", "looping"]


def test_the_plugin_tells_a_whole_parquet_file_from_one_being_written(tmp_path):
    """DuckDB stopped a model's SQL on an empty file or one cut short (operator trial: a file still being
    written at :05 by a writer that writes in place). oncall_parquet_problem (macro
    require_readable_parquet_files) reads only a file's first and last four bytes; NULL for a whole file."""
    whole = tmp_path / "whole.parquet"
    with duckdb.connect() as con:
        con.execute(f"copy (select range as id from range(1000)) to '{whole}'")
    data = whole.read_bytes()
    files = {"whole": data, "cut": data[: len(data) // 2], "empty": b"", "tiny": b"PAR1PAR1", "text": b"id\n1\n2\n3\n4\n5\n"}
    for name, content in files.items():
        (tmp_path / f"{name}.parquet").write_bytes(content)
    (tmp_path / "locked.parquet").write_bytes(data)
    (tmp_path / "locked.parquet").chmod(0)
    with duckdb.connect() as con:
        register(con)
        problems = {name: con.execute(f"select {PARQUET_PROBLEM}(?)", [str(tmp_path / f"{name}.parquet")]).fetchone()[0]
                    for name in [*files, "locked", "absent"]}
    assert problems == {
        "whole": None, "cut": "cut short or still being written: no PAR1 at its end", "empty": "empty",
        "tiny": "8 bytes, too short for a Parquet file", "text": "not a Parquet file: no PAR1 at its start",
        # root opens any file: the check then passes it to DuckDB, whose read succeeds too
        "locked": None if os.geteuid() == 0 else "cannot be opened: Permission denied",
        "absent": "cannot be opened: No such file or directory"}


@pytest.mark.parametrize("threads, memory, variable", [
    ("abc", "3.5GB", "DBT_DUCKDB_THREADS"), ("0", "3.5GB", "DBT_DUCKDB_THREADS"), ("2.5", "3.5GB", "DBT_DUCKDB_THREADS"),
    ("2", "lots", "DBT_DUCKDB_MEMORY_LIMIT"), ("2", "1KB", "DBT_DUCKDB_MEMORY_LIMIT"), ("2", "3.5", "DBT_DUCKDB_MEMORY_LIMIT"),
    ("2", "-1GB", "DBT_DUCKDB_MEMORY_LIMIT"),
])
def test_the_plugin_refuses_duckdb_settings_that_cannot_run_a_build(threads, memory, variable):
    """DBT_DUCKDB_THREADS=abc or DBT_DUCKDB_MEMORY_LIMIT=lots printed DuckDB's error in a traceback of some 230
    lines, and 1KB failed out of memory mid-build (operator trial): one line naming the variable instead."""
    assert settings_problem({"threads": threads, "memory_limit": memory}).startswith(f"{variable}: got ")


@pytest.mark.parametrize("threads, memory", [("2", "3.5GB"), ("16", "800MB"), ("1", "4 GiB"), ("4", "100mb")])
def test_the_plugin_takes_duckdb_settings_in_duckdbs_forms(threads, memory):
    assert settings_problem({"threads": threads, "memory_limit": memory}) is None
