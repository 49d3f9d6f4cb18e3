"""A dirty invocation log builds without a crash: every bad row is in the
quarantine with its reason, the clean rows reach the marts, counts reconcile."""
from __future__ import annotations

import duckdb
import pytest

from conftest import PROJECT_DIR, run_dbt
from project_copy import copy_project

FIXTURE = PROJECT_DIR / "python_checks" / "fixtures" / "dirty" / "function_invocations.csv"


@pytest.fixture(scope="module")
def dirty_build(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("dirty") / "p", {"function_invocations.csv": FIXTURE.read_text()})
    warehouse = project / "warehouse" / "oncall_analytics.duckdb"
    run_dbt(["seed", "-s", "function_invocations"], warehouse, cwd=project)
    run_dbt(["build", "-s", "function_invocations", "path:models/staging/serverless",
             "path:models/intermediate/serverless", "path:models/marts/serverless",
             # a dirty log is mostly quarantined: the quarantined_share test's failure is test_hostile_text_logs' business
             "--exclude", "test_name:equals_expected", "test_name:quarantined_share", "tag:shipped_data"], warehouse, cwd=project)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        clean = {row[0]: row for row in con.execute(
            "select invocation_id, function_name, status, duration_ms, memory_used_mb"
            " from staging.stg_serverless__function_invocations").fetchall()}
        quarantined = con.execute(
            "select invocation_id, quarantine_reason from staging.stg_serverless__function_invocations_quarantine").fetchall()
        (raw,), = con.execute("select count(*) from raw.function_invocations").fetchall()
    return clean, quarantined, raw


def test_counts_reconcile(dirty_build):
    clean, quarantined, raw = dirty_build
    assert raw == 17
    assert len(clean) + len(quarantined) == raw


def test_clean_rows_are_normalised(dirty_build):
    clean, _, _ = dirty_build
    assert sorted(clean) == ["dup_same", "ok_001", "ok_002", "ok_003"]
    assert clean["ok_002"][2] == "ERROR" and clean["ok_003"][2] == "SUCCESS"
    assert clean["ok_003"][1] == "image_processor"          # padded name trimmed
    assert clean["ok_003"][3] is None and clean["ok_003"][4] is None  # empty numbers are unknown, not bad


def test_every_bad_row_has_its_reason(dirty_build):
    _, quarantined, _ = dirty_build
    reasons = {}
    for invocation_id, reason in quarantined:
        reasons.setdefault(invocation_id, []).append(reason)
    assert reasons["bad_ts"] == ["start_timestamp is not a timestamp"]
    assert reasons["bad_month"] == ["start_timestamp is not a timestamp"]
    assert reasons["bad_order"] == ["end_timestamp is before start_timestamp"]
    assert reasons["bad_neg"] == ["duration_ms is below 0"]
    assert reasons["bad_status"] == ["status is not one of SUCCESS, ERROR"]
    assert reasons["bad_text"] == ["version_id is not an integer; duration_ms is not a number; memory_used_mb is not a number"]
    assert reasons[None] == ["invocation_id is missing"]
    assert reasons["bad_nofn"] == ["function_name is missing"]
    assert reasons["dup_same"] == ["exact duplicate of another row"]
    assert reasons["dup_diff"] == ["invocation_id repeated with different values"] * 2
    assert reasons["bad_empty"] == ["function_name is missing; version_id is missing; start_timestamp is missing; "
                                    "end_timestamp is missing; status is missing"]
    assert reasons["bad,quote"] == ["status is not one of SUCCESS, ERROR"]


def test_epoch_times_in_a_seed_are_not_sent_to_a_setting_seeds_cannot_read(tmp_path):
    """A seed of epoch numbers is quarantined whole, loudly; the hint said to declare epoch_unit, which only
    log_source external reads (operator trial): for a seed it says to write ISO times, or load Parquet."""
    epoch = "service_name,metric_name,observed_at,value\n" + "".join(
        f"svc,m,{1714953600000 + 300000 * i},1.0\n" for i in range(12))
    project = copy_project(tmp_path / "p", {"service_metrics.csv": epoch})
    result = run_dbt(["build", "-s", "service_metrics", "base_metrics__service_metrics", "--exclude", "tag:shipped_data",
                      "test_type:unit"], project / "warehouse" / "w.duckdb", cwd=project, check=False)
    output = " ".join(result.stdout.split())
    assert result.returncode != 0 and "12 of its 12 distinct rows (100.0 %) are quarantined" in output, output[-3000:]
    assert "may be epoch numbers, which a seed cannot declare: write ISO 8601 times in the CSV, or load the log as Parquet" in output
