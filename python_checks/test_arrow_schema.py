"""The Arrow schema pyarrow and polars keep in a Parquet file (`ARROW:schema`), read without pyarrow: a
duration is stored as a plain INT64 of its unit, and only this schema says so (operator trial: polars'
`end - start` read 80 ms as 80000). The schemas below are the writers' own, copied from their files."""
from __future__ import annotations

import duckdb
import pytest

from arrow_schemas import INTERVAL, POLARS, PYARROW, VALUE_AS_DURATION
from oncall_analytics.arrow_schema import duration_fields
from oncall_analytics.duckdb_functions import ARROW_TIME_FIELDS, PATH_KIND, register


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
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    with duckdb.connect() as con:
        register(con)
        kinds = [con.execute(f"select {PATH_KIND}(?)", [path]).fetchone()[0]
                 for path in ("logs", str(tmp_path / "logs"), "~/logs", "a file", "absent", "a file/logs")]
    assert kinds == ["folder", "folder", "folder", "file", "missing", "missing"]
