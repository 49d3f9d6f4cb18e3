"""`make eval-detector` (oncall_analytics.eval_detector): the detector run through dbt on a labelled folder
and scored. One run of the README's command on the tiny sample (labelled_sample.py: its figures are
obvious) for the module, both methods; the README test leaves that command to this file (RUN_BY_OTHER_FILES),
which runs it as written and keeps what it builds. Bad folders are refused before dbt runs."""
from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from labelled_sample import EXPECTED_PER_SERIES, EXPECTED_TOTAL, frames

from conftest import PROJECT_DIR
from oncall_analytics import eval_detector, evaluation
from readme_commands import RUN_BY_OTHER_FILES, readme_commands, users_shell_env

SAMPLE = PROJECT_DIR / "python_checks" / "fixtures" / "labelled_sample"
README_COMMAND = next(c for c in readme_commands(PROJECT_DIR / "README.md")
                      if RUN_BY_OTHER_FILES.get(c.text) == Path(__file__).name)   # make eval-detector DATA=<the sample>


def test_the_committed_sample_is_what_its_generator_writes():
    metrics, windows = frames()
    committed = pd.read_csv(SAMPLE / "metrics.csv.gz")
    pd.testing.assert_frame_equal(committed, metrics.astype({"observed_at": str}), check_exact=False, rtol=1e-12)
    assert json.loads((SAMPLE / "windows.json").read_text()) == windows


@pytest.fixture(scope="module")
def through_dbt(tmp_path_factory):
    """The README's command as written, in a user's shell in the project folder. EVAL_ARGS, set in the
    environment (make reads it there as from its command line), keeps the work folder and writes the report."""
    out = tmp_path_factory.mktemp("eval") / "report.md"
    work = out.parent / "work"
    env = users_shell_env(EVAL_ARGS=f"--out {shlex.quote(str(out))} --work-dir {shlex.quote(str(work))}")
    result = subprocess.run(["bash", "-c", README_COMMAND.text], capture_output=True, text=True, cwd=PROJECT_DIR, env=env)
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    return result.stdout, out.read_text(), work


@pytest.mark.parametrize("method", eval_detector.METHODS)
def test_both_methods_score_the_sample_as_its_data_implies(through_dbt, method):
    """Per series and in total, from the warehouse the command built (read back the same way)."""
    _, _, work = through_dbt
    metrics, windows = evaluation.read_folder(SAMPLE)
    services = {eval_detector.series_service(s, m): (s, m) for s, m in EXPECTED_PER_SERIES}
    flags, incidents, _ = eval_detector.read_detector_output(work / f"{method}.duckdb", services, method)
    hours = evaluation.observed_hours(evaluation.bucket_metrics(metrics, 60), 60)
    per_series = evaluation.evaluate(windows, flags, incidents, hours, 60).set_index(evaluation.SERIES_KEY)
    for key, (n_windows, paged, flagged, n_incidents, false_pages, delays) in EXPECTED_PER_SERIES.items():
        row = per_series.loc[key]
        assert [row.windows, row.windows_paged, row.windows_flagged, row.incidents, row.false_pages, row.delays_hours] == \
               [n_windows, paged, flagged, n_incidents, false_pages, delays], key
    total = evaluation.summarize(per_series.reset_index()).set_index("service_name").loc["total"]
    assert {name: total[name] for name in EXPECTED_TOTAL} == EXPECTED_TOTAL
    assert total.false_pages_per_1000_hours == pytest.approx(1000 / 960)


