"""Postmortem drafts (the model incident_postmortems): one row per incident with impact, detection, root
cause, fix and prevention drafted from the data (which metrics moved and by
how much, which led, when the first alert fired, which silent shifts
followed). Drafts for the on-call engineer to edit, not verdicts.

Timing comes from the incident's onsets (incident_metrics: a follower's onset lag, in minutes under an
hour's grain); the causal graph's lags are where two deviations correlate best, which for a sustained
incident is often lag 0 whatever the onsets, so its edges are quoted as correlations. When the
level-shift detector saw the root cause's metric shift before the z-score alert fired (a drift), the
change is dated from that shift's span, not from the alert.

Per service: on Spark the flagged hours of metric_anomalies are grouped by
service (groupBy(service_name).applyInPandas); the incidents, their metrics,
level shifts and causal edges, a few rows per incident, are read whole.
"""
from __future__ import annotations

from functools import partial

import pandas as pd

from oncall_analytics.drivers import by_group, where
from oncall_analytics.frames import as_pandas, empty

HOUR = pd.Timedelta(hours=1)
# incident_postmortems, as its YAML declares it
POSTMORTEMS_SCHEMA = {
    "incident_id": "bigint", "service_name": "varchar", "started_at": "timestamp", "ended_at": "timestamp",
    "root_cause_metric": "varchar", "impact": "varchar", "detection": "varchar", "root_cause": "varchar",
    "fix": "varchar", "prevention": "varchar",
}


def _when(ts) -> str:
    return pd.Timestamp(ts).strftime("%Y-%m-%d %H:%M")


def _lag(hours: float) -> str:
    """A lag: '+2 h', '+10 min' or '+1 h 30 min' (grains under an hour)."""
    whole, minutes = divmod(round(float(hours) * 60), 60)
    return "+" + " ".join([f"{whole} h"] * bool(whole) + [f"{minutes} min"] * bool(minutes or not whole))


def _change(before: float, after: float) -> str:
    relative = f" ({(after - before) / abs(before):+.0%})" if before else ""
    return f"{before:.4g} -> {after:.4g}{relative}"


def first_movers(metrics: pd.DataFrame) -> list[str]:
    """The metrics whose onset is the incident's first bucket, in root-cause rank (|z| at onset first)."""
    ranked = metrics.sort_values("root_cause_rank")
    return ranked.loc[ranked["onset_lag_hours"] == 0, "metric_name"].tolist()


def _who_moved_first(first: list[str], started_at) -> str:
    # a tie in the first bucket is ranked by evidence for the root cause, but the data cannot order the metrics
    if len(first) == 1:
        return f"{first[0]} moved first"
    return f"{', '.join(first[:-1])} and {first[-1]} moved together in the first bucket ({_when(started_at)}; ranked by |z| at onset)"


def _edge(edge) -> str:
    """One edge of the causal graph; a simultaneous one (best correlated at lag 0) has no direction."""
    if edge.is_simultaneous:
        return f"{edge.cause_metric} ~ {edge.effect_metric} (lag 0, r {edge.correlation:+.2f})"
    return f"{edge.cause_metric} -> {edge.effect_metric} ({_lag(edge.lag_hours)}, r {edge.correlation:+.2f})"


def _followers(metrics: pd.DataFrame, first: list[str]) -> str:
    """', with b (+10 min) and c (+2 h) following': the metrics after the first bucket, by onset, each with its
    onset lag behind the incident's start."""
    later = metrics[~metrics["metric_name"].isin(first)].sort_values(["onset_lag_hours", "root_cause_rank"])
    if not len(later):
        return ""
    named = [f"{row.metric_name} ({_lag(row.onset_lag_hours)})" for row in later.itertuples()]
    listed = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
    return f", with {listed} following"


def shift_before_alert(incident, shifts: pd.DataFrame, horizon_hours: float):
    """The root cause's latest level shift detected at or before the alert whose alarms reach within
    `horizon_hours` of it (a drift the level-shift detector saw first), or None."""
    started_at = incident.started_at
    earlier = shifts[(shifts["metric_name"] == incident.root_cause_metric) & (shifts["detected_at"] <= started_at)
                     & (shifts["last_alarm_at"] >= started_at - horizon_hours * HOUR)]
    return None if not len(earlier) else earlier.sort_values(["detected_at", "span_started_at"]).iloc[-1]


