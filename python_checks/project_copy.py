"""Build the project on other input files: a throw-away copy of the repo with
some seeds replaced, so tests can feed the models data other than the shipped rows."""
from __future__ import annotations

import shutil
from pathlib import Path

from conftest import PROJECT_DIR

_SKIP = {".venv", ".venv-spark", "target", "logs", "warehouse", ".git", "__pycache__", ".pytest_cache", "dbt_packages",
         "build", "dist"}


def copy_project(destination: Path, replaced_seeds: dict[str, str] | None = None) -> Path:
    """Copy the project's dbt files to `destination`; replaced_seeds maps a seed
    path relative to seeds/ (e.g. 'function_invocations.csv') to its new CSV text."""
    shutil.copytree(PROJECT_DIR, destination, ignore=lambda _dir, names: [n for n in names if n in _SKIP or n.endswith(".egg-info")])
    (destination / "warehouse").mkdir(exist_ok=True)
    for relative_path, text in (replaced_seeds or {}).items():
        (destination / "seeds" / relative_path).write_text(text)
    return destination
