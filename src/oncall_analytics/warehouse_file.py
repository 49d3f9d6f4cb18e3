"""Opening the warehouse from a command: a built one (notify, the on-call report), or one dbt is about to build
(tsg), with a clear reason when it cannot be."""
from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from oncall_analytics.error_text import first_line

# exit codes: the warehouse is busy or not built yet (a later run can succeed), or the path is no
# warehouse of this project (a folder, another file, a database without its marts: a later run would not change it)
NOT_YET, NOT_A_WAREHOUSE = 3, 2
QUERY = "select * from marts.canary_version_comparison"
# how long a dbt command waits for a warehouse another process holds (the hourly and the daily run overlap)
WAIT_VARIABLE, DEFAULT_WAIT_SECONDS = "ONCALL_WAREHOUSE_WAIT_SECONDS", 600


def is_lock_conflict(reason: str) -> bool:
    """Whether DuckDB refused a file because another process holds it: its own phrase, not any message with
    "lock" in it (a folder named clock/ or blocked/ in the path of a file that is not DuckDB read as one)."""
    return "Could not set lock on file" in reason


def open_warehouse(warehouse: str, tool: str, marts: tuple[str, ...], read_only: bool
                   ) -> tuple[duckdb.DuckDBPyConnection | None, int]:
    """A connection and 0; or None, with the reason on stderr (prefixed `tool:`), and the exit code:
    NOT_YET when the file is missing or locked, NOT_A_WAREHOUSE when it is a folder, not DuckDB, or holds
    none of `marts` (schema.table)."""
    def fail(reason: str, code: int):
        print(f"{tool}: {reason}", file=sys.stderr)
        return None, code

    if not warehouse.strip():
        return fail("no warehouse given (an empty --warehouse, or DBT_DUCKDB_PATH set empty)", NOT_A_WAREHOUSE)
    path = Path(warehouse).expanduser()   # ~ as DuckDB, and so dbt, reads it
    warehouse = str(path)
    if not path.exists():
        return fail(f"no warehouse at {warehouse}: build it first (make build)", NOT_YET)
    if path.is_dir():
        return fail(f"{warehouse} is a folder; give --warehouse the DuckDB file", NOT_A_WAREHOUSE)
    try:
        seconds = wait_seconds()
    except ValueError as error:
        return fail(str(error), NOT_A_WAREHOUSE)
    # the daily run may hold it when the hourly line's notify starts: wait, as a dbt command does, rather than
    # leave the hour's pages to the next hour
    if wait_for_warehouse(path, seconds, lambda text: print(f"{tool}: {text}", file=sys.stderr, flush=True), read_only=read_only):
        return fail(f"the warehouse {warehouse} is in use by another process (a dbt run?) after waiting {seconds:g} s "
                    f"({WAIT_VARIABLE}); run {tool} after the build; nothing was done, and a later run catches up", NOT_YET)
    try:
        con = duckdb.connect(warehouse, read_only=read_only)
    except duckdb.Error as error:
        if is_lock_conflict(str(error)):   # taken between the wait and this open
            return fail(f"the warehouse {warehouse} is in use by another process (a dbt run?); run {tool} after the build; "
                        f"nothing was done, and a later run catches up ({first_line(error)})", NOT_YET)
        return fail(f"{warehouse} cannot be opened as a DuckDB warehouse ({error})", NOT_A_WAREHOUSE)
    built = con.execute("select count(*) from information_schema.tables where table_schema || '.' || table_name in "
                        f"({', '.join('?' * len(marts))})", list(marts)).fetchone()[0]
    if not built:
        con.close()
        return fail(f"{warehouse} holds none of {', '.join(marts)}: build it first (make build)", NOT_A_WAREHOUSE)
    return con, 0


# names a warehouse's database may not have: DuckDB's own catalogs, and the schemas the project builds (the
# +schema entries of dbt_project.yml, notify's, DuckDB's; python_checks/test_output_paths checks they agree)
DUCKDB_CATALOGS = frozenset({"system", "temp", "main", "memory"})
PROJECT_SCHEMAS = frozenset({"raw", "expected", "staging", "intermediate", "marts", "notify", "information_schema", "pg_catalog"})


def unquotable_characters(name: str) -> list[str]:
    """The characters of a database name that dbt-duckdb's catalog queries cannot carry (found by trying each)."""
    return sorted({character for character in name if character in "'\";#" or ord(character) < 32})


