"""Documented exemptions: a node's YAML names the rule it rightly breaks and
why, `config: {meta: {lint_exemptions: {<rule name>: "<why>"}}}`."""
from __future__ import annotations

from typing import Any

from dbt_score import RuleViolation


def _meta(evaluable: Any) -> dict:
    meta = dict(getattr(evaluable, "meta", None) or {})
    meta.update((getattr(evaluable, "config", None) or {}).get("meta") or {})
    return meta


def exemption(evaluable: Any, rule_name: str) -> tuple[bool, RuleViolation | None]:
    """(exempt, problem): whether `evaluable`'s YAML exempts it from `rule_name`,
    and a violation when that exemption gives no reason."""
    reason = (_meta(evaluable).get("lint_exemptions") or {}).get(rule_name)
    if reason is None:
        return False, None
    if not isinstance(reason, str) or not reason.strip():
        return True, RuleViolation(message=f"The exemption from {rule_name} needs its reason as text.")
    return True, None
