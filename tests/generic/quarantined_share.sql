{#-
  Generic test on a staging base model: the share of the log's rows that
  staging quarantined. A log that is mostly refused (a writer switched to
  TIMESTAMP WITH TIME ZONE, epoch numbers, another format) must not pass
  silently: above quarantine_share_warn_pct (default 5) the test warns,
  above quarantine_share_error_pct (default 50) it fails the build. Both
  vars are whole percentages (0-100), validated when dbt parses.
  With `recent_by` (the log's staged event time) it judges only the rows
  of the last incremental_lookback_hours (at least one hour) before the
  newest accepted time, the rows an hourly run loads: a writer that breaks
  today is a small share of a month-long log, so the whole-log share
  would let it pass. Rows whose time cannot be read have no place in that
  window: a log whose new times are unreadable stops advancing, which
  source freshness reports. A window of fewer than `min_rows` rows is not
  judged (a few rows are no share; the whole log's test still counts them).
  A row's later copies (exact duplicates, kept once) are left out of both
  counts: a file re-sent whole refuses nothing (operator trial: re-sent
  hours failed the hourly run, and nothing paged).
  The test's rows are the quarantined rows; its failure count is their
  share in percent, rounded up, which dbt prints as "Got N results": N > T
  exactly when the share is above T % (T whole). Above the warning share it
  also says why, in the run's output: the share, the most frequent
  reasons and where the rows are (a failing test skips the quarantine view
  built on the model, and "Got 100 results" told an operator trial
  nothing), with a hint on epoch numbers for a time that is not one.
-#}
{% test quarantined_share(model, recent_by=none, min_rows=0) %}
{%- set warn_pct = oncall_analytics.var_integer('quarantine_share_warn_pct', 0, 100) -%}
{%- set error_pct = oncall_analytics.var_integer('quarantine_share_error_pct', 0, 100) -%}
{%- do oncall_analytics.assert_var_at_most('quarantine_share_warn_pct', warn_pct, 'quarantine_share_error_pct', error_pct,
        "a share that fails the build warns first") -%}
{{ config(
    fail_calc='coalesce(ceil(100 * cast(count(*) as double) / max(log_rows)), 0)',
    warn_if='> ' ~ warn_pct,
    error_if='> ' ~ error_pct,
) }}
{%- set scope = oncall_analytics.quarantine_share_scope(model, recent_by, min_rows) -%}

{%- if execute -%}
    {%- do oncall_analytics.report_quarantine_reasons(model, warn_pct, scope) -%}
{%- endif %}

with scoped_rows as (
    select quarantine_reason from {{ model }}
    where {{ scope.rows }}
),

log_rows as (
    select count(*) as log_rows from scoped_rows
),

quarantined_rows as (
    select quarantine_reason from scoped_rows
    where quarantine_reason is not null and (select log_rows from log_rows) >= {{ scope.min_rows }}
),

quarantined as (
    select
        quarantined_rows.quarantine_reason,
        log_rows.log_rows
    from quarantined_rows
    cross join log_rows
)

select * from quarantined
{% endtest %}
