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
