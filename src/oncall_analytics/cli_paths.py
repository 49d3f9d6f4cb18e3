"""argparse types of the paths the commands write to, checked before any work is done."""
from __future__ import annotations

import argparse
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
