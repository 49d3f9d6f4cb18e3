"""The on-call incident report: one self-contained HTML file read from the warehouse.

    .venv/bin/python reports/oncall_report.py [--warehouse PATH] [--out target/oncall_report.html]

Sections: each service's hourly metrics against the detector's baseline band
(flagged buckets and incident windows marked), each SLO's error-budget burn-down
with its burn-rate alerts shaded, the canary comparison side by
side, invocation chains and traffic bursts, the troubleshooting guide's action
plan with its evidence, and the postmortem drafts. Charts are matplotlib PNGs
embedded as base64 data URIs, so the file opens anywhere with no server.

The functions below are pure (frames in, figures or HTML out) so that
python_checks can test them without a warehouse; `main` is the thin I/O shell.
"""
from __future__ import annotations

import argparse
import base64
import html
import io
import os
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import matplotlib

matplotlib.use("Agg")  # headless: no display on CI or servers

import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import pandas as pd  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from oncall_analytics.cli_paths import output_file  # noqa: E402
from oncall_analytics.warehouse_file import open_warehouse  # noqa: E402

DEFAULT_WAREHOUSE = "warehouse/oncall_analytics.duckdb"
DEFAULT_OUT = "target/oncall_report.html"

# Colours shared by every chart so a reader learns them once.
VALUE_COLOUR = "#1f4e79"
BAND_COLOUR = "#9ecae1"
FLAG_COLOUR = "#d62728"
INCIDENT_COLOUR = "#ff7f0e"
VERSION_COLOURS = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3"]
SEVERITY_COLOURS = {"page": FLAG_COLOUR, "ticket": INCIDENT_COLOUR}


@dataclass(frozen=True)
class Chart:
    """A rendered chart: `chart_id` names it in the HTML (data-chart attribute)."""

    chart_id: str
    title: str
    png: bytes


# --------------------------------------------------------------------------- data

def read_table(con: duckdb.DuckDBPyConnection, relation: str) -> pd.DataFrame | None:
    """The whole relation as a frame, or None when it is not in the warehouse
    (an area that was not built, e.g. a `--select`ed run)."""
    schema, name = relation.split(".")
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()[0]
    if not exists:
        return None
    return con.execute(f'select * from "{schema}"."{name}"').df()


def baseline_band(metrics: pd.DataFrame) -> pd.DataFrame:
    """Adds band_low/band_high = baseline_mean -/+ anomaly_k * baseline_std: the
    range the detector accepts; outside it (and not a weekly repeat) is a flag.
    Hours the detector does not score (too little history) get no band."""
    out = metrics.copy()
    half_width = out["anomaly_k"] * out["baseline_std"]
    scored = out["is_scored"].astype(bool)
    out["band_low"] = (out["baseline_mean"] - half_width).where(scored)
    out["band_high"] = (out["baseline_mean"] + half_width).where(scored)
    return out


def on_bucket_grid(series: pd.DataFrame) -> pd.DataFrame:
    """One metric's rows reindexed on every bucket from its first to its last (the detection grain: the
    smallest step between its rows, at most an hour), so a missing bucket is a gap in the plotted line
    instead of a straight segment. An hourly grid kept one bucket in twelve of a 5-minute series (review)."""
    if series.empty:
        return series
    indexed = series.set_index(pd.to_datetime(series["observed_at"])).sort_index()
    steps = indexed.index.to_series().diff().dropna()
    step = min(steps[steps > pd.Timedelta(0)].min(), pd.Timedelta(hours=1)) if (steps > pd.Timedelta(0)).any() else pd.Timedelta(hours=1)
    grid = pd.date_range(indexed.index.min(), indexed.index.max(), freq=step)
    out = indexed.drop(columns="observed_at").reindex(grid)
    out.index.name = "observed_at"
    return out.reset_index()


