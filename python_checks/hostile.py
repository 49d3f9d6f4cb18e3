"""Helpers of the hostile-input suite (test_hostile_*.py): logs as users' tools
write them, in a throw-away project copy or a temporary logs folder."""
from __future__ import annotations

import csv
import io
import json
import os
from contextlib import contextmanager
from pathlib import Path

import duckdb
import yaml

from conftest import PROJECT_DIR


def contract_columns(seed_name: str) -> list[str]:
    """The declared columns of a log's seed, in contract order (seeds/_*__seeds.yml)."""
    for path in sorted((PROJECT_DIR / "seeds").glob("_*__seeds.yml")):
        for seed in yaml.safe_load(path.read_text()).get("seeds", []):
            if seed["name"] == seed_name:
                return [column["name"] for column in seed["columns"]]
    raise KeyError(seed_name)


def contract_csv(seed_name: str, rows: list[dict]) -> str:
    """CSV text with the seed's full header; columns a row leaves out are empty."""
    columns = contract_columns(seed_name)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write_parquet(logs: Path, table: str, select_sql: str, part: str = "part-0", frames: dict | None = None,
                  key_value_metadata: dict[str, str] | None = None) -> None:
    """The rows of `select_sql` (DuckDB SQL; `frames` are pandas frames it may read by name)
    as <logs>/<table>/<part>.parquet, with the column types the query gives them, and
    `key_value_metadata` in the footer (where pandas and Spark keep their own schema)."""
    (logs / table / part).parent.mkdir(parents=True, exist_ok=True)
    metadata = ", ".join(f"{sql_text(key)}: {sql_text(value)}" for key, value in (key_value_metadata or {}).items())
    with duckdb.connect() as con:
        for name, frame in (frames or {}).items():
            con.register(name, frame)
        con.execute(f"copy ({select_sql}) to '{logs / table / part}.parquet' (format parquet"
                    + (f", kv_metadata {{{metadata}}})" if metadata else ")"))


def sql_text(text: str) -> str:
    """`text` as a DuckDB string literal."""
    return "'" + text.replace("'", "''") + "'"


def external_vars(logs: Path, **extra) -> str:
    """--vars for a build on the logs folder `logs`."""
    return json.dumps({"log_source": "external", "logs_path": str(logs), **extra})   # JSON is YAML, quoted safely


@contextmanager
def time_zone(name: str):
    """Run dbt (a subprocess that inherits the environment) in another local time zone:
    DuckDB's session TimeZone follows TZ."""
    previous = os.environ.get("TZ")
    os.environ["TZ"] = name
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = previous


def rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def run_dbt_concurrently(calls: list[tuple[list[str], Path]], workers: int = 4) -> list:
    """run_dbt(args, warehouse, check=False) for each call, a few at a time: dbt's start-up
    (imports, parsing) is most of a compile-only call, and it waits on one core."""
    from concurrent.futures import ThreadPoolExecutor

    from conftest import run_dbt
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda call: run_dbt(call[0], call[1], check=False), calls))


def rename_in_footer(path: Path, renames: dict[str, str]) -> None:
    """Rename columns of the Parquet file `path` in its footer (the schema and the column chunks'
    paths), each to a name of the same length: a schema no DuckDB writer gives, such as two
    columns differing only in case (DuckDB writes the second as `<name>_1`; pyarrow would not)."""
    data = path.read_bytes()
    assert data[-4:] == b"PAR1"
    footer_start = len(data) - 8 - int.from_bytes(data[-8:-4], "little")
    footer = data[footer_start:-8]
    for old, new in renames.items():
        assert len(old.encode()) == len(new.encode()) and old.encode() in footer, (old, new)
        footer = footer.replace(old.encode(), new.encode())
    path.write_bytes(data[:footer_start] + footer + data[-8:])
