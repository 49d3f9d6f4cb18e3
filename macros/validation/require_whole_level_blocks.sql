{#- The robust method's level baseline is the median of the medians of 8
    blocks of whole buckets (robust.LEVEL_BLOCKS), so a window of hours it
    is given must split into 8 such blocks at the detection grain: at 60
    minutes a multiple of 8 hours. Any other window was rounded down (12 h read as
    8 h, 2 to 15 h all as 8 h: operator trial), silently, while the docs and
    alert_budget's rows named the window asked for. Refused instead, naming
    the nearest windows that are read as given. The notebook method reads
    any window, but alert_budget scores the robust method at
    anomaly_window_hours and at every window of its grid, so they are all
    checked. `hours`: the var's windows (integers), `grain`: the detection
    grain in minutes. -#}
{% macro require_whole_level_blocks(name, hours, grain) -%}
    {%- set block_minutes = 8 * grain -%}
    {%- for window in hours if (window * 60) % block_minutes != 0 -%}
        {%- set nearest = [] -%}
        {%- for candidate in range(window - 1, 0, -1) if (candidate * 60) % block_minutes == 0 and nearest | length < 1 -%}
            {%- do nearest.append(candidate) -%}
        {%- endfor -%}
        {%- for candidate in range(window + 1, window + 1 + block_minutes) if (candidate * 60) % block_minutes == 0 and nearest | length < 2 -%}
            {%- do nearest.append(candidate) -%}
        {%- endfor -%}
        {{ oncall_analytics._var_error(name, var(name),
             "hours that split into 8 blocks of whole buckets of the detection grain (" ~ grain ~ " minutes: a multiple of "
             ~ block_minutes ~ " minutes), since the robust method's baseline is the median of 8 such blocks: " ~ window
             ~ " h is not; the nearest that are: " ~ nearest | join(' or ') ~ " h") }}
    {%- endfor -%}
{%- endmacro %}
