"""The labelled-window evaluation (oncall_analytics.evaluation) on a small synthetic folder whose
figures are computed by hand: window bounds inclusive at the grain, a series without windows, an
incident starting exactly at a window's end, a flag without an incident, the observed hours."""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from oncall_analytics import eval_detector
from oncall_analytics import evaluation as ev

DAY = pd.Timestamp("2024-01-01 00:00:00")


def at(text: str) -> pd.Timestamp:
    return pd.Timestamp(f"2024-01-{text}")


@pytest.fixture()
def folder(tmp_path):
    """svcA/m1: 48 hourly values, two windows; svcA/m2: 10 scattered hours, no window;
    svcB/m3: 36 five-minute values (3 hours), one window."""
    rows = [("svcA", "m1", DAY + pd.Timedelta(hours=h), float(h)) for h in range(48)]
    rows += [("svcA", "m2", DAY + pd.Timedelta(hours=h), 1.0) for h in (0, 1, 2, 3, 7, 8, 20, 21, 30, 47)]
    rows += [("svcB", "m3", DAY + pd.Timedelta(minutes=5 * i), 2.0) for i in range(36)]
    pd.DataFrame(rows, columns=["service_name", "metric_name", "observed_at", "value"]).to_csv(tmp_path / "metrics.csv.gz", index=False)
    windows = {"svcA/m1": [["2024-01-01 10:15:00", "2024-01-01 12:30:00"], ["2024-01-02 05:00:00", "2024-01-02 08:00:00"]],
               "svcA/m2": [], "svcB/m3": [["2024-01-01 01:00:00", "2024-01-01 01:59:00"]]}
    (tmp_path / "windows.json").write_text(json.dumps(windows))
    return tmp_path


def detector_output():
    flags = pd.DataFrame([("svcA", "m1", at("01 10:00")), ("svcA", "m1", at("01 12:00")), ("svcA", "m1", at("01 20:00")),
                          ("svcA", "m2", at("01 03:00")), ("svcB", "m3", at("01 01:30"))],
                         columns=["service_name", "metric_name", "observed_at"])
    incidents = pd.DataFrame([("svcA", "m1", at("01 10:00")),   # in window 1 (its first hour at the grain): paged, delay 0
                              ("svcA", "m1", at("01 15:00")),   # in no window: false page
                              ("svcA", "m1", at("02 08:00")),   # exactly at window 2's end: paged, delay 3 h
                              ("svcA", "m2", at("01 03:00"))],  # a series without windows: false page
                             columns=["service_name", "metric_name", "started_at"])
    return flags, incidents  # svcB/m3: a flag in its window but no incident: flagged, not paged


def test_per_series_figures_at_the_hourly_grain(folder):
    metrics, windows = ev.read_folder(folder)
    bucketed = ev.bucket_metrics(metrics, 60)
    hours = ev.observed_hours(bucketed, 60)
    result = ev.evaluate(windows, *detector_output(), hours, 60).set_index("metric_name")
    assert result.loc["m1", ["windows", "windows_paged", "windows_flagged", "incidents", "false_pages"]].tolist() == [2, 2, 1, 3, 1]
    assert result.loc["m2", ["windows", "windows_paged", "windows_flagged", "incidents", "false_pages"]].tolist() == [0, 0, 0, 1, 1]
    assert result.loc["m3", ["windows", "windows_paged", "windows_flagged", "incidents", "false_pages"]].tolist() == [1, 0, 1, 0, 0]
    assert result["observed_hours"].tolist() == [48.0, 10.0, 3.0]  # 36 five-minute values fill 3 hourly buckets
    assert result.loc["m1", "false_pages_per_1000_hours"] == pytest.approx(1000 / 48)
    assert result.loc["m2", "false_pages_per_1000_hours"] == pytest.approx(100.0)
    assert result.loc["m1", "delays_hours"] == [0.0, 3.0] and result.loc["m1", "median_delay_hours"] == 1.5
    assert np.isnan(result.loc["m3", "median_delay_hours"])