def incident_spans(incidents: pd.DataFrame | None, service_name: str) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """(start, end) of each incident of the service; the end is the last flagged
    hour plus one hour, so a one-hour incident still has a visible width."""
    if incidents is None or incidents.empty:
        return []
    own = incidents[incidents["service_name"] == service_name].sort_values("started_at")
    return [
        (pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(hours=1))
        for start, end in zip(own["started_at"], own["ended_at"])
    ]


def slug(text: str) -> str:
    """A chart id fragment: lower case, runs of other characters become '_'."""
    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_")


# --------------------------------------------------------------------------- charts

def figure_png(fig) -> bytes:
    """Renders and closes the figure (closing keeps memory flat over many charts)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def _empty_axes(ax, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=12, transform=ax.transAxes)
    ax.set_axis_off()


def service_metrics_chart(metrics: pd.DataFrame, incidents: pd.DataFrame | None, service_name: str) -> Chart:
    """One panel per metric of the service: value, baseline band, flagged buckets,
    incident windows shaded."""
    own = baseline_band(metrics[metrics["service_name"] == service_name]).sort_values("observed_at")
    metric_names = sorted(own["metric_name"].unique())
    fig, axes = plt.subplots(
        len(metric_names), 1, figsize=(12, 1.9 * len(metric_names) + 0.8), sharex=True, squeeze=False,
        layout="constrained",
    )
    spans = incident_spans(incidents, service_name)
    for ax, metric_name in zip(axes[:, 0], metric_names):
        series = on_bucket_grid(own[own["metric_name"] == metric_name])
        # A reading between two gaps has no line segment: draw readings as dots then.
        observed = series["value"].notna()
        sparse = bool((observed & ~observed.shift(1, fill_value=False) & ~observed.shift(-1, fill_value=False)).any())
        ax.fill_between(series["observed_at"], series["band_low"], series["band_high"],
                        color=BAND_COLOUR, alpha=0.6, linewidth=0, label="baseline ± k·std")
        ax.plot(series["observed_at"], series["value"], color=VALUE_COLOUR, linewidth=1.0,
                marker="." if sparse else None, label="value")
        flagged = series[series["is_anomaly"].eq(True)]  # grid hours (NaN) are not flagged
        ax.scatter(flagged["observed_at"], flagged["value"], color=FLAG_COLOUR, s=18, zorder=3, label="flagged bucket")
        for start, end in spans:
            ax.axvspan(start, end, color=INCIDENT_COLOUR, alpha=0.18, linewidth=0)
        ax.set_ylabel(metric_name, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    if spans:
        handles.append(plt.Rectangle((0, 0), 1, 1, color=INCIDENT_COLOUR, alpha=0.18))
        labels.append("incident window")
    fig.legend(handles, labels, loc="outside upper right", ncol=4, fontsize=8)
    fig.suptitle(f"{service_name}: hourly metrics against the rolling baseline", x=0.01, ha="left", fontsize=11)
    return Chart(f"metrics_{slug(service_name)}", f"{service_name} metrics", figure_png(fig))


def alert_spans(alerts: pd.DataFrame | None, slo_name: str, last_step) -> list[tuple[pd.Timestamp, pd.Timestamp, str]]:
    """(start, end, severity) of each burn-rate alert of the SLO; one still
    firing ends at the SLO's newest step."""
    if alerts is None or alerts.empty:
        return []
    own = alerts[alerts["slo_name"] == slo_name].sort_values("started_at")
    return [(pd.Timestamp(start), pd.Timestamp(last_step if pd.isna(end) else end), severity)
            for start, end, severity in zip(own["started_at"], own["resolved_at"], own["severity"])]


