"""A dbt-duckdb plugin that gives the warehouse's connection the project's own SQL functions.

- `oncall_arrow_time_fields(schema VARCHAR) -> VARCHAR[]`: the top-level fields of a base64 Arrow schema (a
  Parquet file's `ARROW:schema` key-value entry, written by pyarrow and polars) that are durations or
  intervals, as 'name:duration' (arrow_schema.duration_fields). The run-start check of the logs
  (macro require_no_duration_columns) calls it where it is registered, and skips the Arrow schemas where
  it is not (a profile without this plugin).
- `oncall_real_path(path VARCHAR) -> VARCHAR`: the file's path with every symbolic link resolved
  (os.path.realpath): the run-start check of linked folders (macro require_no_linked_folders) tells a file
  the log reads through another path from one it would leave unread.
- `oncall_path_kind(path VARCHAR) -> VARCHAR`: 'folder', 'file', 'missing', 'looping' or 'unreachable' (path_kind). The
  run-start check of logs_path (macro require_logs_path_folder) tells a logs_path that does not exist from a
  folder without Parquet files: DuckDB's glob lists files only, and finds none in both.
- `oncall_parquet_problem(path VARCHAR) -> VARCHAR`: why the file cannot be a whole Parquet file (empty, cut
  short, not opened), or NULL (parquet_problem). The run-start check of a log's files (macro
  require_readable_parquet_files) names such files: DuckDB's own error came from deep inside a model's SQL.

It also refuses a warehouse file whose name holds a quote (DBT_DUCKDB_PATH="on-call's.duckdb"), a `;`, a `#`
or a control character (a tab, a line break): DuckDB names the database after its file, and dbt-duckdb's own
catalog queries put that name in a string literal, so a run failed with "Parser Error: syntax error at or
near "s"", or with 'Catalog "on" does not exist!' for on;call.duckdb (operator trials). Spaces, `.`, `$`,
brackets and other punctuation work. It refuses too a name of one of the project's schemas or DuckDB's
catalogs (marts.duckdb, main.duckdb) and a `#` in a folder of the path (warehouse_file.unopenable_path_problem),
and DuckDB settings from the environment that cannot run a build (settings_problem). A warehouse another
process holds (the daily run when the hourly one starts, a notebook) is waited for, up to
ONCALL_WAREHOUSE_WAIT_SECONDS (600 by default), saying so once.

profiles.yml names this module under `plugins:`; dbt-duckdb configures each connection it opens with it.
"""
from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

import duckdb
from dbt.adapters.duckdb.plugins import BasePlugin
from dbt.adapters.events.logging import AdapterLogger
from dbt_common.exceptions import DbtRuntimeError

from oncall_analytics.arrow_schema import duration_fields
from oncall_analytics.warehouse_file import unopenable_path_problem, unquotable_database_problem, wait_for_warehouse, wait_seconds

ARROW_TIME_FIELDS = "oncall_arrow_time_fields"
REAL_PATH = "oncall_real_path"
PATH_KIND = "oncall_path_kind"
PARQUET_PROBLEM = "oncall_parquet_problem"
PARQUET_MARK = b"PAR1"   # a Parquet file starts and ends with it
LOGGER = AdapterLogger("DuckDB")


def real_path(path: str) -> str:
    """The path with every symbolic link resolved (os.path.realpath takes a second, keyword, argument)."""
    return os.path.realpath(path)


def path_kind(path: str) -> str:
    """'folder', 'file' (anything else that exists), 'missing' (nothing there, or a file on the way), 'looping'
    (symbolic links on the way that lead to each other), or 'unreachable' (a folder on the way this user may not
    enter). A leading ~ is the home folder, as DuckDB reads it; a relative path is read from the current folder,
    as DuckDB reads it."""
    try:
        return "folder" if stat.S_ISDIR(os.stat(os.path.expanduser(path)).st_mode) else "file"
    except (FileNotFoundError, NotADirectoryError):
        return "missing"
    except OSError as error:   # a loop of symbolic links is no permission problem (operator trial)
        return "looping" if error.errno == errno.ELOOP else "unreachable"


def parquet_problem(path: str) -> str | None:
    """Why the file at `path` cannot be a whole Parquet file, or None: a Parquet file starts with PAR1 and ends
    with its footer's length and PAR1, which a writer adds last, so a file still being written (a writer that
    writes in place, not elsewhere and then moves it in) or cut short lacks the end mark. Only its first and
    last four bytes are read."""
    try:
        with open(path, "rb") as file:
            size = os.fstat(file.fileno()).st_size
            if size < 2 * len(PARQUET_MARK) + 4:
                return "empty" if size == 0 else f"{size} bytes, too short for a Parquet file"
            head = file.read(len(PARQUET_MARK))
            file.seek(-len(PARQUET_MARK), os.SEEK_END)
            tail = file.read(len(PARQUET_MARK))
    except OSError as error:
        return f"cannot be opened: {error.strerror or error}"
    if head != PARQUET_MARK:
        return "not a Parquet file: no PAR1 at its start"
    if tail != PARQUET_MARK:
        return "cut short or still being written: no PAR1 at its end"
    return None


