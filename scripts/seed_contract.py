"""The data contract's columns of a seed, read from the seeds' YAML: the one
place they are declared (the staging kit reads the same declarations), so the
seed generators write headers and rows in that order and never list them."""
from __future__ import annotations

from pathlib import Path

import yaml

SEEDS_DIR = Path(__file__).resolve().parents[1] / "seeds"


def contract_columns(seed_name: str) -> list[str]:
    """The declared columns of seed `seed_name`, in contract order."""
    for path in sorted(SEEDS_DIR.glob("_*__seeds.yml")):
        for seed in yaml.safe_load(path.read_text()).get("seeds", []):
            if seed["name"] == seed_name:
                return [column["name"] for column in seed["columns"]]
    raise KeyError(f"no seed {seed_name!r} is declared in {SEEDS_DIR}/_*__seeds.yml")


def in_contract_order(record: dict, columns: list[str]) -> list:
    """The values of `record` in contract order; an error if its keys are not exactly the contract's."""
    if set(record) != set(columns):
        raise ValueError(f"row columns {sorted(set(record) ^ set(columns))} differ from the contract")
    return [record[column] for column in columns]
