"""The project's unique tests report exactly the repeated keys (DuckDB checks a
hash of the key first, then the key itself, only where the hash repeats)."""
from __future__ import annotations

import json
import re

from conftest import run_dbt

ROWS = "(select * from (values (1, 'a'), (1, 'a'), (1, 'b'), (2, 'b'), (null, 'c'), (null, 'c'), (3, null), (3, null)) as t(k, v))"


def show(tmp_path, sql):
    result = run_dbt(["show", "--inline", sql, "--output", "json", "--limit", "100", "-q"], tmp_path / "w.duckdb")
    rows = json.loads(re.search(r"\{.*\}", result.stdout, re.S).group(0))["show"]
    return sorted((tuple(row.values()) for row in rows), key=repr)


def test_duplicated_keys_finds_each_repeated_combination_nulls_included(tmp_path):
    # (1, 'a') twice, (null, 'c') twice, (3, null) twice; (1, 'b') and (2, 'b') once each
    assert show(tmp_path, "{{ duplicated_keys(\"" + ROWS + "\", ['k', 'v']) }}") == sorted(
        [(1, "a", 2), (None, "c", 2), (3, None, 2)], key=repr)


def test_unique_on_duckdb_ignores_nulls_and_counts_each_repeat(tmp_path):
    assert show(tmp_path, "{{ oncall_analytics.duckdb__test_unique(\"" + ROWS + "\", 'k') }}") == [(1, 3), (3, 2)]


def test_unique_combination_of_columns_passes_on_distinct_keys(tmp_path):
    assert show(tmp_path, "{{ duplicated_keys(\"" + ROWS + "\", ['k', 'v'], \"v = 'b'\") }}") == []


def test_a_test_whose_other_parent_is_not_built_says_which_to_select(tmp_path):
    """A selection that takes a model's test but not the other table it reads (`-s +model+`: a child test of
    the model, whose expected seed or quarantine sibling is not selected) gave DuckDB's 'SELECT clause without
    selection list' or a missing-table error; each test now names the table and how to select it."""
    reconciliation = ("raw_equals_clean_plus_quarantined_workflow_tracking_ref_stg_gateway__workflow_tracking___"
                      "ref_stg_gateway__workflow_tracking_quarantine_")
    result = run_dbt(["test", "-s", "incidents_start_and_root_cause_of_both_methods", reconciliation], tmp_path / "w.duckdb",
                     check=False)
    assert result.returncode != 0
    output = " ".join(result.stdout.split())
    assert ('equals_expected: the expected table "w"."expected"."expected_incidents" is not in the warehouse: select its seed '
            "too (e.g. dbt build -s <model> expected_incidents)") in output
    assert ('raw_equals_clean_plus_quarantined: "w"."staging"."stg_gateway__workflow_tracking" is not built yet, so the rows of '
            '"w"."raw"."workflow_tracking" cannot be accounted for: select it too') in output