def unquotable_database_problem(name: str) -> str | None:
    """Why a database of this name (its file's name, without the extension) cannot be built, or None."""
    found = unquotable_characters(name)
    if not found:
        return None
    kinds = ", ".join(dict.fromkeys("a quote" if character in "'\"" else repr(character) for character in found))
    return (f"The warehouse file's name holds {kinds} ({name!r}, from DBT_DUCKDB_PATH): DuckDB names the database after "
            f"its file, and dbt-duckdb's catalog queries cannot quote it. Rename the file, or use another path "
            f"(a quote or ';' in a folder name is fine; spaces, '.', '$' and brackets in the file's name are).")


def unopenable_path_problem(path: Path) -> str | None:
    """Why dbt could not open a warehouse at `path`, as far as can be told without creating it: a folder, or a
    file name dbt-duckdb cannot quote (checked before the file is created: a refused name left an empty
    warehouse behind, operator trial); None otherwise. Shared by prepare_warehouse and the project's plugin."""
    if path.is_dir():
        return f"{path} is a folder; name the DuckDB file"
    if "#" in str(path.parent):   # dbt-duckdb reads the path up to a '#' ("Catalog "a" does not exist!": operator trial)
        return (f"the folder {path.parent} holds a '#', which dbt-duckdb cannot carry in DBT_DUCKDB_PATH; "
                "use a folder without one")
    name = path.name.split(".")[0]   # DuckDB's name for it: up to the first dot
    return unquotable_database_problem(name) or clashing_database_problem(name)


def clashing_database_problem(name: str) -> str | None:
    """Why a database of this name cannot hold the project, or None: named as one of the project's schemas
    (`marts.duckdb`), `marts.x` is ambiguous in every query after the build (notify, the report, the README's
    query); named as one of DuckDB's own catalogs, the build fails (operator trial)."""
    if name.lower() in DUCKDB_CATALOGS:
        why = "one of DuckDB's own catalogs, which a build cannot write to"
    elif name.lower() in PROJECT_SCHEMAS:
        why = f"a schema the project builds, so {name}.<table> would be ambiguous in every query of the warehouse"
    else:
        return None
    return (f"The warehouse file's name {name!r} (from DBT_DUCKDB_PATH) is {why}: DuckDB names the database after its "
            f"file. Rename the file (e.g. oncall_{name}.duckdb).")


def prepare_warehouse(path: Path) -> str | None:
    """None when dbt can open the DuckDB file at `path` for writing, with its folder created as `make build`
    creates it (mkdir -p); else the reason, one line. Opened once here so that a path dbt cannot open (a
    folder, a file that is not DuckDB, a warehouse another process holds) is one line before the run, not
    dbt-duckdb's traceback of some 200 lines after it parsed the project (operator trial)."""
    problem = unopenable_path_problem(path)
    if problem:
        return problem
    blocking = next((parent for parent in path.parents if parent.exists() and not parent.is_dir()), None)
    if blocking is not None:
        return f"{blocking} is a file, not a folder, so {path} cannot be created there"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return f"cannot create the folder {path.parent} for {path.name} ({error.strerror or error})"
    try:
        duckdb.connect(str(path)).close()     # creates an empty warehouse where there is none, as dbt would
    except duckdb.Error as error:
        reason = first_line(error)
        if is_lock_conflict(reason):
            return f"{path} is in use by another process (a dbt run, a reader?); run again when it is done ({reason})"
        return f"{path} cannot be opened as a DuckDB warehouse ({reason})"
    return None


def lock_holder(path: Path, read_only: bool = False) -> str | None:
    """Who holds the warehouse at `path` when another process does ("held by /usr/bin/python3, PID 323", from
    DuckDB's reason), else None: also when it does not exist yet or DuckDB refuses it for another reason, which
    the command then reports. `read_only`: whether a reader could open it (other readers do not hold it up).
    Probed by opening it with DuckDB rather than by testing the file's lock: POSIX locks are the process's,
    and closing any descriptor of the file would drop a lock DuckDB holds in this process."""
    if not path.is_file():
        return None
    try:
        duckdb.connect(str(path), read_only=read_only).close()
    except duckdb.Error as error:
        reason = first_line(error)
        if not is_lock_conflict(reason):
            return None
        holder = re.search(r"lock is held in (.+) \(PID (\d+)\)", reason)
        return f"held by {holder[1]}, PID {holder[2]}" if holder else reason
    return None


def wait_seconds(environ: dict[str, str] | None = None) -> float:
    """The wait ONCALL_WAREHOUSE_WAIT_SECONDS sets (seconds, 0 or more; empty or unset: the default);
    ValueError naming the variable otherwise."""
    given = (os.environ if environ is None else environ).get(WAIT_VARIABLE, "").strip()
    if not given:
        return DEFAULT_WAIT_SECONDS
    # plain decimal digits only: float() also reads 1_0 and other scripts' digits (operator trial)
    seconds = float(given) if re.fullmatch(r"[0-9]+(\.[0-9]+)?", given, re.ASCII) else -1.0
    if not 0 <= seconds < float("inf"):
        raise ValueError(f"{WAIT_VARIABLE} is {given!r}: give the seconds a dbt command waits for a warehouse "
                         f"another process holds (0 or more; unset, {DEFAULT_WAIT_SECONDS})")
    return seconds


