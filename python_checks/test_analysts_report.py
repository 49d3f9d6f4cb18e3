"""`make report`: the on-call report is one self-contained HTML file with every
expected chart embedded, and no chart is blank. Plus the report's pure helpers."""
from __future__ import annotations

import base64
import importlib.util
import io
import re
import sys
from datetime import UTC, datetime

import matplotlib.image
import numpy as np
import pandas as pd
import pytest

from conftest import PROJECT_DIR


def _import_report():
    # Registered in sys.modules before it runs: its dataclass needs its own module.
    spec = importlib.util.spec_from_file_location("oncall_report", PROJECT_DIR / "reports" / "oncall_report.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


report = _import_report()

EMBEDDED_CHART = re.compile(r'<img data-chart="([^"]+)"[^>]*src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


def embedded_charts(document: str) -> dict[str, np.ndarray]:
    """chart id -> RGB(A) pixels of each embedded PNG."""
    return {
        chart_id: matplotlib.image.imread(io.BytesIO(base64.b64decode(payload)), format="png")
        for chart_id, payload in EMBEDDED_CHART.findall(document)
    }


def assert_not_blank(chart_id: str, pixels: np.ndarray) -> None:
    """A blank or single-colour image has (almost) no variance and no ink."""
    rgb = pixels[..., :3]
    inked = (rgb < 0.9).any(axis=-1).mean()  # share of pixels that are not near-white
    assert rgb.std() > 0.05, f"{chart_id}: pixel variance too low ({rgb.std():.4f})"
    assert inked > 0.02, f"{chart_id}: only {inked:.2%} of pixels are drawn"


@pytest.fixture(scope="module")
def report_document(built_warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "oncall_report.html"
    report.main(["--warehouse", str(built_warehouse), "--out", str(out)])
    return out.read_text(encoding="utf-8")


def test_report_embeds_each_expected_chart(report_document, query):
    services = {slug for (slug,) in query("select distinct service_name from marts.metric_anomalies")}
    expected = {f"metrics_{report.slug(service)}" for service in services}
    expected |= {"canary_comparison", "invocation_chains", "traffic_bursts"}
    expected |= {f"slo_{report.slug(slo)}" for (slo,) in query("select distinct slo_name from marts.slo_status")}
    assert "metrics_ranking_service" in expected and "slo_gateway_main_availability" in expected
    assert set(embedded_charts(report_document)) == expected


def test_no_chart_is_blank(report_document):
    charts = embedded_charts(report_document)
    assert charts
    for chart_id, pixels in charts.items():
        assert pixels.shape[0] > 200 and pixels.shape[1] > 600, chart_id
        assert_not_blank(chart_id, pixels)


def test_report_is_self_contained_and_has_every_section(report_document, query):
    # Nothing fetched at view time: no external scripts, styles or images.
    assert not re.search(r'(src|href)="(https?:)?//', report_document)
    for anchor in ["metrics", "slo", "canary", "chains-bursts", "tsg", "postmortems"]:
        assert f'<section id="{anchor}">' in report_document
    incident_count = query("select count(*) from marts.incidents")[0][0]
    assert report_document.count('class="postmortem"') == incident_count == 2
    assert 'id="incidents"' in report_document and 'id="canary"' in report_document


def test_the_metrics_caption_describes_the_method_that_scored_them(report_document):
    """The caption described the notebook's window mean and std under the robust default (operator trial)."""
    assert "the robust scale of the earlier days' residuals" in report_document and "No band where a bucket is not scored" in report_document
    assert report.band_caption(pd.DataFrame({"anomaly_method": ["notebook"]})).count("the previous window's mean ± k × its standard deviation") == 1


def test_report_shows_the_tsg_action_plan_when_built(report_document, query):
    built = query("select count(*) from information_schema.tables where table_name = 'tsg_action_plan'")[0][0]
    if not built:
        assert "tsg_action_plan is not in this warehouse" in report_document
        return
    plan_rows = query("select count(*) from marts.tsg_action_plan")[0][0]
    table = re.search(r'<table id="tsg_action_plan">.*?</table>', report_document, re.S).group(0)
    assert table.count("<tr>") == plan_rows + 1  # + header
    assert "<th>evidence</th>" in table


def test_make_report_target_runs_the_script():
    makefile = (PROJECT_DIR / "Makefile").read_text()
    assert re.search(r"^report:.*\n(\t.*\n)*\t.*reports/oncall_report\.py", makefile, re.M)


# ----------------------------------------------------------------- pure helpers

def test_baseline_band_is_k_std_around_the_mean_and_only_on_scored_hours():
    frame = pd.DataFrame({
        "baseline_mean": [10.0, 10.0], "baseline_std": [2.0, 2.0], "anomaly_k": [5, 5], "is_scored": [True, False],
    })
    banded = report.baseline_band(frame)
    assert banded.loc[0, "band_low"] == 0.0 and banded.loc[0, "band_high"] == 20.0
    assert banded.loc[1, ["band_low", "band_high"]].isna().all()


def test_the_bucket_grid_turns_missing_buckets_into_gaps():
    series = pd.DataFrame({
        "observed_at": pd.to_datetime(["2023-11-17 00:00", "2023-11-17 03:00"]), "value": [1.0, 2.0],
    })
    grid = report.on_bucket_grid(series)
    assert list(grid["observed_at"].dt.hour) == [0, 1, 2, 3]
    assert grid["value"].isna().tolist() == [False, True, True, False]
    # at a 5-minute grain every bucket is drawn (an hourly grid kept one in twelve: review)
    five = pd.DataFrame({"observed_at": pd.date_range("2024-05-06", periods=24, freq="5min"), "value": 1.0}).drop(index=[3])
    assert len(report.on_bucket_grid(five)) == 24 and report.on_bucket_grid(five)["value"].isna().sum() == 1


def test_incident_spans_belong_to_the_service_and_cover_the_last_hour():
    incidents = pd.DataFrame({
        "service_name": ["a", "b"],
        "started_at": pd.to_datetime(["2023-11-21 14:00", "2023-11-22 00:00"]),
        "ended_at": pd.to_datetime(["2023-11-21 15:00", "2023-11-22 00:00"]),
    })
    assert report.incident_spans(incidents, "a") == [
        (pd.Timestamp("2023-11-21 14:00"), pd.Timestamp("2023-11-21 16:00"))]
    assert report.incident_spans(None, "a") == []


def test_tables_escape_html():
    html = report.table_html(pd.DataFrame({"finding": ["<script>x</script>"], "n": [None]}))
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_report_renders_without_any_mart():
    document, charts = report.render_report({}, datetime(2024, 1, 1, tzinfo=UTC))
    assert charts == []
    assert document.count("is not in this warehouse") == 7


def test_empty_marts_still_give_readable_charts():
    empty_chains = pd.DataFrame(columns=["function_name", "chain_length", "chain_start_timestamp",
                                         "span_ms", "error_count"])
    empty_bursts = pd.DataFrame(columns=["function_name", "window_start_time", "invocation_count",
                                         "error_rate_pct"])
    for chart in (report.chains_chart(empty_chains), report.bursts_chart(empty_bursts, None)):
        pixels = matplotlib.image.imread(io.BytesIO(chart.png), format="png")
        assert (pixels[..., :3] < 0.9).any()  # the "no chains/bursts" message is drawn


def test_report_has_an_slo_section_where_notify_links_point(report_document, query):
    # notify links to <report>#slo-<slo_name>: each SLO has that anchor, holding its burn-down chart
    for (slo_name,) in query("select distinct slo_name from marts.slo_status"):
        assert f'<div id="slo-{slo_name}"><figure><img data-chart="slo_{slo_name}"' in report_document
    alerts = query("select count(*) from marts.slo_burn_rate_alerts")[0][0]
    table = re.search(r'<table id="slo_alerts">.*?</table>', report_document, re.S).group(0)
    assert table.count("<tr>") == alerts + 1
    # how many events each alert rests on: the shipped fast-burn page's hour held 46 bad requests of 2,381
    assert "<th>long_window_bad_events_at_start</th><th>long_window_events_at_start</th>" in table
    assert "<td>46</td><td>2381</td>" in table


def test_alert_spans_end_at_resolution_or_at_the_newest_step_while_firing():
    alerts = pd.DataFrame({
        "slo_name": ["a", "a", "b"], "severity": ["page", "ticket", "page"],
        "started_at": pd.to_datetime(["2024-01-01 10:05", "2024-01-01 11:00", "2024-01-01 10:00"]),
        "resolved_at": pd.to_datetime(["2024-01-01 10:20", None, None]),
    })
    assert report.alert_spans(alerts, "a", pd.Timestamp("2024-01-01 12:00")) == [
        (pd.Timestamp("2024-01-01 10:05"), pd.Timestamp("2024-01-01 10:20"), "page"),
        (pd.Timestamp("2024-01-01 11:00"), pd.Timestamp("2024-01-01 12:00"), "ticket")]
    assert report.alert_spans(None, "a", pd.Timestamp("2024-01-01 12:00")) == []


def test_slo_chart_shades_the_alert_periods():
    steps = pd.date_range("2024-01-01 10:05", periods=24, freq="5min")
    status = pd.DataFrame({"slo_name": "a", "evaluated_at": steps, "time_window": "28d", "objective_pct": 99.0,
                           "budget_remaining_pct": np.linspace(100, -50, 24), "sli_pct": np.linspace(100, 98, 24)})
    alerts = pd.DataFrame({"slo_name": ["a"], "severity": ["page"], "started_at": [steps[6]], "resolved_at": [steps[18]]})

    def shaded_pixels(chart):
        rgb = matplotlib.image.imread(io.BytesIO(chart.png), format="png")[..., :3]
        # the page colour (#d62728) at 15 % over white: pale red
        return int(((rgb[..., 0] > 0.9) & (rgb[..., 1] < 0.92) & (rgb[..., 1] > 0.8) & (rgb[..., 0] - rgb[..., 2] > 0.05)).sum())

    with_alert, without = report.slo_budget_chart(status, alerts, "a"), report.slo_budget_chart(status, None, "a")
    assert with_alert.chart_id == "slo_a"
    assert shaded_pixels(with_alert) > shaded_pixels(without) + 10_000


def test_a_path_that_is_no_built_warehouse_stops_with_its_reason(tmp_path, capsys):
    """An operator trial wrote "0 charts" with exit 0 from an empty DuckDB file: the report now stops, saying
    why, with notify's exit codes (3: build it, 2: not a warehouse); an --out it cannot write stops first."""
    import duckdb
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    (tmp_path / "notes.txt").write_text("not a database")
    out = tmp_path / "out.html"
    for warehouse, code, reason in ((tmp_path / "missing.duckdb", 3, "no warehouse at"),
                                    (empty, 2, "holds none of marts.metric_anomalies"),
                                    (tmp_path, 2, "is a folder"),
                                    (tmp_path / "notes.txt", 2, "cannot be opened as a DuckDB warehouse")):
        assert report.main(["--warehouse", str(warehouse), "--out", str(out)]) == code
        assert reason in capsys.readouterr().err
    assert not out.exists()
    with pytest.raises(SystemExit) as usage:
        report.main(["--warehouse", str(empty), "--out", str(tmp_path)])
    assert usage.value.code == 2 and "a folder; expected a file path" in capsys.readouterr().err
