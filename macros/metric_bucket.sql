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

{#- The columns that record how a bucket was made, on every row of the
    incremental metric models, for check_same_bucketing: the detection grain
    (grain_minutes) and zero_fill_max_hours, as integer literals. -#}
{% macro bucketing_setting_columns() -%}
    cast({{ oncall_analytics.var_minutes_dividing_an_hour('detection_grain_minutes') }} as {{ dbt.type_int() }}) as grain_minutes,
    cast({{ oncall_analytics.var_integer('zero_fill_max_hours', 0, 8760) }} as {{ dbt.type_int() }}) as zero_fill_max_hours
{%- endmacro %}

{#- On an incremental run, the grain and the zero-fill rule recorded on the
    model's rows (grain_minutes, zero_fill_max_hours) must be this run's:
    appending 5-minute buckets to hourly ones would hand the detector a
    series of two grains, and a new zero_fill_max_hours would fill the new
    silences by another rule than the stored ones, without a word. A full
    refresh starts over with the new settings. -#}
{% macro check_same_bucketing() -%}
    {%- set grain = oncall_analytics.var_minutes_dividing_an_hour('detection_grain_minutes') | int -%}
    {%- do oncall_analytics.require_recorded_integer('grain_minutes', grain, 'grain',
        "holds buckets of {stored} minutes, and this run's detection_grain_minutes is " ~ grain
        ~ ". An incremental run would give the detector series of two grains.") -%}
    {%- set max_hours = oncall_analytics.var_integer('zero_fill_max_hours', 0, 8760) | int -%}
    {%- do oncall_analytics.require_recorded_integer('zero_fill_max_hours', max_hours, 'zero_fill_max_hours',
        "holds buckets zero-filled with zero_fill_max_hours {stored}, and this run's is " ~ max_hours
        ~ ". An incremental run would fill new silences by another rule than the stored ones.") -%}
{%- endmacro %}

{#- Stops the run when the integer setting recorded in `column` of this
    incremental model differs from `value`: `problem` follows the model's
    name in the message, `{stored}` replaced by the stored value(s). -#}
{% macro require_recorded_integer(column, value, setting, problem) -%}
    {%- if not oncall_analytics.recorded_setting_to_check(column) -%}{{ return('') }}{%- endif -%}
    {%- set found = run_query("select distinct " ~ column ~ " from " ~ this ~ " where " ~ column ~ " is not null order by 1 limit 2") -%}
    {%- set stored = found.rows | map(attribute=0) | map('int') | list -%}
    {%- if stored | reject('equalto', value | int) | list | length > 0 -%}
        {{ exceptions.raise_compiler_error(this.identifier ~ " " ~ problem | replace('{stored}', stored | join(' and '))
            ~ oncall_analytics.mixed_setting_ways_out(setting)) }}
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