def slo_budget_chart(status: pd.DataFrame, alerts: pd.DataFrame | None, slo_name: str) -> Chart:
    """The SLO's error-budget burn-down: budget left over its rolling window at
    each 5-minute step (100 % untouched, below 0 overspent), the SLI beneath,
    and the periods its burn-rate alerts fired shaded (red: page, orange: ticket)."""
    own = status[status["slo_name"] == slo_name].sort_values("evaluated_at")
    fig, (ax_budget, ax_sli) = plt.subplots(2, 1, figsize=(12, 4.2), sharex=True, height_ratios=[2, 1], layout="constrained")
    if own.empty:
        _empty_axes(ax_budget, "no evaluated steps")
        _empty_axes(ax_sli, "")
        spans = []
    else:
        steps = pd.to_datetime(own["evaluated_at"])
        ax_budget.plot(steps, own["budget_remaining_pct"].astype(float), color=VALUE_COLOUR, linewidth=1.2,
                       label="error budget left (%)")
        ax_budget.axhline(0, color="#555", linewidth=0.8, linestyle="--")
        ax_budget.axhline(100, color=BAND_COLOUR, linewidth=0.8)
        ax_budget.set_ylabel("budget left (%)", fontsize=8)
        ax_sli.plot(steps, own["sli_pct"].astype(float), color="#55a868", linewidth=1.0, label="SLI (%)")
        ax_sli.axhline(float(own["objective_pct"].iloc[0]), color=FLAG_COLOUR, linewidth=0.8, linestyle=":",
                       label="objective")
        ax_sli.set_ylabel("SLI (%)", fontsize=8)
        spans = alert_spans(alerts, slo_name, steps.max())
        for ax in (ax_budget, ax_sli):
            for start, end, severity in spans:
                ax.axvspan(start, end, color=SEVERITY_COLOURS.get(severity, INCIDENT_COLOUR), alpha=0.15, linewidth=0)
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3)
    handles, labels = ax_budget.get_legend_handles_labels()
    more_handles, more_labels = ax_sli.get_legend_handles_labels()
    handles, labels = handles + more_handles, labels + more_labels
    for severity in sorted({severity for _, _, severity in spans}):
        handles.append(plt.Rectangle((0, 0), 1, 1, color=SEVERITY_COLOURS.get(severity, INCIDENT_COLOUR), alpha=0.15))
        labels.append(f"{severity} alert firing")
    fig.legend(handles, labels, loc="outside upper right", ncol=5, fontsize=8)
    window = own["time_window"].iloc[0] if not own.empty else ""
    fig.suptitle(f"{slo_name}: error budget over the rolling {window}", x=0.01, ha="left", fontsize=11)
    return Chart(f"slo_{slug(slo_name)}", f"{slo_name} error budget", figure_png(fig))


SLO_SUMMARY_COLUMNS = ["slo_name", "service_name", "sli_kind", "objective_pct", "time_window", "evaluated_at", "sli_pct",
                       "budget_remaining_pct", "current_burn_rate", "hours_until_budget_exhausted"]
SLO_ALERT_COLUMNS = ["slo_name", "rule_name", "severity", "started_at", "resolved_at",
                     "long_window_burn_rate_at_start", "short_window_burn_rate_at_start",
                     # a burn rate of hundreds on a low-traffic SLO can be one failed event: say how many
                     "long_window_bad_events_at_start", "long_window_events_at_start"]


def slo_section(status: pd.DataFrame | None, alerts: pd.DataFrame | None) -> tuple[str, list[Chart]]:
    """The SLO section's HTML and charts: where each SLO stands at its newest
    step, its burn-rate alerts, and one burn-down chart per SLO (anchored
    `slo-<name>`, the link notify sends)."""
    if status is None:
        return missing_html("slo_status"), []
    latest = status.sort_values("evaluated_at").groupby("slo_name", as_index=False).tail(1).sort_values("slo_name")
    body = ("<p>Error budget left over each SLO's rolling window at every 5-minute step (100 %: untouched; "
            "below 0: overspent), the SLI beneath against its objective. Shaded: burn-rate alerts while they fired "
            "(red: page, orange: ticket).</p>" + table_html(latest.round(3), SLO_SUMMARY_COLUMNS, "slo_status"))
    if alerts is not None:
        body += "<h3>Burn-rate alerts</h3>" + table_html(alerts.sort_values(["started_at", "slo_name"]).round(2),
                                                        SLO_ALERT_COLUMNS, "slo_alerts")
    charts = []
    for slo_name in latest["slo_name"]:
        chart = slo_budget_chart(status, alerts, slo_name)
        charts.append(chart)
        body += f'<div id="slo-{html.escape(slug(slo_name))}">{chart_html(chart)}</div>'
    return body, charts


