{#- Start of the detection bucket holding `ts`: `detection_grain_minutes`
    wide, aligned on the hour (the grain divides an hour). At the default 60
    minutes it is the hour, date_trunc('hour', ...), as before the grain
    existed. -#}
{% macro metric_bucket(ts) -%}
    {%- set grain = oncall_analytics.var_minutes_dividing_an_hour('detection_grain_minutes') -%}
    {%- if grain == 60 -%}
        {{ dbt.date_trunc('hour', ts) }}
    {%- else -%}
        {{ oncall_analytics.time_bucket_minutes(ts, grain) }}
    {%- endif -%}
{%- endmacro %}

{#- The detection grain as an integer literal, recorded on every row of the
    incremental metric models (grain_minutes) for check_same_grain. -#}
{% macro metric_grain_minutes() -%}
    cast({{ oncall_analytics.var_minutes_dividing_an_hour('detection_grain_minutes') }} as {{ dbt.type_int() }})
{%- endmacro %}

{#- On an incremental run, the grain recorded in the model's grain_minutes
    column must be this run's detection_grain_minutes: appending 5-minute
    buckets to hourly ones would hand the detector a series of two grains
    without a word. A full refresh starts over at the new grain. -#}
{% macro check_same_grain() -%}
    {%- if not oncall_analytics.recorded_setting_to_check('grain_minutes') -%}{{ return('') }}{%- endif -%}
    {%- set grain = oncall_analytics.var_minutes_dividing_an_hour('detection_grain_minutes') -%}
    {%- set found = run_query("select distinct grain_minutes from " ~ this ~ " where grain_minutes is not null order by 1 limit 2") -%}
    {%- set built = found.rows | map(attribute=0) | map('int') | list -%}
    {%- if built | reject('equalto', grain | int) | list | length > 0 -%}
        {{ exceptions.raise_compiler_error(
            this.identifier ~ " holds buckets of " ~ (built | join(' and ')) ~ " minutes, and this run's detection_grain_minutes is "
            ~ grain ~ ". An incremental run would give the detector series of two grains."
            ~ oncall_analytics.mixed_setting_ways_out('grain')) }}
    {%- endif -%}
{%- endmacro %}

{#- Whether the bucket starting at `bucket_start` is complete: its log holds
    an event at most bucket_complete_within_seconds before the bucket's end,
    or later (`newest_log_time`, the log's newest event), and the bucket had
    ended that far when the run started. A count taken from the first
    minutes of a bucket still being written looks like a drop in traffic;
    such a bucket waits for a run where the log has passed it. The run's
    start caps the log's progress: one event from a clock running ahead
    (accepted up to accepted_time_max_hours_ahead) cannot complete a bucket
    still being written. Written as a shift of the bucket start (never null),
    not of the log time. -#}
{% macro is_complete_bucket(bucket_start, newest_log_time) -%}
    {%- set complete_from = dbt.dateadd('second', oncall_analytics.bucket_seconds_before_complete(), bucket_start) -%}
    ({{ complete_from }} <= {{ newest_log_time }}
     and {{ complete_from }} <= {{ oncall_analytics.timestamp_literal(run_started_at.replace(tzinfo=none)) }})
{%- endmacro %}

{#- Seconds from a bucket's start to the log time that completes it: the
    grain less bucket_complete_within_seconds (validated: 0 to the grain less
    one second; unset, one second per minute of the grain, so 60 at the
    hourly grain and 5 at a 5-minute one). -#}
{% macro bucket_seconds_before_complete() -%}
    {%- set grain_minutes = oncall_analytics.var_minutes_dividing_an_hour('detection_grain_minutes') | int -%}
    {%- if var('bucket_complete_within_seconds', none) is none -%}
        {%- set within = grain_minutes -%}
    {%- else -%}
        {%- set within = oncall_analytics.var_integer('bucket_complete_within_seconds', 0, grain_minutes * 60 - 1) | int -%}
    {%- endif -%}
    {{ return(grain_minutes * 60 - within) }}
{%- endmacro %}