def test_the_report_prints_both_methods_side_by_side(through_dbt):
    stdout, written, _ = through_dbt
    assert stdout.rstrip().endswith("\n" + written.strip())   # after the recipe make echoes
    total_row = next(line for line in written.splitlines() if line.startswith("| **total**"))
    # windows, observed hours, then per method: paged, flagged, false pages, per 1,000 h, median delay
    assert total_row == "| **total** | 3 | 960 | 2/3 | 2 | 1 | 1.04 | 1.5 | 2/3 | 2 | 1 | 1.04 | 1.5 |"
    assert "paged (robust)" in written and "paged (notebook)" in written
    assert "quarantined" not in written   # every row of the sample reached the detector
    assert "| svc_d/errors | 1 | 240 | 0/1 | 0 | 0 | 0.00 | - |" in written
    # what paged, flagged, a false page and the delay mean, in the report itself (operator trial)
    assert "A window is **paged** when an incident (a page) of its series starts inside it" in written


def test_dbt_output_is_kept_and_no_selector_matches_nothing(through_dbt):
    """dbt's output of each build is kept beside its warehouse. `--exclude tag:shipped_data` matched nothing
    on external logs (those tests are off there), and dbt warned on every evaluation (operator trial)."""
    _, _, work = through_dbt
    for method in eval_detector.METHODS:
        output = (work / f"dbt-{method}.log").read_text()
        assert "Completed successfully" in output and "does not match any enabled nodes" not in output


def _run(args, cwd=PROJECT_DIR):
    return subprocess.run([sys.executable, "-m", "oncall_analytics", "eval-detector", *args], capture_output=True, text=True, cwd=cwd)


def test_a_missing_folder_is_refused_with_its_name(tmp_path):
    """A relative DATA is resolved where make runs (the project folder): the error shows the absolute path."""
    result = _run([str(tmp_path / "nowhere")])
    assert result.returncode == 2 and f"{tmp_path / 'nowhere'} does not exist" in result.stderr
    (tmp_path / "empty").mkdir()
    result = _run([str(tmp_path / "empty")])
    assert result.returncode == 2 and "metrics.csv.gz (or metrics.csv) is missing" in result.stderr
    # a file is no folder, and an empty DATA is not the current folder (operator trial: both read as something else)
    (tmp_path / "notes.txt").write_text("x")
    result = _run([str(tmp_path / "notes.txt")])
    assert result.returncode == 2 and f"{tmp_path / 'notes.txt'} is a file, not a folder" in result.stderr
    result = _run([""])
    assert result.returncode == 2 and "DATA is empty: give the labelled folder" in result.stderr


def test_a_folder_whose_windows_do_not_match_its_series_is_refused(tmp_path):
    metrics, windows = frames()
    metrics.to_csv(tmp_path / "metrics.csv.gz", index=False)
    (tmp_path / "windows.json").write_text(json.dumps({k: v for k, v in windows.items() if k != "svc_c/cpu"}))
    result = _run([str(tmp_path)])
    assert result.returncode == 2 and "series without windows entry" in result.stderr and "svc_c" in result.stderr
    assert "Unicode form" not in result.stderr
    # a name composed in one file and decomposed in the other prints alike: the refusal says why (operator trial)
    decomposed = {k.replace("svc_c", "se\u0301t"): v for k, v in windows.items()}
    (tmp_path / "windows.json").write_text(json.dumps(decomposed, ensure_ascii=False))
    metrics.assign(service_name=metrics["service_name"].str.replace("svc_c", "s\u00e9t")).to_csv(tmp_path / "metrics.csv.gz", index=False)
    result = _run([str(tmp_path)])
    assert result.returncode == 2 and "some names differ only in their Unicode form" in result.stderr, result.stderr


def test_a_metrics_file_without_a_value_column_is_refused(tmp_path):
    metrics, windows = frames()
    metrics.drop(columns="value").to_csv(tmp_path / "metrics.csv.gz", index=False)
    (tmp_path / "windows.json").write_text(json.dumps(windows))
    result = _run([str(tmp_path)])
    assert result.returncode == 2 and "missing column(s) ['value']" in result.stderr


def test_make_without_data_says_how_to_call_it():
    result = subprocess.run(["make", "-s", "eval-detector"], capture_output=True, text=True, cwd=PROJECT_DIR)
    assert result.returncode != 0 and "usage: make eval-detector DATA=" in result.stderr


