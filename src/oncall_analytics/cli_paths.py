"""argparse types of the paths the commands write to, checked before any work is done."""
from __future__ import annotations

import argparse
import os
from pathlib import Path


def output_file(value: str) -> Path:
    """A file a command writes (a report, a JSON-lines log), checked when the arguments are read: an empty
    path, a folder, or a path under a file would otherwise fail with a traceback after the work (two dbt
    builds for eval-detector) or once deliveries are recorded (notify). Missing folders are created later."""
    if not value.strip():
        raise argparse.ArgumentTypeError("got an empty path; expected a file path")
    path = Path(value)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"got {value!r}, a folder; expected a file path")
    blocking = next((parent for parent in path.parents if parent.exists() and not parent.is_dir()), None)
    if blocking is not None:
        raise argparse.ArgumentTypeError(f"got {value!r}, but {blocking} is a file, not a folder; expected a file path")
    return path


def new_folder(value: str) -> Path:
    """A folder a command creates and fills (eval-detector --work-dir), checked when the arguments are read:
    it must not exist yet, and the nearest existing folder above it must be one this user can write to
    (a path under a file, or under /proc, failed with a traceback after the arguments were accepted)."""
    if not value.strip():
        raise argparse.ArgumentTypeError("got an empty path; expected a new folder")
    path = Path(value).expanduser()
    if path.exists():
        raise argparse.ArgumentTypeError(f"got {value!r}, which exists; give a new folder")
    existing = next(parent for parent in path.absolute().parents if parent.exists())
    if not existing.is_dir():
        raise argparse.ArgumentTypeError(f"got {value!r}, but {existing} is a file, not a folder; expected a new folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"got {value!r}, but {existing} is not a folder this user can write to")
    return path
