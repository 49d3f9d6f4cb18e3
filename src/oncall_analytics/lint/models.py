"""Rules on models: a key test, public when an exposure reads it, a name that
says its layer (README, "Layout and conventions")."""

import re

from dbt_score import Exposure, Model, RuleViolation, rule

from oncall_analytics.lint.exemptions import exemption

# The tests that make a key: `unique` on a column (dbt's, or the project's
# DuckDB override of it), or the project's unique_combination_of_columns.
KEY_COLUMN_TEST = "unique"
KEY_COMBINATION_TEST = "unique_combination_of_columns"


@rule
def model_has_key_test(model: Model) -> RuleViolation | None:
    """A model has a key test (unique, or unique_combination_of_columns) or a documented exemption."""
    exempt, problem = exemption(model, "model_has_key_test")
    if exempt:
        return problem
    if any(test.type == KEY_COLUMN_TEST for column in model.columns for test in column.tests):
        return None
    if any(test.type == KEY_COMBINATION_TEST for test in model.tests):
        return None
    return RuleViolation(message=f"No key test: add `unique` on the key column or `{KEY_COMBINATION_TEST}`, "
                                 "or a reason in config.meta.lint_exemptions.model_has_key_test.")


@rule
def exposed_model_is_public(model: Model) -> RuleViolation | None:
    """A model that an exposure reads has `access: public`."""
    exposures = sorted(child.name for child in model.children if isinstance(child, Exposure))
    if exposures and model.access != "public":
        return RuleViolation(message=f"Read by {', '.join(exposures)} but access is {model.access}: make it public.")
    return None


def expected_name_pattern(path: str) -> tuple[str, str]:
    """(regex, how to say it) of a model name at `path` (models/<layer>/...)."""
    parts = path.split("/")
    layer = parts[1] if len(parts) > 2 else ""
    if layer == "staging" and len(parts) > 3:
        source = re.escape(parts[2])
        if len(parts) > 4 and parts[3] == "base":
            return rf"base_{source}__[a-z0-9_]+", f"base_{parts[2]}__<entity>"
        return rf"stg_{source}__[a-z0-9_]+", f"stg_{parts[2]}__<entity>"
    if layer == "intermediate":
        return r"int_[a-z0-9_]+__[a-z0-9_]+", "int_<area>__<what it holds>"
    if layer == "marts":
        return r"(?!(stg|int|base)_)[a-z][a-z0-9_]*", "a plain name (the data contract's), not stg_/int_/base_"
    return r"(?!)", "a model under models/staging/<source>/, models/intermediate/ or models/marts/"


@rule
def model_name_fits_its_folder(model: Model) -> RuleViolation | None:
    """Staging models are stg_<source>__<entity> (base/: base_<source>__<entity>) in their source's folder; intermediate int_."""
    pattern, expected = expected_name_pattern(model.original_file_path)
    if not re.fullmatch(pattern, model.name):
        return RuleViolation(message=f"{model.name} at {model.original_file_path}: expected {expected}.")
    return None