def wait_for_warehouse(path: Path, seconds: float, say: Callable[[str], None], poll_seconds: float = 2.0,
                       read_only: bool = False) -> str | None:
    """None once no other process holds the warehouse at `path`; else, after `seconds`, why not (one line).
    `say` is told once that the command waits: the hourly and the daily run write the same file, and one
    that started while the other held it stopped with dbt-duckdb's traceback and did nothing that hour
    (operator trial); now it runs when the other is done."""
    deadline = time.monotonic() + seconds
    held = lock_holder(path, read_only)
    if held is not None and seconds > 0:
        say(f"{path} is in use by another process ({held}); waiting up to {seconds:g} s for it ({WAIT_VARIABLE}), "
            "Ctrl-C to stop")
    while held is not None and time.monotonic() < deadline:
        time.sleep(max(0.0, min(poll_seconds, deadline - time.monotonic())))
        held = lock_holder(path, read_only)
    if held is None:
        return None
    return (f"{path} is in use by another process ({held})"
            f"{f' after waiting {seconds:g} s' if seconds > 0 else ''}; nothing was run: run again when it is done "
            f"(an hourly run so stopped is caught up by the next; {WAIT_VARIABLE} sets the wait)")


BASE_TABLES_SQL = """
    select table_name from information_schema.columns
    where table_schema = 'staging' and column_name = 'loaded_from' and starts_with(table_name, 'base_')
    order by table_name
"""


def log_input(con: duckdb.DuckDBPyConnection) -> str | None:
    """The logs the warehouse's base tables were loaded from (their `loaded_from`, one input per table), as one
    text: each table's log name is written {log}, so `seed {log}` for the shipped seeds, or
    `read_parquet(<logs_path>/{log}/**/*.parquet` for one's own logs (read options and repeated slashes left
    out, as the build's own input check does); None when no base table has rows."""
    inputs = set()
    for (table,) in con.execute(BASE_TABLES_SQL).fetchall():
        row = con.execute(f'select loaded_from from staging."{table}" limit 1').fetchone()
        if row is not None and row[0] is not None:
            log = table.split("__", 1)[-1]
            # the build's own rule (macro input_location): the files' glob without read options, slashes once
            files = re.match(r"^(read_parquet[(].*?/[*][*]/[*][.]parquet)", row[0])
            location = re.sub("/{2,}", "/", files.group(1)) if files else row[0]
            inputs.add(re.sub(rf"(^seed |/){re.escape(log)}(/|$)", r"\1{log}\2", location))
    return " + ".join(sorted(inputs)) or None


def query_hint(warehouse: str, python: str = ".venv/bin/python") -> str:
    """The command `make build` prints to query the marts, quoted for a shell whatever the path holds
    (spaces, quotes, $, ;): it was pasted into double quotes, so such a path opened another file (operator
    trial). The connection is kept in a variable: a relation outlives no connection."""
    # strings in double quotes (JSON's are Python's too), so that the shell's single quotes stay readable
    code = (f"import duckdb; con = duckdb.connect({json.dumps(warehouse, ensure_ascii=False)}, read_only=True); "
            f"print(con.sql({json.dumps(QUERY)}))")
    return f"{python} -c {shlex.quote(code)}"


def main(argv: list[str] | None = None) -> int:
    """`prepare PATH`: prepare_warehouse, the reason on stderr and exit 2 when dbt could not open it (make
    build, docs and lint run it first). `query-hint PATH`: query_hint."""
    parser = argparse.ArgumentParser(prog="python -m oncall_analytics.warehouse_file", description=main.__doc__)
    parser.add_argument("action", choices=["prepare", "query-hint"])
    parser.add_argument("path", help="the warehouse file (DBT_DUCKDB_PATH)")
    args = parser.parse_args(argv)
    if args.action == "query-hint":
        print(f"Query them with: {query_hint(args.path)}")
        return 0
    if not args.path.strip():
        print("DBT_DUCKDB_PATH is empty: name the DuckDB file the warehouse is built in", file=sys.stderr)
        return NOT_A_WAREHOUSE
    problem = prepare_warehouse(Path(args.path).expanduser())
    if problem:
        print(f"DBT_DUCKDB_PATH: {problem}", file=sys.stderr)
        return NOT_A_WAREHOUSE
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