def test_make_passes_data_to_the_command_as_written(tmp_path):
    # The path reaches the shell as an environment variable, not as recipe text: quotes and
    # backticks stay part of the name instead of ending the quoting or running a command.
    folder = tmp_path / "o'neil's \"labelled\" `touch x` data"
    result = subprocess.run(["make", "-s", "eval-detector", f"DATA={folder}"], capture_output=True, text=True, cwd=PROJECT_DIR)
    assert result.returncode == 2, result.stderr
    assert f"labelled folder {folder} does not exist" in result.stderr
    assert not (PROJECT_DIR / "x").exists()


def test_the_logs_hold_one_service_per_series_and_every_other_log_empty(tmp_path):
    metrics, _ = evaluation.read_folder(SAMPLE)
    services = eval_detector.write_logs(metrics, tmp_path / "logs", PROJECT_DIR)
    assert services == {eval_detector.series_service(s, m): (s, m) for s, m in EXPECTED_PER_SERIES}
    with duckdb.connect() as con:
        written = con.execute(f"select service_name, count(*) from read_parquet('{tmp_path}/logs/service_metrics/*.parquet')"
                              " group by 1 order by 1").fetchall()
        assert written == [("svc_a/latency", 240), ("svc_b/queue_depth", 2880), ("svc_c/cpu", 240), ("svc_d/errors", 240)]
        for folder in (tmp_path / "logs").iterdir():
            if folder.name != "service_metrics":
                assert con.execute(f"select count(*) from read_parquet('{folder}/*.parquet')").fetchone()[0] == 0


def test_a_work_folder_whose_path_would_break_the_sql_is_refused(tmp_path):
    result = _run([str(SAMPLE), "--work-dir", str(tmp_path / "it's")])
    assert result.returncode == 2 and "its path may not hold" in result.stderr and not (tmp_path / "it's").exists()
    # a '#' (dbt-duckdb cuts the warehouse path there) or a partition-like folder (read as a column) stopped the
    # build after the logs were written, with dbt's output (operator trial)
    for folder, said in (("a#b", "holds a '#', which dbt-duckdb cannot carry"), ("service_name=x", "is named like a partition")):
        result = _run([str(SAMPLE), "--work-dir", str(tmp_path / folder / "w")])
        assert result.returncode == 2 and said in result.stderr, result.stderr
        assert not (tmp_path / folder).exists() and "dbt" not in result.stdout


@pytest.mark.parametrize("grain", ["120", "7", "0"])
def test_a_grain_the_project_refuses_is_refused_before_dbt_runs(tmp_path, grain):
    """--grain-minutes follows detection_grain_minutes (a divisor of an hour): refused at once, nothing built."""
    result = _run([str(SAMPLE), "--grain-minutes", grain, "--work-dir", str(tmp_path / "work")])
    assert result.returncode == 2 and "must divide an hour" in result.stderr and not (tmp_path / "work").exists()


def test_epoch_numbers_as_times_are_refused_before_dbt_runs(tmp_path):
    """pandas would read them as nanoseconds after 1970, and every row would end in the quarantine."""
    pd.DataFrame({"service_name": "svc", "metric_name": "m", "observed_at": [1717200000, 1717200300],
                  "value": [1.0, 2.0]}).to_csv(tmp_path / "metrics.csv.gz", index=False)
    (tmp_path / "windows.json").write_text(json.dumps({"svc/m": []}))
    result = _run([str(tmp_path)])
    assert result.returncode == 2 and "times must be ISO 8601 text" in result.stderr and "1717200000" in result.stderr