def test_mart_shaped_input_gives_the_same_figures(folder):
    """metric_anomalies rows carry is_anomaly (false rows are ignored); incidents carry root_cause_metric."""
    metrics, windows = ev.read_folder(folder)
    hours = ev.observed_hours(ev.bucket_metrics(metrics, 60), 60)
    flags, incidents = detector_output()
    quiet = flags.assign(observed_at=at("02 06:00"), is_anomaly=False)  # inside m1's unflagged window 2
    mart_flags = pd.concat([flags.assign(is_anomaly=True), quiet], ignore_index=True)
    mart_incidents = incidents.rename(columns={"metric_name": "root_cause_metric"})
    pd.testing.assert_frame_equal(ev.evaluate(windows, mart_flags, mart_incidents, hours, 60),
                                  ev.evaluate(windows, flags, incidents, hours, 60))


def test_folder_and_total_rows(folder):
    metrics, windows = ev.read_folder(folder)
    bucketed = ev.bucket_metrics(metrics, 60)
    summary = ev.summarize(ev.evaluate(windows, *detector_output(), ev.observed_hours(bucketed, 60), 60)).set_index("service_name")
    assert summary.index.tolist() == ["svcA", "svcB", "total"]
    assert summary.loc["total", ["windows", "windows_paged", "windows_flagged", "incidents", "false_pages"]].tolist() == [3, 2, 2, 4, 2]
    assert summary.loc["total", "observed_hours"] == 61.0
    assert summary.loc["total", "false_pages_per_1000_hours"] == pytest.approx(2000 / 61)
    assert summary.loc["svcA", "false_pages_per_1000_hours"] == pytest.approx(2000 / 58)
    assert summary.loc["total", "median_delay_hours"] == 1.5
    assert ev.recall(summary).loc["total"] == pytest.approx(2 / 3)


def test_windows_are_compared_at_the_grain(folder):
    """At 60 minutes 10:05 falls in the bucket holding the window's start (10:15); at 5 minutes it does not.
    The observed hours count buckets at the grain: 48 hourly values are 48 five-minute buckets, 4 hours."""
    metrics, windows = ev.read_folder(folder)
    early = pd.DataFrame([("svcA", "m1", at("01 10:05"))], columns=["service_name", "metric_name", "started_at"])
    no_flags = pd.DataFrame(columns=["service_name", "metric_name", "observed_at"])
    for grain, paged, false_pages, m1_hours in ((60, 1, 0, 48.0), (5, 0, 1, 4.0)):
        hours = ev.observed_hours(ev.bucket_metrics(metrics, grain), grain)
        result = ev.evaluate(windows, no_flags, early, hours, grain).set_index("metric_name")
        assert (result.loc["m1", "windows_paged"], result.loc["m1", "false_pages"]) == (paged, false_pages), grain
        assert result.loc["m1", "observed_hours"] == m1_hours
    hours = ev.observed_hours(ev.bucket_metrics(metrics, 5), 5)
    assert hours.loc[("svcB", "m3")] == 3.0


def test_bucket_means_and_rejected_grains(folder):
    metrics, _ = ev.read_folder(folder)
    hourly = ev.bucket_metrics(metrics.assign(value=np.arange(len(metrics), dtype=float)), 60)
    m3 = hourly[hourly["metric_name"] == "m3"]
    assert m3["value"].tolist() == [58 + 5.5, 58 + 17.5, 58 + 29.5]  # means of 12 consecutive five-minute values
    for grain in (0, -5, 2.5):
        with pytest.raises(ValueError, match="grain_minutes"):
            ev.bucket_metrics(metrics, grain)


