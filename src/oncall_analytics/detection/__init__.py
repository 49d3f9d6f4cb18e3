"""Detection of the metrics (at the detection grain): the logic behind the dbt Python models
under models/intermediate/detection/ and models/marts/detection/.

scoring (the rolling-baseline kernel), rules (the anomaly decision at k),
incidents (clustering and root-cause localization), level_shifts,
causal_graph, srm, alert_budget, postmortems; robust (the seasonal,
robust kernel of issue 15) and paging (its flag and incident rules);
methods (the two methods behind the var anomaly_method); series (rows grouped
by series, and the chunks the kernels score at once). Each module declares the
schema of the model it feeds (`*_SCHEMA`, the YAML's data_types).
"""