def _silent_shift(shift, started_at) -> str:
    before = " (before the incident started)" if shift.span_started_at < started_at else ""
    return f"{shift.metric_name} shifted {_change(shift.before_mean, shift.after_mean)} from {_when(shift.span_started_at)}{before}"


def metric_moves(incident, metrics: pd.DataFrame, anomalies: pd.DataFrame) -> list[str]:
    """'metric baseline -> worst value (+x%)' for each anomalous metric, in root-cause order: the baseline at
    the metric's onset, before the anomaly could pull it (a week-long silence's baseline ends at 0: '0 -> 0')."""
    moves = []
    for row in metrics.sort_values("root_cause_rank").itertuples():
        flagged = anomalies[(anomalies["metric_name"] == row.metric_name)
                            & anomalies["observed_at"].between(row.onset_at, row.last_flag_at) & anomalies["is_anomaly"]]
        worst = flagged.loc[flagged["z_score"].abs().idxmax()]
        onset = flagged.loc[flagged["observed_at"].idxmin()]
        moves.append(f"{row.metric_name} {_change(onset['baseline_mean'], worst['value'])}")
    return moves


def fell_silent(incident, anomalies: pd.DataFrame) -> bool:
    """Whether the incident's root cause is a count of events that fell to 0 at its onset: a silence, scored
    as one (sample_evidence_z of a count's 0, oncall_analytics.detection.silence)."""
    onset = anomalies[(anomalies["metric_name"] == incident.root_cause_metric) & (anomalies["observed_at"] == incident.started_at)]
    if not len(onset) or "sample_evidence_z" not in onset:  # the notebook's scores alone carry no evidence
        return False
    return onset["value"].iloc[0] == 0 and onset["sample_evidence_z"].notna().iloc[0]


def draft(incident, metrics: pd.DataFrame, anomalies: pd.DataFrame, shifts: pd.DataFrame, edges: pd.DataFrame,
          drift=None) -> dict:
    """The draft's texts; `shifts` are the service's level shifts detected in the incident's horizon, `drift` the
    root cause's shift seen before the alert (shift_before_alert)."""
    root = incident.root_cause_metric
    symptoms = [m for m in metrics.sort_values("root_cause_rank")["metric_name"] if m != root]
    # the causal graph's and the level shifts' own orders: rows reach here in any order (Spark partitions)
    edges = edges.sort_values(["effect_lag_behind_root_hours", "effect_metric", "cause_metric"])
    silent = shifts[shifts["is_silent"] & ~shifts["metric_name"].isin(metrics["metric_name"])].sort_values(
        ["service_name", "metric_name", "detected_at"])
    impact = (f"{incident.service_name}: {', '.join(metric_moves(incident, metrics, anomalies))} "
              f"(anomalous for {incident.duration_hours:g} h, {_when(incident.started_at)} to {_when(incident.ended_at)})")
    if len(silent):
        # "then" only when every silent shift's span starts at or after the incident: a span may start before it
        then = "then, " if (silent["span_started_at"] >= incident.started_at).all() else ""
        impact += f"; {then}without an alert, " + ", ".join(_silent_shift(s, incident.started_at) for s in silent.itertuples())
    onset_z = metrics.loc[metrics["is_root_cause"], "onset_z_score"].iloc[0]
    detection = f"The z-score alert fired at {_when(incident.started_at)} on {root} (z {onset_z:+.1f}), in the first hour of the incident"
    if len(silent):
        detection += "; " + "; ".join(
            f"{s.metric_name} never crossed the z threshold, the level-shift detector caught it at {_when(s.detected_at)} "
            f"({_lag((s.detected_at - incident.started_at) / HOUR).lstrip('+')} after the start)" for s in silent.itertuples())
    chain = "; ".join(_edge(e) for e in edges.itertuples())
    first = first_movers(metrics)
    root_cause = _who_moved_first(first, incident.started_at) + _followers(metrics, first)
    root_cause += f". Lagged correlations: {chain}." if chain else "."
    changed_around = _when(incident.started_at)
    hours_ahead = (incident.started_at - drift.detected_at) / HOUR if drift is not None else 0.0
    ahead = _lag(hours_ahead).lstrip("+")
    if drift is not None:
        # detected in the alert's own bucket: "0 min before the alert" read oddly (independent trial)
        detection += (f"; the level-shift detector saw {root} shift {_change(drift.before_mean, drift.after_mean)} at "
                      f"{_when(drift.detected_at)}, {f'{ahead} before the alert' if hours_ahead > 0 else 'as the alert fired'}")
        changed_around = f"{_when(drift.span_started_at)} to {_when(incident.started_at)} (its level shift's span)"
    recovered = f"{root} and {', '.join(symptoms)} return to their baselines" if symptoms else f"{root} returns to its baseline"
    suspects = root if len(first) == 1 else f"{' or '.join(first)} (they moved together: the data cannot tell which led)"
    fix = (f"Find what changed for {suspects} around {changed_around} (deploy, config, upstream data) and revert or "
           f"repair it; confirm {recovered}.")
    if fell_silent(incident, anomalies):
        fix = (f"{incident.service_name} served nothing from {_when(incident.started_at)}: check that it is up and reachable "
               f"(health checks, load balancer, DNS and routing, a deploy or scale-down that stopped it) and restore it; "
               f"confirm {recovered}.")
    prevention = f"Keep a direct alert on {root} (it paged in the first hour)"
    if symptoms:
        prevention += f"; gate rollouts on {', '.join(symptoms)}"
    if len(silent):
        prevention += f"; add level-shift alerts on {', '.join(silent['metric_name'].drop_duplicates())}, which moved silently"
    if hours_ahead > 0:   # a level-shift page would have come earlier only when the shift was seen before the alert
        prevention += f"; page on level shifts of {root}, whose drift was seen {ahead} before the z-score alert"
    prevention += "."
    return {"impact": impact, "detection": detection, "root_cause": root_cause, "fix": fix, "prevention": prevention}


