"""Vars are user input: bad values fail at compile time with a message that
names the var, and a quote cannot change the query."""
from __future__ import annotations

import shutil

import duckdb
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


def test_a_canary_that_names_no_invocation_warns_naming_the_functions_that_ran(built_warehouse, tmp_path):
    """A canary_function_name the log does not hold (a typo) left canary_version_comparison empty, and the build
    passed without a word (operator trial). Asked for on the command line, an empty canary window warns, naming
    the functions that ran in it, or the log's span when none did; vars left at their defaults say nothing."""
    warehouse = tmp_path / built_warehouse.name
    shutil.copy(built_warehouse, warehouse)

    def build(*vars_yaml: str) -> str:
        result = run_dbt(["build", "-s", "int_function_invocations__canary_window", "--target-path", str(tmp_path / "target"),
                          *(["--vars", vars_yaml[0]] if vars_yaml else [])], warehouse)
        assert " ERROR=0 " in result.stdout, result.stdout[-2000:]
        return " ".join(result.stdout.split())

    typo = build("{canary_function_name: image_procesor}")
    assert " WARN=1 " in typo and "canary: no invocation of 'image_procesor' started between 2023-12-01 10:00:00 and " in typo
    assert "so canary_version_comparison has no row. Functions invoked then: 'image_processor' (" in typo
    elsewhere = build("{canary_window_start: '2020-01-01 00:00:00', canary_window_end: '2020-01-02 00:00:00'}")
    assert "No function was invoked then: the log's invocations run from 2023-" in elsewhere
    assert " WARN=0 " in build()


def test_the_shipped_split_left_for_another_canary_is_not_a_mismatch(built_warehouse, tmp_path):
    """payment_webhook's versions 7 and 8 under the shipped split (versions 1 and 2) read SAMPLE_RATIO_MISMATCH at
    chi-square inf (operator trial): SPLIT_NOT_CONFIGURED, until its own split is given."""
    warehouse = tmp_path / built_warehouse.name
    shutil.copy(built_warehouse, warehouse)
    canary = "canary_function_name: payment_webhook, canary_window_start: '2023-12-01 23:00:00', canary_window_end: '2023-12-02 01:00:00'"

    def verdict(split: str = "") -> str:
        run_dbt(["build", "-s", "int_function_invocations__canary_window", "int_serverless__canary_traffic_split", "srm_check",
                 "--target-path", str(tmp_path / "target"), "--vars", f"{{{canary}{split}}}"], warehouse)
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute("select verdict from marts.srm_check").fetchone()[0]

    assert verdict() == "SPLIT_NOT_CONFIGURED"
    assert verdict(", canary_expected_split: {7: 50, 8: 50}") != "SPLIT_NOT_CONFIGURED"
    assert verdict(", canary_expected_split: {1: 50, 2: 50}") == "SAMPLE_RATIO_MISMATCH"   # given: a routing failure
