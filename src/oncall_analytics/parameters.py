"""The detection vars as the Python models receive them.

A Python model reads its vars through its YAML `config:` (`"{{ var('x') }}"`)
and `dbt.config.get('x')`, which gives the value as written: 48 or "48",
[3, 4] or "3,4". The on-run-start hook `validate_python_model_vars`
(macros/validation/) has checked every one of them with the project's
validating readers before any model runs, naming the var and the accepted
form when one is wrong; these functions only turn the accepted forms into
Python numbers.
"""
from __future__ import annotations

from oncall_analytics.detection.paging import PagingParams


def integer(value) -> int:
    """An integer var (48 or "48")."""
    return int(str(value).strip())


def number(value) -> float:
    """A number var (5, 5.0 or "5")."""
    return float(str(value).strip())


def number_list(value) -> list[float]:
    """A list var ([3, 4] or "3,4"): its numbers sorted, without repeats."""
    items = value.split(",") if isinstance(value, str) else value
    return sorted({float(str(item).strip()) for item in items})


def integer_list(value) -> list[int]:
    """A list of integers ([24, 48] or "24,48"), sorted, without repeats."""
    return [int(item) for item in number_list(value)]


METHODS = ("notebook", "robust")


def method(value) -> str:
    """anomaly_method: 'notebook' or 'robust' (the hook has checked it)."""
    text = str(value).strip()
    if text not in METHODS:
        raise ValueError(f"anomaly_method must be one of {METHODS}, got {value!r}")
    return text


def time_zone(value) -> str:
    """seasonality_time_zone: an IANA time zone name (the hook has checked it against the tz database)."""
    return str(value).strip()


def paging_params(k, incident_quiet_hours, incident_join_gap_hours, incident_join_min_abs_correlation,
                  incident_join_max_lag_hours) -> PagingParams:
    """The robust method's paging rules at threshold k from the incident_* vars (as dbt.config.get gives
    them: a model must name each key it reads, dbt finds them in its code)."""
    return PagingParams(anomaly_k=number(k), incident_quiet_hours=number(incident_quiet_hours),
                        incident_join_gap_hours=number(incident_join_gap_hours),
                        incident_join_min_abs_correlation=number(incident_join_min_abs_correlation),
                        incident_join_max_lag_hours=number(incident_join_max_lag_hours))
