"""The SQL lint's configuration (.sqlfluff): the base models' folders turn off the layout rules only, on
top of the project's own exclusions, so a rule left out at the root is left out there too."""
from __future__ import annotations

import configparser

from conftest import PROJECT_DIR

BASE_ONLY = {"layout.spacing", "layout.indent", "layout.long_lines", "layout.keyword_newline"}


def excluded_rules(config_file) -> set[str]:
    config = configparser.ConfigParser()
    config.read(config_file)
    return {rule.strip() for rule in config["sqlfluff"]["exclude_rules"].split(",")}


def test_every_base_folder_excludes_the_projects_rules_and_the_layout_rules_only():
    base_folders = sorted({path.parent for path in (PROJECT_DIR / "models").glob("staging/*/base/*.sql")})
    assert len(base_folders) >= 4
    for folder in base_folders:
        assert excluded_rules(folder / ".sqlfluff") == excluded_rules(PROJECT_DIR / ".sqlfluff") | BASE_ONLY, folder