def postmortems(incidents: pd.DataFrame, incident_metrics: pd.DataFrame, anomalies: pd.DataFrame,
                shifts: pd.DataFrame, edges: pd.DataFrame, horizon_hours: float) -> pd.DataFrame:
    """One draft per incident of a service in `anomalies` (its flagged hours
    suffice). Level shifts count for an incident when detected between its
    start and `horizon_hours` after its end, on the same service."""
    incidents, incident_metrics, anomalies, shifts = (
        frame.assign(**{column: pd.to_datetime(frame[column]) for column in columns})
        for frame, columns in ((incidents, ["started_at", "ended_at"]), (incident_metrics, ["onset_at", "last_flag_at"]),
                               (anomalies, ["observed_at"]), (shifts, ["detected_at", "span_started_at", "last_alarm_at"])))
    rows = []
    for incident in incidents[incidents["service_name"].isin(anomalies["service_name"])].itertuples():
        window_end = incident.ended_at + horizon_hours * HOUR
        of_service = shifts[shifts["service_name"] == incident.service_name]
        in_incident = of_service[of_service["detected_at"].between(incident.started_at, window_end)]
        rows.append({
            "incident_id": incident.incident_id, "service_name": incident.service_name, "started_at": incident.started_at,
            "ended_at": incident.ended_at, "root_cause_metric": incident.root_cause_metric,
            **draft(incident, incident_metrics[incident_metrics["incident_id"] == incident.incident_id],
                    anomalies[anomalies["service_name"] == incident.service_name], in_incident,
                    edges[edges["incident_id"] == incident.incident_id], shift_before_alert(incident, of_service, horizon_hours)),
        })
    if not rows:
        return empty(POSTMORTEMS_SCHEMA)
    return pd.DataFrame(rows, columns=list(POSTMORTEMS_SCHEMA))


def incident_postmortems(incidents, incident_metrics, anomalies, shifts, edges, horizon_hours: float):
    """The incident_postmortems rows (pandas, DuckDB or Spark: the flagged hours service by service)."""
    kernel = partial(postmortems_of_flags, incidents=as_pandas(incidents), incident_metrics=as_pandas(incident_metrics),
                     shifts=as_pandas(shifts), edges=as_pandas(edges), horizon_hours=horizon_hours)
    return by_group(where(anomalies, "is_anomaly"), ["service_name"], kernel, POSTMORTEMS_SCHEMA)


def postmortems_of_flags(flags: pd.DataFrame, incidents: pd.DataFrame, incident_metrics: pd.DataFrame,
                         shifts: pd.DataFrame, edges: pd.DataFrame, horizon_hours: float) -> pd.DataFrame:
    """postmortems() with the anomalies first, the argument the drivers group."""
    return postmortems(incidents, incident_metrics, flags, shifts, edges, horizon_hours)
