{#-
  What an SLO's buckets count, in words, recorded on every row of
  int_slo__event_buckets (counted_as), and the check that an incremental run
  counts each SLO as the stored buckets did.
  slo_counted_as(slo): `<source>: <total events>; good: <good events>`
    (slo_event_predicates' texts). The objective and window are not in it:
    they change the budget downstream, not what a bucket counts.
  check_same_slo_counting(slos): on an incremental run with stored buckets,
    stops when an SLO of var `slos` is counted otherwise than its stored
    buckets (a new latency threshold, another service or filter), or is new
    while its log has stored buckets (its history would start at the
    lookback window, and its budget look untouched). Either would mix two
    definitions in one rolling window without a word. An SLO of a log with
    no stored bucket (a log that has been empty: a gateway-only team's
    function log) is not new: its log is read whole, as a full refresh
    reads it. A full refresh counts everything again.
-#}
{% macro slo_counted_as(slo) -%}
    {%- set events = oncall_analytics.slo_event_predicates(slo) -%}
    {{ return(slo.event_source ~ ': ' ~ events.total_text ~ '; good: ' ~ events.good_text) }}
{%- endmacro %}

{% macro check_same_slo_counting(slos) -%}
    {%- if not oncall_analytics.recorded_setting_to_check('counted_as') -%}{{ return('') }}{%- endif -%}
    {%- set stored = {} -%}
    {%- set stored_sources = [] -%}
    {%- for row in run_query("select distinct slo_name, counted_as, event_source from " ~ this ~ " order by 1, 2, 3").rows -%}
        {%- do stored.update({row[0]: row[1]}) -%}
        {%- do stored_sources.append(row[2]) -%}
    {%- endfor -%}
    {%- if stored | length == 0 -%}{{ return('') }}{%- endif -%}
    {%- set ways_out = oncall_analytics.mixed_setting_ways_out('SLO definitions') -%}
    {%- for slo in slos -%}
        {%- set counted_as = oncall_analytics.slo_counted_as(slo) -%}
        {%- if slo.name not in stored and slo.event_source not in stored_sources -%}
            {#- its log has no stored bucket: read whole (incremental_lookback_filter has no bound) -#}
        {%- elif slo.name not in stored -%}
            {{ exceptions.raise_compiler_error(
                "SLO '" ~ slo.name ~ "' is new in var 'slos', and " ~ this.identifier ~ " holds the other SLOs' history: an "
                ~ "incremental run would count it from the lookback window only, and its rolling window would look "
                ~ "nearly empty." ~ ways_out) }}
        {%- elif stored[slo.name] != counted_as -%}
            {{ exceptions.raise_compiler_error(
                this.identifier ~ " counts SLO '" ~ slo.name ~ "' as `" ~ stored[slo.name] ~ "`, and this run's var 'slos' "
                ~ "counts it as `" ~ counted_as ~ "`: an incremental run would mix the two in its rolling window." ~ ways_out) }}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}
