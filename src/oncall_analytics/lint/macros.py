"""Rules on macros: each macro a model or a user calls is described."""

from dbt_score import Macro, RuleViolation, rule

# Not described one by one: helpers (`_name`) and adapter.dispatch
# implementations, whose dispatching macro carries the description.
UNDOCUMENTED_PREFIXES = ("_", "default__", "duckdb__", "spark__")


@rule
def macro_is_described(macro: Macro) -> RuleViolation | None:
    """A macro, other than a `_` helper or a dispatch implementation, has a description."""
    if macro.name.startswith(UNDOCUMENTED_PREFIXES) or macro.description.strip():
        return None
    return RuleViolation(message="No description: describe it in the macros' YAML beside it.")
