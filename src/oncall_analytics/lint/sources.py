"""Rules on sources: described, fresh, declared beside the staging models that
read them, and read by them (lineage shows where the logs enter)."""

from dbt_score import Model, RuleViolation, Source, rule

from oncall_analytics.lint.exemptions import exemption


@rule
def source_is_described(source: Source) -> RuleViolation | None:
    """A source and each of its tables have a description."""
    missing = [what for what, text in (("source", source.source_description), ("table", source.description)) if not text.strip()]
    if missing:
        return RuleViolation(message=f"No description on the {' or the '.join(missing)}.")
    return None


@rule
def source_has_freshness(source: Source) -> RuleViolation | None:
    """A source table has a freshness check (warn_after or error_after), or a documented exemption."""
    exempt, problem = exemption(source, "source_has_freshness")
    if exempt:
        return problem
    freshness = source.freshness or {}
    if any((freshness.get(level) or {}).get("count") for level in ("warn_after", "error_after")):
        return None
    return RuleViolation(message="No freshness: add config.freshness (and loaded_at_query), "
                                 "or a reason in config.meta.lint_exemptions.source_has_freshness.")


def staging_folder(source: Source) -> str:
    return f"models/staging/{source.source_name}/"


@rule
def source_is_in_its_staging_folder(source: Source) -> RuleViolation | None:
    """A source is declared in models/staging/<source name>/_<source name>__sources.yml."""
    expected = f"{staging_folder(source)}_{source.source_name}__sources.yml"
    if source.original_file_path != expected:
        return RuleViolation(message=f"Declared in {source.original_file_path}, expected {expected}.")
    return None


@rule
def source_feeds_its_staging_models(source: Source) -> RuleViolation | None:
    """A source table is read by a model of its staging folder, and only there (its lineage in dbt docs)."""
    readers = [child for child in source.children if isinstance(child, Model)]
    if not readers:
        return RuleViolation(message=f"No model reads it: its staging model should call source() (raw_table does) in {staging_folder(source)}.")
    elsewhere = sorted(child.name for child in readers if not child.original_file_path.startswith(staging_folder(source)))
    if elsewhere:
        return RuleViolation(message=f"Read outside {staging_folder(source)}: {', '.join(elsewhere)}.")
    return None
