"""dbt's checks of the project's YAML and nodes against its JSON schemas, remembered in files shared by the
dbt runs of a test session (dbt_process).

A parse of this project validates some 2,100 values (a node's config, a YAML entry) against the schema of
their class, about half of them distinct: some 0.8 s of a core, and the same values in every run. Each of
the tests' runs installs this: a value that passed is recorded by its class and its exact content, and the
next run skips the schema check of that same value for that same class. Exact means types too (a tuple is
not an array to the schema; 1 is not 1.0 or True; a subclass of str, int or float, such as dbt's validated
strings, is recorded under its own name). A value that fails is never recorded: it is checked, and refused,
every time. A value holding anything but dicts, lists, tuples, strings, numbers, booleans and None is
checked as before.
The checks a class adds after the schema's (dbt's own `validate` overrides) run as before.
"""
from __future__ import annotations

import hashlib
import os
import sys
from importlib.metadata import version

from dbt_common.dataclass_schema import dbtClassMixin

_PLAIN = (str, int, float, bool, type(None))


class _NotPlain(Exception):
    pass


def _exact(value):
    """The value as nested tuples naming each type: equal only for values equal in content and types."""
    kind = type(value)
    if kind in _PLAIN:
        return (kind.__name__, value)
    if kind is dict:
        return ("dict", tuple((_exact(key), _exact(item)) for key, item in value.items()))
    if kind in (list, tuple):
        return (kind.__name__, tuple(_exact(item) for item in value))
    for base, content in ((str, str.__str__), (float, float.__float__), (int, int.__int__)):
        if isinstance(value, base):   # a subclass (dbt's validated strings): named, with its content
            return (f"{kind.__module__}.{kind.__qualname__}", content(value))
    raise _NotPlain(kind.__qualname__)


_VERSIONS = (sys.version, version("dbt-common"), version("dbt-core"), version("jsonschema"))


def cache_key(cls: type, data) -> str | None:
    """The file name recording that `data` passed `cls`'s schema; None for a value that is not plain data."""
    try:
        exact = _exact(data)
    except (_NotPlain, RecursionError):
        return None
    parts = (_VERSIONS, cls.__module__, cls.__qualname__, exact)
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()


def install(folder: str) -> None:
    """From now on, this process's schema checks that passed are recorded in `folder` (created if missing)."""
    os.makedirs(folder, exist_ok=True)
    original = getattr(dbtClassMixin.validate, "uncached", dbtClassMixin.validate.__func__)   # installed twice: the last folder

    def validate(cls, data) -> None:
        key = cache_key(cls, data)
        if key is None:
            return original(cls, data)
        path = os.path.join(folder, key)
        if os.path.exists(path):
            return None
        original(cls, data)   # raises for a value that fails: nothing recorded
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o644))   # an empty file: its name is the record
        return None

    validate.uncached = original
    dbtClassMixin.validate = classmethod(validate)