CANARY_PANELS = [
    ("total_invocations", "invocations"),
    ("error_rate_pct", "error rate (%)"),
    ("avg_duration_ms", "mean duration (ms)"),
    ("p95_duration_ms", "p95 duration (ms)"),
    ("avg_memory_used_mb", "mean memory (MB)"),
]


def canary_chart(canary: pd.DataFrame) -> Chart:
    """The versions of the canary window side by side, one panel per measure."""
    fig, axes = plt.subplots(1, len(CANARY_PANELS), figsize=(14, 3.4))
    canary = canary.sort_values("version_id")
    labels = [f"v{version}" for version in canary["version_id"]]
    colours = [VERSION_COLOURS[i % len(VERSION_COLOURS)] for i in range(len(canary))]
    for ax, (column, title) in zip(axes, CANARY_PANELS):
        if canary.empty:
            _empty_axes(ax, "no invocations\nin the window")
            continue
        values = canary[column].astype(float).fillna(0)
        bars = ax.bar(labels, values, color=colours)
        ax.bar_label(bars, fmt="%.4g", fontsize=8)
        ax.set_title(title, fontsize=9)
        if column == "total_invocations":
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(labelsize=8)
        ax.margins(y=0.15)
    verdicts = ", ".join(
        f"v{version}: {verdict}" for version, verdict in zip(canary["version_id"], canary["verdict"]) if verdict
    )
    function_name = canary["function_name"].iloc[0] if not canary.empty else "canary"
    fig.suptitle(f"{function_name}: canary window by version ({verdicts or 'no verdict'})", x=0.01, ha="left", fontsize=11)
    fig.tight_layout()
    return Chart("canary_comparison", "Canary comparison", figure_png(fig))


MAX_CHAINS_SHOWN = 25


def chain_labels(chains: pd.DataFrame) -> list[str]:
    """'function\nstart time' per chain, to the millisecond (chains are short)."""
    starts = pd.to_datetime(chains["chain_start_timestamp"]).dt.strftime("%m-%d %H:%M:%S.%f").str[:-3]
    return [f"{name}\n{start}" for name, start in zip(chains["function_name"], starts)]


def chains_chart(chains: pd.DataFrame) -> Chart:
    """The longest chains of back-to-back invocations (length, span, errors) and
    how many chains each function has."""
    fig, (ax_chain, ax_count) = plt.subplots(1, 2, figsize=(13, 3.8), gridspec_kw={"width_ratios": [2, 1]})
    if chains.empty:
        _empty_axes(ax_chain, "no invocation chains")
        _empty_axes(ax_count, "")
    else:
        longest = chains.sort_values(["chain_length", "chain_start_timestamp"], ascending=[False, True])
        longest = longest.head(MAX_CHAINS_SHOWN).sort_values("chain_start_timestamp")
        colours = [FLAG_COLOUR if errors else VALUE_COLOUR for errors in longest["error_count"].fillna(0) > 0]
        bars = ax_chain.bar(chain_labels(longest), longest["chain_length"], color=colours, width=0.6)
        ax_chain.bar_label(bars, labels=[f"{span:.3g} ms" for span in longest["span_ms"].astype(float)], fontsize=7)
        ax_chain.set_ylabel("invocations in the chain", fontsize=8)
        ax_chain.set_title(f"longest chains (up to {MAX_CHAINS_SHOWN}; red: with errors; label: span)", fontsize=9)
        ax_chain.margins(y=0.15)
        per_function = chains["function_name"].value_counts().sort_index()
        ax_count.bar(per_function.index, per_function.to_numpy(), color=VALUE_COLOUR)
        ax_count.set_title("chains per function", fontsize=9)
        for ax, bar_count in ((ax_chain, len(longest)), (ax_count, len(per_function))):
            ax.set_xlim(-0.6, max(bar_count, 4) - 0.4)  # a lone chain is a bar, not the whole panel
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3, axis="y")
    fig.suptitle("Invocation chains (an invocation starting right after the previous one ended)",
                 x=0.01, ha="left", fontsize=11)
    fig.tight_layout()
    return Chart("invocation_chains", "Invocation chains", figure_png(fig))


