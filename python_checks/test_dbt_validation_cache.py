"""The tests' record of dbt's schema checks that passed (dbt_validation_cache, used by every dbt run of the
suite): a value that passed is not checked again, one that failed is checked and refused every time, and
values that differ only in their types are different values."""
from __future__ import annotations

import dbt_validation_cache
import pytest
from dbt.artifacts.resources.v1.config import NodeConfig
from dbt_common.dataclass_schema import ValidationError, dbtClassMixin


@pytest.fixture
def checks(tmp_path, monkeypatch):
    """The schema checks that really ran (the class and value of each), with the cache installed."""
    ran = []
    schema_check = dbtClassMixin.validate.__func__
    # restored after the test (monkeypatch keeps the class's own attribute, the classmethod)
    monkeypatch.setattr(dbtClassMixin, "validate", classmethod(lambda cls, data: (ran.append((cls, data)), schema_check(cls, data))[1]))
    dbt_validation_cache.install(str(tmp_path / "passed"))
    return ran


def test_a_value_that_passed_is_not_checked_again(checks):
    NodeConfig.validate({"materialized": "table", "tags": ["a"]})
    NodeConfig.validate({"materialized": "table", "tags": ["a"]})
    assert len(checks) == 1
    NodeConfig.validate({"materialized": "view", "tags": ["a"]})
    assert len(checks) == 2


def test_a_value_that_failed_is_refused_every_time(checks):
    for _ in range(2):
        with pytest.raises(ValidationError):
            NodeConfig.validate({"materialized": "table", "tags": 42})
    assert len(checks) == 2


def test_values_equal_but_for_their_types_are_checked_each():
    key = dbt_validation_cache.cache_key
    keys = {key(NodeConfig, {"tags": ["a"]}), key(NodeConfig, {"tags": ("a",)}),
            key(NodeConfig, {"n": 1}), key(NodeConfig, {"n": 1.0}), key(NodeConfig, {"n": True})}
    assert len(keys) == 5
    assert key(NodeConfig, {"tags": ["a"]}) in keys and key(dbtClassMixin, {"tags": ["a"]}) not in keys


def test_a_value_holding_other_objects_is_checked_every_time(checks):
    assert dbt_validation_cache.cache_key(NodeConfig, {"meta": {"at": object()}}) is None
    with pytest.raises(ValidationError):
        NodeConfig.validate({"materialized": object()})
    with pytest.raises(ValidationError):
        NodeConfig.validate({"materialized": object()})
    assert len(checks) == 2