def test_a_plain_metrics_csv_is_read_when_there_is_no_gz(folder):
    """An uncompressed metrics.csv was reported missing (operator trial); both at once are ambiguous."""
    gz_metrics, _ = ev.read_folder(folder)
    pd.read_csv(folder / "metrics.csv.gz", dtype=str).to_csv(folder / "metrics.csv", index=False)
    with pytest.raises(ValueError, match="holds both metrics.csv.gz and metrics.csv: keep one"):
        ev.read_folder(folder)
    (folder / "metrics.csv.gz").unlink()
    plain_metrics, _ = ev.read_folder(folder)
    pd.testing.assert_frame_equal(plain_metrics, gz_metrics)


def test_times_with_a_lower_case_t_or_z_read_as_staging_reads_them():
    assert list(ev.utc_times(["2024-01-08t11:00:00z", "2024-01-08t12:00:00+01:00", "2024-01-08 13:00:00"], "w")) == [
        pd.Timestamp("2024-01-08 11:00:00"), pd.Timestamp("2024-01-08 11:00:00"), pd.Timestamp("2024-01-08 13:00:00")]
    with pytest.raises(ValueError, match="'2024-01-08t25:00:00z' is not an ISO 8601 time"):   # the value as given
        ev.utc_times(["2024-01-08t25:00:00z"], "w")


def test_a_folder_must_match_its_windows(folder):
    windows = json.loads((folder / "windows.json").read_text())
    del windows["svcA/m2"]
    (folder / "windows.json").write_text(json.dumps(windows))
    with pytest.raises(ValueError, match="an empty list if it has no anomaly.*series without windows entry: svcA/m2;"):
        ev.read_folder(folder)
    windows.update({f"svcC/m{i}": [] for i in range(12)})   # twelve keys without metrics: ten named, then a count
    (folder / "windows.json").write_text(json.dumps(windows))
    with pytest.raises(ValueError, match=r"windows entries without metrics: svcC/m0, svcC/m1, svcC/m10, .*svcC/m7 and 2 more$"):
        ev.read_folder(folder)
    windows = {k: v for k, v in windows.items() if not k.startswith("svcC/")}
    windows["svcA/m2"] = [["2024-01-02 00:00:00", "2024-01-01 00:00:00"]]
    (folder / "windows.json").write_text(json.dumps(windows))
    with pytest.raises(ValueError, match="ends before it starts"):
        ev.read_folder(folder)
    windows["svcA/m2"] = [["2024-01-07", "2024-01-07"]]   # a date alone is no time: refused, not read as midnight
    (folder / "windows.json").write_text(json.dumps(windows))
    with pytest.raises(ValueError, match="window time '2024-01-07' without a time of day"):
        ev.read_folder(folder)
    (folder / "windows.json").unlink()
    with pytest.raises(FileNotFoundError, match="windows.json"):
        ev.read_folder(folder)


@pytest.mark.parametrize("content, message", [
    ([], "must be an object"),
    ({"svcA/m1": None, "svcA/m2": [], "svcB/m3": []}, "svcA/m1 must be a list of \\[start, end\\] pairs"),
    ({"svcA/m1": [[None, None]], "svcA/m2": [], "svcB/m3": []}, "svcA/m1 must be a list of \\[start, end\\] pairs"),
    ({"svcA/m1": [["2024-01-01 10:00:00"]], "svcA/m2": [], "svcB/m3": []}, "svcA/m1 must be a list of \\[start, end\\] pairs"),
    ({"svcA/m1": [["soon", "later"]], "svcA/m2": [], "svcB/m3": []}, "svcA/m1: value 1: .soon. is not an ISO 8601 time"),
    ({"svcA/m1": [["2300-01-01 00:00:00", "2300-01-02 00:00:00"]], "svcA/m2": [], "svcB/m3": []},
     "svcA/m1: value 1: .2300-01-01 00:00:00. is outside the times that can be held"),
])
def test_a_malformed_windows_file_is_refused_naming_the_file_and_key(folder, content, message):
    """A window of nulls was once counted as a window (its page then a false one); other shapes crashed."""
    (folder / "windows.json").write_text(json.dumps(content))
    with pytest.raises(ValueError, match=message) as refused:
        ev.read_folder(folder)
    assert "windows.json" in str(refused.value)


