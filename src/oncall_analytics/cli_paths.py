"""argparse types of the paths the commands write to, checked before any work is done."""
from __future__ import annotations

import argparse
import json
import os
import stat
from pathlib import Path

DUCKDB_MARK = b"DUCK"   # a DuckDB database file holds it at bytes 8 to 11


def output_file(value: str) -> Path:
    """A file a command writes (a report, a JSON-lines log), checked when the arguments are read: an empty
    path, a folder, or a path under a file would otherwise fail with a traceback after the work (two dbt
    builds for eval-detector) or once deliveries are recorded (notify). Missing folders are created later."""
    if not value.strip():
        raise argparse.ArgumentTypeError("got an empty path; expected a file path")
    path = Path(value).expanduser()   # as the other paths: a quoted ~ made a folder named ~ (operator trial)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"got {value!r}, a folder; expected a file path")
    blocking = next((parent for parent in path.parents if parent.exists() and not parent.is_dir()), None)
    if blocking is not None:
        raise argparse.ArgumentTypeError(f"got {value!r}, but {blocking} is a file, not a folder; expected a file path")
    try:
        target = resolved(path)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"got {value!r}, but {error}; expected a file path") from error
    replaced = not_a_file_to_replace(target)
    if replaced:
        raise argparse.ArgumentTypeError(f"got {value!r}, but {replaced}; give another file")
    problem = unwritable(target)   # the file a link leads to: the link itself is left as it is
    if problem:
        raise argparse.ArgumentTypeError(f"got {value!r}, but {problem}; expected a file this user can write")
    return path


def json_lines_file(value: str) -> Path:
    """output_file for a JSON-lines log a command appends to (notify --jsonl): an existing file must hold JSON
    objects, one a line (the last may be cut short: a crash mid-write), or it is refused. Its last line is cut
    when it lacks a line break, which removed the last line of a text file given by mistake (operator trial)."""
    path = output_file(value)
    target = resolved(path)
    if not target.is_file():
        return path
    with open(target, "rb") as file:
        lines = file.read().split(b"\n")
    whole, last = lines[:-1], lines[-1]
    for number, line in enumerate(whole, start=1):
        try:
            is_object = isinstance(json.loads(line), dict) if line.strip() else True
        except ValueError:
            is_object = False
        if not is_object:
            raise argparse.ArgumentTypeError(f"got {value!r}, whose line {number} is not a JSON object; expected a JSON-lines "
                                             "file this command writes (or a new one)")
    if last and not last.lstrip().startswith(b"{"):
        raise argparse.ArgumentTypeError(f"got {value!r}, whose last line is not a JSON object; expected a JSON-lines file "
                                         "this command writes (or a new one)")
    return path


def not_a_file_to_replace(path: Path) -> str | None:
    """Why a command must not write the existing `path` (links resolved), or None: a named pipe or a socket (opening
    one to test it waited for a reader forever: operator trial), or a DuckDB database (the warehouse given as the
    report's --out was replaced by the report, notify's records in it too: operator trial)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        return "it is a named pipe or a socket, not a file"
    if stat.S_ISREG(mode):
        try:
            with open(path, "rb") as file:
                header = file.read(12)
        except OSError:
            return None   # unwritable says why
        if header[8:12] == DUCKDB_MARK:
            return "it is a DuckDB database (the warehouse?)"
    return None


def resolved(path: Path) -> Path:
    """path.resolve(); a symbolic link loop on the way is a ValueError saying so (Python 3.11 raises a
    RuntimeError, 3.13 an OSError: a traceback from the commands that resolve paths, operator trial)."""
    try:
        return path.resolve()
    except (RuntimeError, OSError) as error:
        raise ValueError(f"a symbolic link on the way to {path} loops ({error})") from error


def unwritable(path: Path) -> str | None:
    """Why a command could not write the file `path` (links resolved: removing the file made for the test
    must not remove a link to a file still to be written), or None. In an existing folder, found by opening
    it for appending (a file made for the test is removed): os.access says yes to root under /proc, where
    the write then failed after eval-detector's builds (operator trial). Under a folder still to be
    created, whether the nearest existing folder above it can be written."""
    if path.parent.is_dir():
        existed = path.exists()
        try:
            with open(path, "a", encoding="utf-8"):
                pass
        except OSError as error:
            return f"it cannot be opened for writing ({error.strerror or error})"
        if not existed:
            path.unlink()
        return None
    existing = next(parent for parent in path.absolute().parents if parent.exists())
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} is not a folder this user can write to"
    return None


def new_folder(value: str) -> Path:
    """A folder a command creates and fills (eval-detector --work-dir), checked when the arguments are read:
    it must not exist yet, and the nearest existing folder above it must be one this user can write to
    (a path under a file, or under /proc, failed with a traceback after the arguments were accepted)."""
    if not value.strip():
        raise argparse.ArgumentTypeError("got an empty path; expected a new folder")
    path = Path(value).expanduser()
    if path.exists():
        raise argparse.ArgumentTypeError(f"got {value!r}, which exists; give a new folder")
    try:
        resolved(path)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"got {value!r}, but {error}; expected a new folder") from error
    existing = next(parent for parent in path.absolute().parents if parent.exists())
    if not existing.is_dir():
        raise argparse.ArgumentTypeError(f"got {value!r}, but {existing} is a file, not a folder; expected a new folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"got {value!r}, but {existing} is not a folder this user can write to")
    return path
