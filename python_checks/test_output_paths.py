"""The files the commands write are checked when the arguments are read (exit 2, naming the argument):
an empty path, a folder, or a path under a file failed with a traceback after eval-detector's two dbt
builds, and after notify had recorded its deliveries (found by an operator trial)."""
from __future__ import annotations

import pytest

from oncall_analytics import eval_detector, notify


@pytest.fixture
def blocked_paths(tmp_path):
    (tmp_path / "a file").write_text("")
    return {"an empty path": "", "a folder": str(tmp_path), "a path under a file": str(tmp_path / "a file" / "out.md")}


def test_eval_detector_refuses_an_unwritable_out_before_any_run(blocked_paths, tmp_path, capsys):
    for kind, value in blocked_paths.items():
        with pytest.raises(SystemExit) as stopped:
            eval_detector.parser().parse_args([str(tmp_path), "--out", value])
        assert stopped.value.code == 2, kind
        assert "argument --out: got " in capsys.readouterr().err, kind


def test_notify_refuses_an_unwritable_jsonl_before_any_delivery(blocked_paths, capsys):
    for kind, value in blocked_paths.items():
        with pytest.raises(SystemExit) as stopped:
            notify.parse_args(["--jsonl", value])
        assert stopped.value.code == 2, kind
        assert "argument --jsonl: got " in capsys.readouterr().err, kind


def test_a_new_file_in_a_new_folder_is_accepted(tmp_path):
    assert eval_detector.parser().parse_args([str(tmp_path), "--out", str(tmp_path / "new" / "report.md")]).out \
        == tmp_path / "new" / "report.md"
    assert notify.parse_args(["--jsonl", str(tmp_path / "alerts.jsonl")]).jsonl == tmp_path / "alerts.jsonl"