def test_the_report_of_a_folder_without_labelled_windows_prints_no_nan():
    metrics = pd.DataFrame({"service_name": "svc", "metric_name": "m", "value": 1.0,
                            "observed_at": pd.date_range("2024-01-01", periods=48, freq="h")})
    hours = evaluation.observed_hours(evaluation.bucket_metrics(metrics, 60), 60)
    no_output = pd.DataFrame(columns=["service_name", "metric_name", "observed_at"])
    per_series = evaluation.evaluate({("svc", "m"): []}, no_output, no_output.rename(columns={"observed_at": "started_at"}), hours, 60)
    text = eval_detector.report(Path("quiet"), {"robust": per_series}, 60, "eval-detector quiet")
    assert "- robust: 0/0 windows paged (no labelled window), 0 flagged, 0 false pages = 0.00 per 1,000 series-hours, median delay -" in text
    assert "nan" not in text.lower()
    per_series.loc[:, "false_pages"] = 1   # one false page is a page, not "pages"
    text = eval_detector.report(Path("quiet"), {"robust": per_series}, 60, "eval-detector quiet")
    assert ", 1 false page = " in text


def _hourly_folder(folder: Path, start: str, windows: dict, repeat_every_row: bool = False, repeated_hours: int = 0) -> Path:
    """svc/m: ten days of hourly noise around 100 with a +60 spike on day 8 at 12:00; the first
    `repeated_hours` hours (or every hour) twice, with different values."""
    times = pd.date_range(start, periods=240, freq="h")
    values = 100 + pd.Series(range(240)).mod(7).to_numpy(dtype=float)
    values[7 * 24 + 12] += 60
    frame = pd.DataFrame({"service_name": "svc", "metric_name": "m", "observed_at": times.strftime("%Y-%m-%d %H:%M:%S"),
                          "value": values})
    if repeat_every_row or repeated_hours:  # two hosts writing the same series: a time twice, with different values
        repeated = frame if repeat_every_row else frame.head(repeated_hours)
        frame = pd.concat([frame, repeated.assign(value=repeated["value"] + 1)], ignore_index=True)
    folder.mkdir()
    frame.to_csv(folder / "metrics.csv.gz", index=False)
    (folder / "windows.json").write_text(json.dumps(windows))
    return folder


def test_labelled_data_older_than_the_live_floor_is_scored_and_a_mostly_quarantined_folder_says_why(tmp_path):
    """Labelled data is history: 1995 was below accepted_time_floor (2000), every row was quarantined and the
    build failed with dbt's log. The run now accepts the folder's own times. A folder whose rows staging
    mostly quarantines (every timestamp twice) still fails, with the reason in one line."""
    old = _hourly_folder(tmp_path / "old", "1995-03-01", {"svc/m": [["1995-03-08 10:00:00", "1995-03-08 16:00:00"],
                                                                    ["1994-01-01 00:00:00", "1994-01-02 00:00:00"]]})
    result = _run([str(old), "--method", "robust"])
    assert result.returncode == 0, result.stderr[-3000:]
    assert "| svc/m | 2 | 240 | 1/2 |" in result.stdout
    assert "1 window(s) hold no observation and count as missed by every method: svc/m [1994-01-01 00:00 - 1994-01-02 00:00]" in result.stdout

    doubled = _hourly_folder(tmp_path / "doubled", "2024-03-01", {"svc/m": []}, repeat_every_row=True)
    result = _run([str(doubled), "--method", "robust"])
    assert result.returncode == 1
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith("python -m oncall_analytics eval-detector: error: dbt build with anomaly_method robust failed: "
                              "staging quarantined 480 row(s) of the folder's metrics (")
    assert "repeated with different values (480); most in svc/m: 480)" in message and "quarantine_share_error_pct" in message


