"""A dbt-duckdb plugin that imports numpy and pandas in the background.

The first Python model of a run otherwise pays for those imports on the
run's critical path (measured in bench/README.md), while the base models
before it leave the interpreter idle (DuckDB releases the GIL while it runs
SQL). profiles.yml names this module under `plugins:`;
dbt-duckdb creates the plugin when it opens the warehouse, before any model.

Only third-party modules are warmed: they never import this package, so the
import lock a model's own import waits on cannot be held the other way round
(no cross-thread import cycle). The thread is not a daemon: a command that
ends first waits for the import to finish rather than stopping it midway.
"""
from __future__ import annotations

import importlib
import threading
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

MODULES = ("numpy", "pandas")


def import_modules(modules: tuple[str, ...] = MODULES) -> None:
    for name in modules:
        importlib.import_module(name)


class Plugin(BasePlugin):
    """Starts the imports on a thread of their own; nothing else."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self.thread = threading.Thread(target=import_modules, name="oncall-analytics-warm-imports")
        self.thread.start()
