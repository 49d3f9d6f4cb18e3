"""Sample ratio mismatch check of the canary's traffic split: the package's
oncall_analytics.detection.srm."""
from oncall_analytics.detection.srm import SRM_SCHEMA, srm_check
from oncall_analytics.frames import to_warehouse_frame
from oncall_analytics.parameters import number


def model(dbt, session):
    dbt.config(materialized="table")
    alpha, min_expected_count = number(dbt.config.get("srm_alpha")), number(dbt.config.get("srm_min_expected_count"))
    result = srm_check(dbt.ref("int_serverless__canary_traffic_split"), alpha, min_expected_count)
    return to_warehouse_frame(result, session, SRM_SCHEMA)