def bursts_chart(bursts: pd.DataFrame, correlation: pd.DataFrame | None) -> Chart:
    """Burst seconds over time (size, error rate) and the error rate in bursts vs
    the other seconds of each function."""
    fig, (ax_time, ax_rate) = plt.subplots(1, 2, figsize=(13, 3.6), gridspec_kw={"width_ratios": [2, 1]})
    if bursts.empty:
        _empty_axes(ax_time, "no traffic bursts")
    else:
        points = ax_time.scatter(bursts["window_start_time"], bursts["invocation_count"],
                                 c=bursts["error_rate_pct"].astype(float), cmap="RdYlGn_r", vmin=0, vmax=100, s=30)
        fig.colorbar(points, ax=ax_time, label="error rate (%)")
        ax_time.set_ylabel("invocations in the second", fontsize=8)
        ax_time.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax_time.set_title("burst seconds", fontsize=9)
        ax_time.tick_params(labelsize=7)
        ax_time.grid(alpha=0.3)
    if correlation is None or correlation.empty:
        _empty_axes(ax_rate, "no burst/other split")
    else:
        correlation = correlation.sort_values("function_name")
        positions = range(len(correlation))
        width = 0.38
        ax_rate.bar([p - width / 2 for p in positions], correlation["burst_error_rate_pct"].astype(float).fillna(0),
                    width, color=FLAG_COLOUR, label="burst seconds")
        ax_rate.bar([p + width / 2 for p in positions], correlation["other_error_rate_pct"].astype(float).fillna(0),
                    width, color=VALUE_COLOUR, label="other seconds")
        ax_rate.set_xticks(list(positions), correlation["function_name"], fontsize=7, rotation=20)
        ax_rate.set_ylabel("error rate (%)", fontsize=8)
        ax_rate.set_title("error rate: bursts vs the rest", fontsize=9)
        ax_rate.legend(fontsize=7)
    fig.suptitle("Traffic bursts (seconds with many invocations) and their errors", x=0.01, ha="left", fontsize=11)
    fig.tight_layout()
    return Chart("traffic_bursts", "Traffic bursts", figure_png(fig))


# --------------------------------------------------------------------------- HTML

def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def chart_html(chart: Chart) -> str:
    return (f'<figure><img data-chart="{html.escape(chart.chart_id)}" alt="{html.escape(chart.title)}" '
            f'src="{data_uri(chart.png)}"><figcaption>{html.escape(chart.title)}</figcaption></figure>')


