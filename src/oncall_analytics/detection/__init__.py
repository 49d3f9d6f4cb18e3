"""Anomaly detection of service metrics: per-series numpy kernels and the rules that turn scores into incidents."""
