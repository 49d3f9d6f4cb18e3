"""A dbt-duckdb plugin that gives the warehouse's connection the project's own SQL functions.

- `oncall_arrow_time_fields(schema VARCHAR) -> VARCHAR[]`: the top-level fields of a base64 Arrow schema (a
  Parquet file's `ARROW:schema` key-value entry, written by pyarrow and polars) that are durations or
  intervals, as 'name:duration' (arrow_schema.duration_fields). The run-start check of the logs
  (macro require_no_duration_columns) calls it where it is registered, and skips the Arrow schemas where
  it is not (a profile without this plugin).

profiles.yml names this module under `plugins:`; dbt-duckdb configures each connection it opens with it.
"""
from __future__ import annotations

import duckdb
from dbt.adapters.duckdb.plugins import BasePlugin

from oncall_analytics.arrow_schema import duration_fields

ARROW_TIME_FIELDS = "oncall_arrow_time_fields"


def register(conn: duckdb.DuckDBPyConnection) -> None:
    """The project's functions on `conn` (idempotent: a connection configured twice keeps one of each)."""
    text = duckdb.sqltype("VARCHAR")
    try:
        conn.remove_function(ARROW_TIME_FIELDS)
    except (duckdb.InvalidInputException, duckdb.CatalogException):
        pass
    conn.create_function(ARROW_TIME_FIELDS, duration_fields, [text], duckdb.list_type(text), side_effects=False)


class Plugin(BasePlugin):
    """Registers the functions on every connection dbt-duckdb opens."""

    def configure_connection(self, conn: duckdb.DuckDBPyConnection) -> None:
        register(conn)