def table_html(frame: pd.DataFrame, columns: list[str] | None = None, table_id: str = "") -> str:
    """An escaped HTML table (pandas' to_html would not let us keep long text readable)."""
    columns = [c for c in (columns or list(frame.columns)) if c in frame.columns]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape('' if pd.isna(v) else str(v))}</td>" for v in row) + "</tr>"
        for row in frame[columns].itertuples(index=False)
    )
    id_attr = f' id="{html.escape(table_id)}"' if table_id else ""
    return f"<table{id_attr}><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def postmortems_html(postmortems: pd.DataFrame) -> str:
    sections = ["impact", "detection", "root_cause", "fix", "prevention"]
    parts = []
    for row in postmortems.sort_values("incident_id").itertuples(index=False):
        body = "".join(
            f"<h4>{html.escape(name.replace('_', ' ').capitalize())}</h4><p>{html.escape(str(getattr(row, name)))}</p>"
            for name in sections if hasattr(row, name)
        )
        parts.append(
            f'<article class="postmortem" data-incident="{row.incident_id}"><h3>Incident {row.incident_id}: '
            f"{html.escape(str(row.service_name))}, {html.escape(str(row.started_at))} → {html.escape(str(row.ended_at))}"
            f" (root cause: {html.escape(str(row.root_cause_metric))})</h3>{body}</article>"
        )
    return "".join(parts) or "<p>No incidents, so no postmortem drafts.</p>"


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1250px; color: #222; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 2px solid #1f4e79; padding-bottom: 0.2em; margin-top: 2em; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 0.85em; color: #555; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.8em 0; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.5em; vertical-align: top; text-align: left; }
th { background: #eef3f8; } .muted { color: #777; }
#tsg_action_plan td:last-child { min-width: 20em; }
article.postmortem { border-left: 4px solid #ff7f0e; padding-left: 1em; margin: 1.2em 0; }
"""


# What the on-call engineer acts on; the attribution figures are in the evidence text.
TSG_PLAN_COLUMNS = ["priority", "dimension", "dimension_value", "finding_role", "finding",
                    "recommended_action", "evidence"]


def section_html(title: str, anchor: str, body: str) -> str:
    return f'<section id="{anchor}"><h2>{html.escape(title)}</h2>{body}</section>'


def band_caption(metrics: pd.DataFrame) -> str:
    """What the chart's line and band are, for the method that scored the metrics (the caption described the
    notebook's window mean and std under the robust default: operator trial)."""
    methods = set(metrics["anomaly_method"].dropna()) if "anomaly_method" in metrics else set()
    band = ("the expected value (the level of the previous window's blocks, or the same time of day on earlier days) "
            "± k × the robust scale of the earlier days' residuals" if methods == {"robust"} else
            "the previous window's mean ± k × its standard deviation" if methods == {"notebook"} else
            "the expected value ± k × the scale the detector scored it with")
    return (f"Blue line: the value of each bucket. Shaded blue: the detector's accepted range, {band}, from earlier "
            "buckets only. No band where a bucket is not scored: a series' first days, before the detector has the "
            "history it needs (README, min_history_hours).")


def missing_html(what: str) -> str:
    return f'<p class="muted">{html.escape(what)} is not in this warehouse (not built).</p>'


def render_report(tables: dict[str, pd.DataFrame | None], generated_at: datetime) -> tuple[str, list[Chart]]:
    """The report's HTML and the charts it embeds, from the marts as frames
    (keys are the mart names; a value of None means the mart was not built)."""
    charts: list[Chart] = []
    sections: list[str] = []

    metrics, incidents = tables.get("metric_anomalies"), tables.get("incidents")
    if metrics is None:
        body = missing_html("metric_anomalies")
    else:
        figures = []
        for service_name in sorted(metrics["service_name"].unique()):
            chart = service_metrics_chart(metrics, incidents, service_name)
            charts.append(chart)
            figures.append(chart_html(chart))
        incident_table = (table_html(incidents, ["incident_id", "service_name", "started_at", "ended_at",
                                                 "duration_hours", "root_cause_metric", "metric_count",
                                                 "flag_count", "peak_abs_z_score"], "incidents")
                          if incidents is not None else missing_html("incidents"))
        body = (f"<p>{band_caption(metrics)} Red dots: flagged buckets. Orange: incident windows.</p>"
                + incident_table + "".join(figures))
    sections.append(section_html("Service metrics and incidents", "metrics", body))

    body, slo_charts = slo_section(tables.get("slo_status"), tables.get("slo_burn_rate_alerts"))
    charts.extend(slo_charts)
    sections.append(section_html("SLOs and error budgets", "slo", body))

    canary = tables.get("canary_version_comparison")
    body = missing_html("canary_version_comparison") if canary is None else ""
    if canary is not None:
        chart = canary_chart(canary)
        charts.append(chart)
        body = chart_html(chart) + table_html(canary, ["version_id", "total_invocations", "error_rate_pct",
                                                       "p95_duration_ms", "verdict", "verdict_reason"], "canary")
    srm = tables.get("srm_check")
    if srm is not None and not srm.empty:
        body += "<h3>Traffic split (sample-ratio mismatch)</h3>" + table_html(
            srm, ["function_name", "observed_split", "expected_split", "p_value", "verdict"], "srm")
    sections.append(section_html("Canary comparison", "canary", body))

    chains, bursts = tables.get("invocation_chains"), tables.get("burst_windows")
    body = ""
    if chains is None:
        body += missing_html("invocation_chains")
    else:
        chart = chains_chart(chains)
        charts.append(chart)
        body += chart_html(chart)
    if bursts is None:
        body += missing_html("burst_windows")
    else:
        correlation = tables.get("burst_error_correlation")
        chart = bursts_chart(bursts, correlation)
        charts.append(chart)
        body += chart_html(chart)
        if correlation is not None:
            body += table_html(correlation, ["function_name", "burst_seconds", "burst_error_rate_pct",
                                             "other_error_rate_pct", "burst_error_effect"], "burst_correlation")
    sections.append(section_html("Chains and bursts", "chains-bursts", body))

    plan = tables.get("tsg_action_plan")
    body = (missing_html("tsg_action_plan") if plan is None else
            "<p>The troubleshooting guide's nine checks, ranked into what to do first.</p>"
            + table_html(plan.sort_values("priority"), TSG_PLAN_COLUMNS, "tsg_action_plan"))
    sections.append(section_html("Troubleshooting guide: action plan", "tsg", body))

    postmortems = tables.get("incident_postmortems")
    body = missing_html("incident_postmortems") if postmortems is None else postmortems_html(postmortems)
    sections.append(section_html("Postmortem drafts", "postmortems", body))

    stamp = generated_at.strftime("%Y-%m-%d %H:%M UTC")
    document = (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>On-call incident report</title><style>{STYLE}</style></head><body>"
        f'<h1>On-call incident report</h1><p class="muted">Generated {stamp} from the oncall_analytics warehouse.</p>'
        + "".join(sections) + "</body></html>"
    )
    return document, charts


REPORT_TABLES = {
    "metric_anomalies": "marts.metric_anomalies",
    "incidents": "marts.incidents",
    "incident_postmortems": "marts.incident_postmortems",
    "canary_version_comparison": "marts.canary_version_comparison",
    "srm_check": "marts.srm_check",
    "invocation_chains": "marts.invocation_chains",
    "burst_windows": "marts.burst_windows",
    "burst_error_correlation": "marts.burst_error_correlation",
    "tsg_action_plan": "marts.tsg_action_plan",
    "slo_status": "marts.slo_status",
    "slo_burn_rate_alerts": "marts.slo_burn_rate_alerts",
}


def build_report(con: duckdb.DuckDBPyConnection, out: Path) -> list[Chart]:
    """Reads the marts from the warehouse and writes the report; returns its charts."""
    tables = {name: read_table(con, relation) for name, relation in REPORT_TABLES.items()}
    document, charts = render_report(tables, datetime.now(UTC))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(document, encoding="utf-8")
    return charts


def main(argv: list[str] | None = None) -> int:
    """Exit codes as notify's: 0 written; 2 a usage error or a path that is no built warehouse; 3 the
    warehouse is missing or busy (a dbt run)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", default=os.environ.get("DBT_DUCKDB_PATH", DEFAULT_WAREHOUSE))
    parser.add_argument("--out", type=output_file, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    con, exit_code = open_warehouse(args.warehouse, "report", tuple(REPORT_TABLES.values()), read_only=True)
    if con is None:
        return exit_code
    with con:
        charts = build_report(con, Path(args.out))
    print(f"Wrote {args.out} with {len(charts)} charts: {', '.join(c.chart_id for c in charts)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