def register(conn: duckdb.DuckDBPyConnection) -> None:
    """The project's functions on `conn` (idempotent: a connection configured twice keeps one of each). A function
    that answers NULL (parquet_problem, for a whole file) is registered with DuckDB's special null handling: the
    default refuses a NULL from a function."""
    text = duckdb.sqltype("VARCHAR")
    functions = ((ARROW_TIME_FIELDS, duration_fields, duckdb.list_type(text), "default"), (REAL_PATH, real_path, text, "default"),
                 (PATH_KIND, path_kind, text, "default"), (PARQUET_PROBLEM, parquet_problem, text, "special"))
    for name, function, returns, nulls in functions:
        try:
            conn.remove_function(name)
        except (duckdb.InvalidInputException, duckdb.CatalogException):
            pass
        conn.create_function(name, function, [text], returns, null_handling=nulls, side_effects=False)


def require_quotable_database(conn: duckdb.DuckDBPyConnection) -> None:
    """Stops with a clear error when the warehouse's database name (its file's name) holds a character
    dbt-duckdb cannot quote (unquotable_characters)."""
    problem = unquotable_database_problem(conn.execute("select current_database()").fetchone()[0])
    if problem:
        raise DbtRuntimeError(problem)


# DuckDB's forms of a memory size (its own error on another was a traceback of some 230 lines: operator trial)
MEMORY_LIMIT = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)\s*", re.IGNORECASE | re.ASCII)
MEMORY_UNITS = {"B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}
SMALLEST_MEMORY_LIMIT = 100e6   # below it a build fails out of memory: a unit mistaken (1KB), not a budget


def settings_problem(settings: dict) -> str | None:
    """Why profiles.yml's DuckDB settings from the environment (DBT_DUCKDB_THREADS, DBT_DUCKDB_MEMORY_LIMIT) cannot
    run a build, in one line naming the variable, or None."""
    threads = str(settings.get("threads", "1"))
    if not re.fullmatch(r"[1-9][0-9]{0,3}", threads.strip(), re.ASCII):
        return f"DBT_DUCKDB_THREADS: got {threads!r}; expected a whole number of threads from 1 to 9999 (e.g. 2)"
    memory = str(settings.get("memory_limit", "1GB"))
    size = MEMORY_LIMIT.fullmatch(memory)
    if size is None or float(size.group(1)) * MEMORY_UNITS[size.group(2).upper()] < SMALLEST_MEMORY_LIMIT:
        return (f"DBT_DUCKDB_MEMORY_LIMIT: got {memory!r}; expected a size of 100MB or more with its unit "
                "(e.g. 3.5GB, 800MB, 4GiB)")
    return None


class Plugin(BasePlugin):
    """Registers the functions on every connection dbt-duckdb opens, on a warehouse whose name can be quoted."""

    def initialize(self, plugin_config: dict) -> None:
        """Before the warehouse is opened: a folder as DBT_DUCKDB_PATH gave some 230 lines of DuckDB tracebacks
        (operator trial), and a name that cannot be quoted an empty warehouse file left behind. A warehouse
        another process holds (the daily run, when the hourly one starts) is waited for, up to
        ONCALL_WAREHOUSE_WAIT_SECONDS, then refused in one line (it was a traceback)."""
        problem = settings_problem(getattr(self.creds, "settings", None) or {})
        if problem:
            raise DbtRuntimeError(problem)
        path = getattr(self.creds, "path", None)
        if not path or path == ":memory:" or "://" in path or path.startswith("md:"):
            return
        problem = unopenable_path_problem(Path(path).expanduser())
        folder = Path(path).expanduser().parent
        if problem is None and not folder.is_dir():   # DuckDB creates the file, not its folder (make build does)
            problem = (f"the folder {folder} of {Path(path).name} {'is a file' if folder.exists() else 'does not exist'}: "
                       "create it, or build with make build, which does")
        if problem is None:
            try:
                seconds = wait_seconds()
            except ValueError as error:
                raise DbtRuntimeError(str(error)) from None
            problem = wait_for_warehouse(Path(path).expanduser(), seconds, say=lambda text: LOGGER.info(f"DBT_DUCKDB_PATH: {text}"))
        if problem:
            raise DbtRuntimeError(f"DBT_DUCKDB_PATH: {problem}")

    def configure_connection(self, conn: duckdb.DuckDBPyConnection) -> None:
        require_quotable_database(conn)
        register(conn)
