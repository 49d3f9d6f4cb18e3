"""Ids and versions as other writers give them (found by an operator trial): pandas writes an integer id
column with an empty value as float64, so the gateway log's request ids read 1501.0 where the flag and
product logs (int64) say 1501, and a release tag is written with a leading v (v2.5.0). The shipped gateway
logs, written so as Parquet (request ids numbered, the versions tagged), must give the troubleshooting
guide's expected answers: every request joins its flags and products, and step 2 still finds the
regression of release 2.5.0. One shared build, then one incremental run with a new file."""
from __future__ import annotations

import csv

import pandas as pd
import pytest

from conftest import PROJECT_DIR, run_dbt
from hostile import external_vars, rows, write_parquet
from project_copy import copy_project

LOGS = ["api_gateway_logs", "feature_flags", "product_metadata", "infrastructure_metrics", "workflow_tracking"]
STEPS = {   # each step's compared columns (its expected table's, the exact ones)
    "tsg_step02_version_regression": ["service_version", "total_count", "failure_count", "assessment"],
    "tsg_step03_feature_flags": ["flag_name", "flag_value", "request_count", "error_count", "flag_status"],
    "tsg_step08_products": ["product_id", "customer_tier", "total_requests", "affected_users", "product_status"],
}


def _seed(table: str) -> str:
    return f"read_csv('{PROJECT_DIR / 'seeds' / table}.csv', all_varchar = true)"


def _numbered(table: str, id_type: str) -> str:
    """The seed's rows with request_id numbered (1501, 1502, ... in the order of the ids, the same
    number in every log; an empty id stays null) and typed `id_type`."""
    return f"""
        with ids as (
            select request_id, 1500 + row_number() over (order by request_id) as number
            from (select distinct request_id from {_seed('api_gateway_logs')} union select distinct request_id
                  from {_seed('feature_flags')} union select distinct request_id from {_seed('product_metadata')})
            where request_id is not null
        )
        select * replace (cast(ids.number as {id_type}) as request_id)
        from {_seed(table)} as raw_rows left join ids using (request_id)"""


def _expected(step: str) -> list[dict]:
    with open(PROJECT_DIR / "seeds" / "expected" / f"expected_{step}.csv", newline="") as expected:
        return list(csv.DictReader(expected))


@pytest.fixture(scope="module")
def id_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("writer_ids")
    logs = root / "logs"
    # the requests as pandas writes an integer column with a gap: float64, 1501.0; versions tagged v2.5.0
    write_parquet(logs, "api_gateway_logs", f"""
        select * replace (case when regexp_full_match(service_version, '[0-9]+[.][0-9]+[.][0-9]+')
                               then 'v' || service_version else service_version end as service_version)
        from ({_numbered('api_gateway_logs', 'double')})""")
    # flags and products with int64 ids; a second flags file of pandas' float64, whose 1501.5 is no whole id
    write_parquet(logs, "feature_flags", f"select request_id, flag_name, flag_value from ({_numbered('feature_flags', 'bigint')})")
    extra_flags = pd.DataFrame({"request_id": [1501.5, float("nan")], "flag_name": ["stray_flag", "gap_flag"], "flag_value": ["on", "on"]})
    write_parquet(logs, "feature_flags", "select * from extra_flags", part="pandas", frames={"extra_flags": extra_flags})
    write_parquet(logs, "product_metadata", _numbered("product_metadata", "bigint"))
    for table in ("infrastructure_metrics", "workflow_tracking"):
        write_parquet(logs, table, f"select * from {_seed(table)}")
    project = copy_project(root / "p")
    warehouse = project / "warehouse" / "oncall_analytics.duckdb"
    run_dbt(["build", "-s", *(f"+{step}" for step in STEPS), "stg_gateway__feature_flags_quarantine",
             "--exclude", "test_type:unit", "tag:shipped_data", "resource_type:seed", "--vars", external_vars(logs)],
            warehouse, cwd=project)
    return project, logs, warehouse


def test_whole_float_ids_read_as_the_integer_ids_of_the_other_logs(id_build):
    _, _, warehouse = id_build
    # the first request, as each log holds it
    assert rows(warehouse, "select request_id from staging.stg_gateway__api_gateway_logs where request_id like '150_'"
                           " order by 1 limit 2") == [("1501",), ("1502",)]
    assert rows(warehouse, "select count(*) from staging.stg_gateway__api_gateway_logs where request_id like '%.%'") == [(0,)]
    # every in-scope request's flags are found (a request without flags would be silently unflagged)
    unflagged, = rows(warehouse, """
        select count(*) from intermediate.int_gateway__requests_in_scope as requests
        where not exists (select 1 from staging.stg_gateway__feature_flags as flags where flags.request_id = requests.request_id)""")
    assert unflagged == (0,)
    # a float id with a fraction is no integer's: its text as written, nothing rounded; a gap is a missing id
    assert rows(warehouse, "select request_id from staging.stg_gateway__feature_flags where flag_name = 'stray_flag'") == [("1501.5",)]
    assert rows(warehouse, "select quarantine_reason from staging.stg_gateway__feature_flags_quarantine"
                           " where flag_name = 'gap_flag'") == [("request_id is missing",)]


@pytest.mark.parametrize("step", STEPS)
def test_the_guide_gives_its_expected_answers_on_float_ids_and_tagged_versions(id_build, step):
    _, _, warehouse = id_build
    columns = STEPS[step]
    expected = [tuple(row[column] for column in columns) for row in _expected(step)]
    if step == "tsg_step02_version_regression":   # the versions as received, tagged
        expected = [("v" + row[0], *row[1:]) for row in expected]
    actual = rows(warehouse, f"select {', '.join(f'cast({column} as varchar)' for column in columns)} from marts.{step}")
    assert sorted(actual) == sorted(expected)


def test_an_incremental_run_loads_a_new_float_id_once(id_build):
    project, logs, warehouse = id_build
    before, = rows(warehouse, "select count(*) from staging.base_gateway__api_gateway_logs")
    first_file = logs / "api_gateway_logs" / "part-0.parquet"
    write_parquet(logs, "api_gateway_logs", f"""
        select * replace (cast(99999 as double) as request_id, timestamp '2024-03-12 16:29:59' as "timestamp")
        from read_parquet('{first_file}') where request_id = 1501""", part="part-1")
    for _ in range(2):   # the second run finds nothing new
        run_dbt(["run", "-s", "base_gateway__api_gateway_logs", "stg_gateway__api_gateway_logs", "--vars", external_vars(logs)],
                warehouse, cwd=project)
    assert rows(warehouse, "select count(*) from staging.base_gateway__api_gateway_logs") == [(before[0] + 1,)]
    assert sorted(rows(warehouse, "select request_id, quarantine_reason from staging.base_gateway__api_gateway_logs"
                                  " where request_id in ('99999', '1501')")) == [("1501", None), ("99999", None)]