def test_naive_times_beside_offset_ones_stay_utc(folder):
    """Parsed together, pandas read a naive time that follows a +05:30 one as +05:30 too: a silent 5.5 h
    shift of some rows, and of a window, with exit 0. Each kind is now parsed apart."""
    times = ["2024-03-09 10:00:00", "2024-03-09T16:30:00+05:30", "2024-03-09 12:00:00", "2024-03-09 13:00Z",
             "2024-03-09 14:00:00", "2024-03-09"]
    pd.DataFrame({"service_name": "s", "metric_name": "m", "observed_at": times, "value": 1.0}).to_csv(
        folder / "metrics.csv.gz", index=False)
    (folder / "windows.json").write_text(json.dumps({"s/m": [["2024-03-09T10:00:00+05:30", "2024-03-09 12:00:00"]]}))
    metrics, windows = ev.read_folder(folder)
    assert metrics["observed_at"].tolist() == [pd.Timestamp(f"2024-03-09 {h}") for h in
                                               ("10:00", "11:00", "12:00", "13:00", "14:00", "00:00")]
    assert windows == {("s", "m"): [(pd.Timestamp("2024-03-09 04:30"), pd.Timestamp("2024-03-09 12:00"))]}


@pytest.mark.parametrize("edit, message", [
    (lambda f: f.assign(value=f["value"].astype(object).where(f.index != 3, "abc")),
     "metrics.csv.gz: line 5: value 'abc' is not a number"),
    (lambda f: f.assign(service_name=f["service_name"].where(f.index != 0, " svcA")),
     "line 2: service_name ' svcA' starts or ends with spaces"),
    (lambda f: f.assign(metric_name=f["metric_name"].where(f.index != 1, "")), "line 3: metric_name is empty"),
    (lambda f: f.assign(service_name=f["service_name"].where(f.index != 0, "svc/A")), "line 2: service_name 'svc/A' holds a '/'"),
    (lambda f: f.assign(observed_at=f["observed_at"].astype(object).where(f.index != 2, "yesterday")),
     "observed_at: line 4: 'yesterday' is not an ISO 8601 time"),
])
def test_a_bad_metrics_row_is_refused_naming_its_line(folder, edit, message):
    frame = pd.read_csv(folder / "metrics.csv.gz")
    edit(frame).to_csv(folder / "metrics.csv.gz", index=False)
    with pytest.raises(ValueError, match=message):
        ev.read_folder(folder)


def test_missing_values_are_kept_and_unreadable_files_are_named(folder):
    """Empty, NaN and infinite values stay (as NaN and inf: the project quarantines them, the report says so);
    a file that is not gzip, or windows.json that is not JSON, is refused naming the file; a BOM is read."""
    frame = pd.read_csv(folder / "metrics.csv.gz")
    frame["value"] = frame["value"].astype(object)
    frame.loc[0:3, "value"] = ["", "NaN", "inf", "1e3"]
    frame.to_csv(folder / "metrics.csv.gz", index=False)
    metrics, _ = ev.read_folder(folder)
    assert np.isnan(metrics["value"][:2]).all() and metrics["value"][2] == np.inf and metrics["value"][3] == 1000.0
    (folder / "windows.json").write_text("\ufeff" + (folder / "windows.json").read_text())
    ev.read_folder(folder)
    (folder / "windows.json").write_text('{"svcA/m1": [],}')
    with pytest.raises(ValueError, match="windows.json: not valid JSON"):
        ev.read_folder(folder)
    # json keeps the last of a repeated key: the series' first windows were lost, silently (operator trial)
    (folder / "windows.json").write_text('{"svcA/m1": [["2024-01-01 10:00:00", "2024-01-01 11:00:00"]], "svcA/m2": [], "svcB/m3": [],'
                                         ' "svcA/m1": []}')
    with pytest.raises(ValueError, match="windows.json: not valid JSON .the key 'svcA/m1' appears twice"):
        ev.read_folder(folder)
    (folder / "metrics.csv.gz").write_bytes(b"service_name,metric_name\n")
    with pytest.raises(ValueError, match="metrics.csv.gz: cannot be read as gzip-compressed"):
        ev.read_folder(folder)


