"""oncall_analytics: the Python side of the oncall_analytics dbt project.

The dbt Python models under models/ are thin: they read their refs and
parameters, call a function of this package and return its frame.
"""