def test_hours_whose_rows_staging_quarantined_are_not_observed_hours(tmp_path):
    """The false pages' denominator counts the buckets the detector read: ten hours written twice with
    different values are quarantined (a warning, not a failure), and the series has 230 observed hours, not
    the folder's 240."""
    folder = _hourly_folder(tmp_path / "repeats", "2024-03-01", {"svc/m": [["2024-03-08 10:00:00", "2024-03-08 16:00:00"]]},
                            repeated_hours=10)
    # and one NaN, which the note calls not finite (a pandas NaN registered with DuckDB read as missing), and one
    # empty value, which it calls missing (it was called not finite: an operator trial)
    metrics = pd.read_csv(folder / "metrics.csv.gz", dtype=str, keep_default_na=False)
    metrics.loc[100, "value"] = "NaN"   # an hour written once
    metrics.loc[101, "value"] = ""
    metrics.to_csv(folder / "metrics.csv.gz", index=False)
    result = _run([str(folder), "--method", "robust"])
    assert result.returncode == 0, result.stderr[-3000:]
    assert "| svc/m | 1 | 228 | 1/1 |" in result.stdout
    assert "staging quarantined 22 row(s) of the folder's metrics (" in result.stdout
    assert "value is not finite (1)" in result.stdout and "value is missing (1)" in result.stdout


def test_a_folder_whose_last_hours_are_empty_values_is_scored_and_strict_windows_are_noted(tmp_path):
    """A series whose last 8 hours are empty values (3 % of the folder) stopped the evaluation: the check of a live
    log's last hours read them as mostly refused (operator trial). A folder is a finished data set: only its
    whole share is judged. Windows of one bucket, and windows that touch the next, are noted (the judging rule
    counts an incident one bucket late as a miss and a false page), and --out onto the labels is refused."""
    times = pd.date_range("2024-03-01", periods=10 * 288, freq="5min")
    values = (100 + pd.Series(range(len(times))).mod(7)).astype(str)
    values.iloc[-96:] = ""
    folder = tmp_path / "trailing"
    folder.mkdir()
    pd.DataFrame({"service_name": "svc", "metric_name": "m", "observed_at": times.strftime("%Y-%m-%d %H:%M:%S"),
                  "value": values}).to_csv(folder / "metrics.csv.gz", index=False)
    (folder / "windows.json").write_text(json.dumps({"svc/m": [["2024-03-08 12:00:00", "2024-03-08 12:00:00"],
                                                               ["2024-03-09 10:00:00", "2024-03-09 10:59:00"],
                                                               ["2024-03-09 11:00:00", "2024-03-09 11:30:00"]]}))
    refused = _run([str(folder), "--out", str(folder / "windows.json")])
    assert refused.returncode == 2 and "argument --out: " in refused.stderr and "is an input of DATA" in refused.stderr
    result = _run([str(folder), "--method", "robust"])
    assert result.returncode == 0, result.stderr[-3000:]
    assert "staging quarantined 96 row(s) of the folder's metrics (value is missing (96)" in result.stdout
    assert ("3 window(s) are a single 60-minute bucket: an incident that starts one bucket later counts as a missed "
            "window and a false page: svc/m [2024-03-08 12:00 - 2024-03-08 12:00]") in result.stdout
    assert ("1 window(s) end where the series' next window starts (one anomaly labelled in pieces): an incident pages the "
            "window it starts in, and the next ones count as missed: svc/m [2024-03-09 10:00 - 2024-03-09 10:00]") in result.stdout


def test_the_accepted_time_range_follows_the_folder_within_the_projects_bounds():
    now = pd.Timestamp("2026-01-01 00:00:00")
    times = lambda *t: pd.DataFrame({"observed_at": [pd.Timestamp(x) for x in t]})  # noqa: E731
    assert eval_detector.accepted_times(times("1995-03-01 10:30", "1995-03-02"), now) == {
        "accepted_time_floor": "1995-03-01 00:00:00", "accepted_time_max_hours_ahead": 24}
    assert eval_detector.accepted_times(times("2026-01-01", "2026-01-11"), now)["accepted_time_max_hours_ahead"] == 240 + 24
    for bad in (times("1899-12-31", "2000-01-01"), times("2020-01-01", "2040-01-01")):
        with pytest.raises(eval_detector.EvalError) as refused:
            eval_detector.accepted_times(bad, now)
        assert refused.value.code == 2