def test_times_with_offsets_are_read_as_utc_and_numbers_are_refused(folder):
    """Metrics written in local time with offsets (Europe/Berlin across the DST change of 2024-03-31: +01:00,
    then +02:00) and windows with offsets are read in UTC, both the same way; epoch numbers are refused
    (pandas would read them as nanoseconds after 1970)."""
    utc = pd.date_range("2024-03-30 22:00", periods=8, freq="h")
    local = utc.tz_localize("UTC").tz_convert("Europe/Berlin")
    pd.DataFrame({"service_name": "s", "metric_name": "m", "observed_at": [t.isoformat() for t in local],
                  "value": np.arange(8.0)}).to_csv(folder / "metrics.csv.gz", index=False)
    (folder / "windows.json").write_text(json.dumps({"s/m": [["2024-03-31T03:00:00+02:00", "2024-03-31T04:30:00+02:00"]]}))
    metrics, windows = ev.read_folder(folder)
    assert {t[-6:] for t in (x.isoformat() for x in local)} == {"+01:00", "+02:00"}
    assert metrics["observed_at"].tolist() == list(utc)
    assert windows == {("s", "m"): [(pd.Timestamp("2024-03-31 01:00"), pd.Timestamp("2024-03-31 02:30"))]}
    pd.DataFrame({"service_name": "s", "metric_name": "m", "observed_at": [1717200000, 1717200300],
                  "value": [1.0, 2.0]}).to_csv(folder / "metrics.csv.gz", index=False)
    with pytest.raises(ValueError, match="observed_at: times must be ISO 8601 text .* found numbers such as 1717200000"):
        ev.read_folder(folder)


def test_detector_output_for_an_unknown_series_is_an_error(folder):
    metrics, windows = ev.read_folder(folder)
    flags, incidents = detector_output()
    stray = pd.concat([incidents, pd.DataFrame([("svcC", "x", at("01 00:00"))], columns=incidents.columns)])
    with pytest.raises(ValueError, match="no windows entry"):
        ev.evaluate(windows, flags, stray, ev.observed_hours(ev.bucket_metrics(metrics, 60), 60), 60)


