"""The project's own metadata rules for dbt-score (`make lint`).

dbt-score (pinned in requirements.txt; the `lint` extra of pyproject.toml)
loads every rule of this package, as `[tool.dbt-score]` in pyproject.toml
says, and runs them on target/manifest.json: no warehouse, no build. Only
the lint imports this package; the Python models never do, so a remote
warehouse does not need dbt-score.

A node that rightly breaks a rule says so in its YAML, with the reason:
`config: {meta: {lint_exemptions: {<rule name>: "<why>"}}}` (exemptions.py).

The rule modules do not use `from __future__ import annotations`: dbt-score
reads each rule's argument annotation (Model, Source, ...) at import time.
"""
