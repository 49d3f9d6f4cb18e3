"""`python -m oncall_analytics tsg`: re-run the troubleshooting guide for an alert's scope.

This is where vars come from another system (an alert's region, service,
environment and times), so it is the project's trust boundary for them. dbt
renders Jinja inside `--vars` values before the project's own checks see them
(a value "{{ run_query('drop table ...') }}" runs the drop), so the project's
var validation guards against mistakes, not attacks. This command accepts only
the documented forms, rejects anything else (exit code 2, nothing run) with a
message naming the argument and the accepted form, builds the `--vars` as JSON
itself, and runs `dbt build -s +tsg_action_plan --exclude tag:shipped_data`
(without the exclusion on --logs-path: those tests are off on your own logs)
with the dbt next to this Python, passing dbt's exit code through. The
warehouse is DBT_DUCKDB_PATH, read from the folder the command is started in,
its folder created and opened once first, so that a path dbt cannot open is
one line (exit code 2), not dbt's traceback.

    python -m oncall_analytics tsg --region eu-central --service api.gateway.main --environment prod \\
        --start "2024-03-12 14:00:00" --end "2024-03-12 16:00:00" [--sla 99.9] [--logs-path /data/logs] \\
        [--target dev] [--project-dir DIR] [--dry-run]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import yaml

from oncall_analytics import cli_paths
from oncall_analytics.warehouse_file import log_input, prepare_warehouse

# The guide and everything it reads, with their tests, except the tests tagged
# shipped_data: they assert the shipped incident's answers, which another scope
# rightly does not give. With your own logs they are disabled by their own
# config (enabled only when log_source is seeds), so the exclusion is left out
# there: matching no enabled node, it made dbt warn on every --logs-path run.
SELECTION = ["-s", "+tsg_action_plan"]
NOT_SHIPPED_DATA = ["--exclude", "tag:shipped_data"]
ENVIRONMENTS = ("dev", "staging", "prod")      # the values tsg_environment accepts (var_one_of in the models)
NAME_FORM = "1-64 characters of A-Z a-z 0-9 . _ -"
TIMESTAMP_FORM = "a UTC timestamp 'YYYY-MM-DD HH:MM:SS[.ffffff]' in the years 2000-2099"
SLA_FORM = "a plain decimal number greater than 0 and less than 100, with at most 9 decimals, e.g. 99.9"
TARGET_FORM = "1-64 characters of A-Z a-z 0-9 _ -"
# Characters a path may not hold: Jinja delimiters (dbt renders var values),
# SQL quotes, glob patterns (a `*` would read other folders) and control characters.
PATH_FORBIDDEN = re.compile(r"[{}'\"\\*?\[\]\x00-\x1f\x7f]")
PATH_FORM = "an existing folder whose path has none of { } ' \" \\ * ? [ ] or control characters"
# profiles.yml's warehouse when DBT_DUCKDB_PATH is not set, in the project folder (where dbt runs)
DEFAULT_WAREHOUSE = "warehouse/oncall_analytics.duckdb"

# Explicit ASCII classes: `\d` and `\w` would accept other scripts' digits and letters.
_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
_TARGET = re.compile(r"[A-Za-z0-9_-]{1,64}")
_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?")
_DECIMAL = re.compile(r"[0-9]{1,3}(\.[0-9]{1,9})?")


def _shown(value: str) -> str:
    """The rejected value as a short, printable excerpt: it may be long or hold control characters."""
    # ascii() escapes look-alikes (Cyrillic 'о' in "prod" shows as \u043e) and control characters
    text = ascii(value[:60]) + ("..." if len(value) > 60 else "")
    return f"{text} ({len(value)} characters)"


def _checked(pattern: re.Pattern, form: str):
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise argparse.ArgumentTypeError(f"got {_shown(value)}; expected {form}")
        return value
    return check


def _environment(value: str) -> str:
    if value not in ENVIRONMENTS:
        raise argparse.ArgumentTypeError(f"got {_shown(value)}; expected one of {', '.join(ENVIRONMENTS)}")
    return value


def _timestamp(value: str) -> datetime:
    if not _TIMESTAMP.fullmatch(value):
        raise argparse.ArgumentTypeError(f"got {_shown(value)}; expected {TIMESTAMP_FORM}")
    try:
        moment = datetime.strptime(value, "%Y-%m-%d %H:%M:%S.%f" if "." in value else "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {_shown(value)}; expected {TIMESTAMP_FORM} that is a real date and time") from None
    if not 2000 <= moment.year <= 2099:
        raise argparse.ArgumentTypeError(f"got {_shown(value)}; expected {TIMESTAMP_FORM}")
    return moment


def _sla(value: str) -> float:
    # a plain decimal only: no sign, exponent, nan, inf, hex or underscores
    if not _DECIMAL.fullmatch(value) or not 0 < float(value) < 100:
        raise argparse.ArgumentTypeError(f"got {_shown(value)}; expected {SLA_FORM}")
    return float(value)


def _logs_path(value: str) -> Path:
    # checked as given, as passed on and with its links resolved: the current folder or a link target could
    # bring the characters back. Passed on absolute but with its links kept, as the scheduled build names it:
    # the warehouse's rows record the path they were read from, and the README's way around a partition-like
    # folder in a path is a symbolic link
    try:
        resolved = cli_paths.resolved(Path(value)) if value and "\x00" not in value else None
    except ValueError as error:   # a symbolic link loop on the way
        raise argparse.ArgumentTypeError(f"got {_shown(value)}, but {error}; expected {PATH_FORM}") from error
    absolute = Path(os.path.abspath(value)) if resolved is not None else None
    if resolved is None or any(PATH_FORBIDDEN.search(str(path)) for path in (value, absolute, resolved)) or not resolved.is_dir():
        raise argparse.ArgumentTypeError(f"got {_shown(value)}; expected {PATH_FORM}")
    return absolute


def _is_this_project(folder: Path) -> bool:
    project_file = folder / "dbt_project.yml"
    return project_file.is_file() and re.search(r"^name: *['\"]?oncall_analytics['\"]? *$", project_file.read_text(), re.M) is not None


def _project_dir(value: str) -> Path:
    try:
        path = cli_paths.resolved(Path(value))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"got {_shown(value)}, but {error}; expected the folder of the oncall_analytics dbt project") from error
    if not _is_this_project(path):
        raise argparse.ArgumentTypeError(f"got {_shown(value)}; expected the folder of the oncall_analytics dbt project")
    return path


def _default_project_dir() -> str:
    """The current folder when it is this project (as for dbt and the README's
    commands), else the checkout this package is installed from (`make setup`)."""
    return str(Path.cwd() if _is_this_project(Path.cwd()) else Path(__file__).resolve().parents[2])


def _is_duckdb_target(project_dir: Path, target: str | None) -> bool:
    """Whether the run's target in the project's profiles.yml is DuckDB: the others (spark) have no warehouse file."""
    profile = yaml.safe_load((project_dir / "profiles.yml").read_text())["oncall_analytics"]
    return profile["outputs"].get(target or profile["target"], {}).get("type") == "duckdb"


def warehouse_path(project_dir: Path) -> Path | None:
    """The DuckDB file the run builds, absolute (dbt runs in the project folder, so it gets this path): a relative
    DBT_DUCKDB_PATH is read from the folder this command was started in, as the README's
    `DBT_DUCKDB_PATH=warehouse/incident-42.duckdb` means; unset, profiles.yml's default in the project.
    None when it is set empty (dbt would build a warehouse in memory and keep nothing)."""
    given = os.environ.get("DBT_DUCKDB_PATH")
    if given is None:
        return project_dir / DEFAULT_WAREHOUSE
    if not given.strip():
        return None
    try:
        return cli_paths.resolved(Path(given).expanduser())   # ~ as DuckDB reads it
    except ValueError:   # a symbolic link loop: prepare_warehouse says the file cannot be opened
        return Path(os.path.abspath(os.path.expanduser(given)))


def _warehouse_problem(warehouse: Path | None, logs_path: Path | None) -> str | None:
    """Why dbt could not open the run's warehouse, or could not run the guide on it without --logs-path (one
    line, naming where the path comes from), or None."""
    if warehouse is None:
        return "DBT_DUCKDB_PATH is set but empty; unset it (the project's warehouse) or name a DuckDB file"
    origin = "DBT_DUCKDB_PATH" if os.environ.get("DBT_DUCKDB_PATH") else "the project's warehouse"
    problem = prepare_warehouse(warehouse) or (_logs_path_missing(warehouse) if logs_path is None else None)
    return f"{origin}: {problem}; nothing was run" if problem else None


def _logs_path_missing(warehouse: Path) -> str | None:
    """Why a run without --logs-path cannot use a warehouse built from one's own logs, naming their folder: dbt
    stopped such a run advising `dbt build --full-refresh`, which would rebuild it from the shipped seeds in
    the middle of an incident (operator trial). None for a warehouse of the seeds, or a new one."""
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            built_from = log_input(con)
    except duckdb.Error:   # taken by another process since it was prepared: dbt's own wait and message follow
        return None
    if built_from is None or built_from.startswith("seed "):
        return None
    folder = re.match(r"read_parquet\((.*?)/\{log\}/", built_from)
    logs = folder.group(1) if folder else built_from
    return (f"{warehouse} holds your own logs ({logs}): give --logs-path {shlex.quote(logs)} to run the guide on them, or "
            "name another warehouse in DBT_DUCKDB_PATH for the shipped seeds")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m oncall_analytics tsg",
        allow_abbrev=False,                     # only the documented option names
        description="Re-run the troubleshooting guide (dbt build -s +tsg_action_plan) for one incident's scope, "
                    "with validated arguments. The action plan is then in marts.tsg_action_plan.",
        epilog="The warehouse is DBT_DUCKDB_PATH (default: warehouse/oncall_analytics.duckdb in the project); "
               "a relative path is read from the folder this command is started in, and its folder is created. "
               "Give each --logs-path folder its own warehouse, e.g. DBT_DUCKDB_PATH=warehouse/incident-42.duckdb.",
    )
    p.add_argument("--region", required=True, type=_checked(_NAME, NAME_FORM), help=f"the affected region ({NAME_FORM})")
    p.add_argument("--service", required=True, type=_checked(_NAME, NAME_FORM), help=f"the affected service ({NAME_FORM})")
    p.add_argument("--environment", required=True, type=_environment, help=f"one of {', '.join(ENVIRONMENTS)}")
    p.add_argument("--start", required=True, type=_timestamp, help=f"incident start, {TIMESTAMP_FORM}")
    p.add_argument("--end", required=True, type=_timestamp, help=f"incident end (or now), {TIMESTAMP_FORM}; after --start")
    p.add_argument("--sla", type=_sla, help=f"availability the scope must meet, in %% ({SLA_FORM}); default: tsg_sla_threshold")
    p.add_argument("--logs-path", type=_logs_path,
                   help="your own logs (log_source: external), the folder of <table>/**/*.parquet (any depth); "
                        "default: the shipped seeds")
    p.add_argument("--target", type=_checked(_TARGET, TARGET_FORM), help="dbt target of profiles.yml (default: its default, dev)")
    p.add_argument("--project-dir", type=_project_dir, default=_default_project_dir(),
                   help="the dbt project (default: the current folder if it is the project, else the checkout this package is installed from)")
    p.add_argument("--dry-run", action="store_true", help="print the dbt command and run nothing")
    return p


def _timestamp_text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f" if moment.microsecond else "%Y-%m-%d %H:%M:%S")


def dbt_vars(args: argparse.Namespace) -> dict:
    """The --vars of the run, from validated arguments only."""
    values = {
        "tsg_region": args.region,
        "tsg_service_name": args.service,
        "tsg_environment": args.environment,
        "tsg_incident_start": _timestamp_text(args.start),
        "tsg_end_time": _timestamp_text(args.end),
    }
    if args.sla is not None:
        values["tsg_sla_threshold"] = args.sla
    if args.logs_path is not None:
        values.update(log_source="external", logs_path=str(args.logs_path))
    return values


def dbt_command(args: argparse.Namespace) -> list[str]:
    dbt = str(Path(sys.executable).with_name("dbt"))
    exclude = [] if args.logs_path is not None else NOT_SHIPPED_DATA
    command = [dbt, "build", *SELECTION, *exclude, "--vars", json.dumps(dbt_vars(args), sort_keys=True),
               "--project-dir", str(args.project_dir), "--profiles-dir", str(args.project_dir)]
    if args.target:
        command += ["--target", args.target]
    return command


def main(argv: list[str]) -> int:
    p = parser()
    try:
        args = p.parse_args(argv)
    except SystemExit as stop:                  # argparse: exit 2 on a rejected argument, 0 on --help
        return int(stop.code or 0)
    if args.start >= args.end:
        p.print_usage(sys.stderr)
        print(f"{p.prog}: error: argument --start ({_timestamp_text(args.start)}) must be before --end "
              f"({_timestamp_text(args.end)})", file=sys.stderr)
        return 2
    command = dbt_command(args)
    on_duckdb = _is_duckdb_target(args.project_dir, args.target)
    if args.dry_run:   # with the warehouse the run would use: pasted without it, the command built the default one
        warehouse = warehouse_path(args.project_dir) if on_duckdb else None
        if on_duckdb and warehouse is None:
            print(f"{p.prog}: error: {_warehouse_problem(None, args.logs_path)}", file=sys.stderr)
            return 2
        print((f"DBT_DUCKDB_PATH={shlex.quote(str(warehouse))} " if warehouse else "") + shlex.join(command))
        return 0
    if not Path(command[0]).is_file():
        print(f"{p.prog}: error: dbt not found next to this Python ({command[0]}); run `make setup`", file=sys.stderr)
        return 1
    env = dict(os.environ)
    if on_duckdb:
        warehouse = warehouse_path(args.project_dir)
        problem = _warehouse_problem(warehouse, args.logs_path)
        if problem:
            print(f"{p.prog}: error: {problem}", file=sys.stderr)
            return 2
        env["DBT_DUCKDB_PATH"] = str(warehouse)
    print(f"running: {shlex.join(command)}", file=sys.stderr, flush=True)
    return subprocess.run(command, cwd=args.project_dir, env=env).returncode