def test_notebook_rule_flags_and_clusters_like_the_notebook():
    """|value - mean| > 5 std over the previous 48 hours, from hour 48 on; flags <= 24 h apart form one incident."""
    rng = np.random.default_rng(1)
    values = 10 + rng.normal(0, 1, 150)
    values[[40, 60, 70, 120]] += 30  # hour 40 has no whole window yet
    frame = pd.DataFrame({"service_name": "s", "metric_name": "m", "observed_at": DAY + pd.to_timedelta(np.arange(150), unit="h"),
                          "value": values})
    flags, incidents = ev.notebook_rule(frame, 60)
    expected = [h for h in range(48, 150) if abs(values[h] - values[h - 48:h].mean()) > 5 * values[h - 48:h].std()]
    assert ((flags["observed_at"] - DAY) // pd.Timedelta(hours=1)).tolist() == expected == [60, 70, 120]
    assert ((incidents["started_at"] - DAY) // pd.Timedelta(hours=1)).tolist() == [60, 120]


def test_side_by_side_table_on_the_folder(folder):
    """The printable table: one row per series, per folder and in total, both methods' figures."""
    table = ev.side_by_side(ev.compare(folder, 60))
    lines = table.splitlines()
    assert lines[0].startswith("| series | windows | observed h | paged (robust)")
    assert "paged (notebook)" in lines[0]
    assert [line.split(" | ")[0] for line in lines[2:]] == ["| svcA/m1", "| svcA/m2", "| svcB/m3", "| svcA", "| svcB", "| **total**"]
    assert lines[-1].startswith("| **total** | 3 | 61 |")


def test_a_service_named_total_is_a_service_not_the_total(folder):
    """A folder may hold a service named `total` (operator trial: the report's total was looked up by that name
    and crashed on two rows): the total row is flagged, and only it is printed in bold."""
    metrics, windows = ev.read_folder(folder)
    per_series = ev.evaluate(windows, *detector_output(), ev.observed_hours(ev.bucket_metrics(metrics, 60), 60), 60)
    renamed = per_series.assign(service_name=per_series["service_name"].replace({"svcB": "total"}))
    assert ev.total_of(renamed)[["windows", "windows_paged", "observed_hours"]].tolist() == [3, 2, 61.0]
    lines = ev.side_by_side({"robust": renamed, "notebook": renamed}).splitlines()
    assert [line.split(" | ")[0] for line in lines[2:]] == ["| svcA/m1", "| svcA/m2", "| total/m3", "| svcA", "| total", "| **total**"]
    report = eval_detector.report(Path("nab_like"), {"robust": renamed, "notebook": renamed}, 60, "make eval-detector")
    assert "- robust: 2/3 windows paged (67%)" in report


def test_a_series_never_scored_is_named_with_the_hours_it_adds_to_the_rate():
    """A daily series is never scored at an hourly grain (operator trial: its hours lowered the folder's
    false-page rate without a word): the note names it and its observed hours."""
    hours = pd.Series({("svcA", "m1"): 48.0, ("svcA", "daily"): 731.0, ("svcB", "empty"): 0.0})
    scored = pd.DataFrame({"service_name": ["svcA"], "metric_name": ["m1"], "observed_at": [DAY]})
    assert eval_detector.never_scored(hours, scored) == {"svcA/daily": 731.0}


def test_a_writers_jitter_is_not_coarse_sampling():
    """Five-minute readings whose median step is 5:00.159 fill every bucket at 5 minutes (operator trial);
    a series of one row has no step (it warned 'Mean of empty slice')."""
    times = DAY + pd.to_timedelta(np.arange(100) * 300.159, unit="s")
    metrics = pd.concat([pd.DataFrame({"service_name": "s", "metric_name": "jitter", "observed_at": times, "value": 1.0}),
                         pd.DataFrame({"service_name": "s", "metric_name": "one", "observed_at": [DAY], "value": [1.0]})])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ev.input_notes({("s", "jitter"): [], ("s", "one"): []}, metrics, 5) == []
        # every series of one row: no step at all (a pandas traceback, operator trial)
        only_one = metrics[metrics["metric_name"] == "one"]
        assert ev.input_notes({("s", "one"): []}, only_one, 5) == []


def test_notes_name_windows_without_data_overlaps_and_coarse_sampling(folder):
    """svcA/m2 gets three windows: one over hours without data, two that overlap. At a 15-minute grain the
    hourly series are sampled more coarsely than the grain. A method's scored buckets tell which windows it judged."""
    metrics, windows = ev.read_folder(folder)
    windows[("svcA", "m2")] = [(at("01 10:00"), at("01 12:00")), (at("02 05:00"), at("02 07:00")), (at("02 06:00"), at("02 23:00"))]
    assert ev.input_notes(windows, metrics, 60) == [
        "1 window(s) hold no observation and count as missed by every method: svcA/m2 [2024-01-01 10:00 - 2024-01-01 12:00]",
        "1 series have overlapping windows, which one incident can page together: svcA/m2",
        "1 window(s) are a single 60-minute bucket: an incident that starts one bucket later counts as a missed window and "
        "a false page: svcB/m3 [2024-01-01 01:00 - 2024-01-01 01:00]"]
    assert ev.input_notes(windows, metrics, 15)[-1] == (
        "2 series are sampled more coarsely than the 15-minute grain (median step 0 days 01:00:00 for svcA/m1): many of their "
        "buckets are empty, and observed hours count only buckets with data")
    scored = pd.DataFrame([("svcA", "m1", at("01 11:00")), ("svcA", "m2", at("02 06:00")), ("svcB", "m3", at("01 01:00"))],
                          columns=["service_name", "metric_name", "observed_at"])
    assert ev.windows_without(windows, scored, 60) == [
        "svcA/m1 [2024-01-02 05:00 - 2024-01-02 08:00]", "svcA/m2 [2024-01-01 10:00 - 2024-01-01 12:00]"]


def test_a_placeholder_date_far_from_the_rest_is_noted():
    """One row at 1900-01-01 beside days of readings made the detector's grid 124 years long: 5.4 GB instead of
    0.4 at a 1-minute grain, and nothing said why (operator trial)."""
    times = [pd.Timestamp("1900-01-01"), *pd.date_range(DAY, periods=48, freq="h")]
    metrics = pd.DataFrame({"service_name": "s", "metric_name": "m", "observed_at": times, "value": 1.0})
    assert ev.input_notes({("s", "m"): []}, metrics, 60) == [
        "1 series have observations more than a year apart (a placeholder date such as 1970-01-01?): the detector's grid "
        f"spans the gap, which costs memory and time at a fine grain: s/m ({(DAY - pd.Timestamp('1900-01-01')).days:,} days)"]
    assert ev.input_notes({("s", "m"): []}, metrics.iloc[1:], 60) == []


def test_windows_of_one_bucket_and_windows_that_touch_are_noted():
    """The judging rule pages a window by an incident that starts inside it: with point labels an incident one
    bucket late is a miss and a false page, and of windows labelling one anomaly in pieces only the first is
    paged (operator trial: neither was said)."""
    windows = {("s", "m"): [(DAY, DAY), (DAY + pd.Timedelta(hours=5), DAY + pd.Timedelta(hours=5, minutes=59)),
                            (DAY + pd.Timedelta(hours=6), DAY + pd.Timedelta(hours=8))]}
    assert ev.short_window_notes(windows, 60) == [
        "2 window(s) are a single 60-minute bucket: an incident that starts one bucket later counts as a missed window and a "
        f"false page: s/m [{DAY:%Y-%m-%d} 00:00 - {DAY:%Y-%m-%d} 00:00], s/m [{DAY:%Y-%m-%d} 05:00 - {DAY:%Y-%m-%d} 05:00]",
        "1 window(s) end where the series' next window starts (one anomaly labelled in pieces): an incident pages the window "
        f"it starts in, and the next ones count as missed: s/m [{DAY:%Y-%m-%d} 05:00 - {DAY:%Y-%m-%d} 05:00]"]
    nested = {("s", "m"): [(DAY, DAY + pd.Timedelta(hours=9, minutes=59)), (DAY + pd.Timedelta(hours=1), DAY + pd.Timedelta(hours=2)),
                           (DAY + pd.Timedelta(hours=10), DAY + pd.Timedelta(hours=12))]}
    assert ev.short_window_notes(nested, 60) == [   # a window nested in a long one does not hide the long one's neighbour
        "1 window(s) end where the series' next window starts (one anomaly labelled in pieces): an incident pages the window "
        f"it starts in, and the next ones count as missed: s/m [{DAY:%Y-%m-%d} 00:00 - {DAY:%Y-%m-%d} 09:00]"]
    at_a_minute = ev.short_window_notes(windows, 1)   # 05:59 and 06:00 still touch; 05:00-05:59 is no point
    assert at_a_minute[0].startswith("1 window(s) are a single 1-minute bucket") and at_a_minute[1].startswith(
        f"1 window(s) end where the series' next window starts (one anomaly labelled in pieces): an incident pages the window "
        f"it starts in, and the next ones count as missed: s/m [{DAY:%Y-%m-%d} 05:00 - {DAY:%Y-%m-%d} 05:59]")


def test_names_are_escaped_in_the_markdown_tables():
    assert ev.markdown_text("a|b\nc") == "a\\|b c"
