"""Vars are user input: bad values fail at compile time with a message that
names the var, and a quote cannot change the query."""
from __future__ import annotations

import shutil

import pytest

from conftest import run_dbt


def _compile_canary(vars_yaml: str, warehouse):
    return run_dbt(["compile", "-s", "canary_version_comparison", "--vars", vars_yaml], warehouse, check=False)


@pytest.mark.parametrize(
    ("vars_yaml", "message"),
    [
        ("{canary_window_start: '2023-12-01 11:00:00'}", "'canary_window_start' (2023-12-01 11:00:00) is after 'canary_window_end'"),
        ("{canary_window_end: 'yesterday'}", "Invalid var 'canary_window_end'"),
        ("{canary_window_end: '2023-02-30 10:00:00'}", "that is a real date and time"),
        ("{canary_min_invocations: 'many'}", "Invalid var 'canary_min_invocations'"),
        ("{canary_min_invocations: 0}", "an integer >= 1"),
        ("{canary_function_name: ''}", "Invalid var 'canary_function_name'"),
        ("{chain_max_gap_us: -1}", "Invalid var 'chain_max_gap_us'"),
    ],
)
def test_invalid_vars_fail_at_compile_time_naming_the_var(vars_yaml, message, tmp_path):
    if "chain_max_gap_us" in vars_yaml:
        result = run_dbt(["compile", "-s", "int_function_invocations__sequenced", "--vars", vars_yaml], tmp_path / "w.duckdb", check=False)
    else:
        result = _compile_canary(vars_yaml, tmp_path / "w.duckdb")
    assert result.returncode != 0
    assert message in result.stdout


def test_a_quote_in_the_function_name_neither_breaks_nor_widens_the_query(built_warehouse, tmp_path):
    warehouse = tmp_path / built_warehouse.name  # DuckDB names the catalog after the file
    shutil.copy(built_warehouse, warehouse)
    injected = "{canary_function_name: \"image_processor' or '1'='1\"}"
    run_dbt(["run", "-s", "int_function_invocations__canary_window", "canary_version_comparison", "--vars", injected], warehouse)
    import duckdb
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.canary_version_comparison").fetchone() == (0,)
