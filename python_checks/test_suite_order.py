"""The suite's own scheduling (conftest.py): the longest files are handed to the workers first, in the
listed order, and pytest-xdist does not sort them again by their number of tests."""
from __future__ import annotations

from conftest import LONGEST_FILES_FIRST, PROJECT_DIR


def test_the_listed_files_exist_once_each():
    assert len(set(LONGEST_FILES_FIRST)) == len(LONGEST_FILES_FIRST)
    assert [name for name in LONGEST_FILES_FIRST if not (PROJECT_DIR / "python_checks" / name).is_file()] == []


def test_xdist_keeps_the_collection_order(pytestconfig):
    assert pytestconfig.option.loadscopereorder is False
