"""The tests' way of running dbt (dbt_process): a fork server that has imported dbt and built its schemas."""
from __future__ import annotations

import dbt_process


def test_the_fork_server_has_imported_dbt_and_built_its_schemas():
    assert dbt_process.in_forked_child(dbt_process.preloaded_modules) == dbt_process.PRELOAD
