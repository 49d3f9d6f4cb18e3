{#- Confidence bounds on proportions, for verdicts that must not follow noise
    (a canary's error rate, errors in bursts). Plain SQL (sqrt, arithmetic in
    double precision), so it runs on every engine. -#}

{#- A var giving a one-sided confidence level in percent, as the z of the
    standard normal it stands for. Jinja has no inverse normal, so the levels
    on-call teams use are listed. -#}
{% macro var_confidence_z(name) -%}
    {%- set z_by_level = {'90': 1.2815515655, '95': 1.6448536270, '97.5': 1.9599639845, '99': 2.3263478740, '99.9': 3.0902323062} -%}
    {%- set value = oncall_analytics.required_var(name) -%}
    {%- set text = (value | string | trim) -%}
    {#- the level as a number: 97.50 and 95.0 are 97.5 and 95 (operator trial: "97.50" was refused) -#}
    {%- set found = [] -%}
    {%- if value is not boolean and modules.re.match('^[0-9]+([.][0-9]*)?$', text) -%}
        {%- for level, z in z_by_level.items() if level | float == text | float -%}{%- do found.append(z) -%}{%- endfor -%}
    {%- endif -%}
    {%- if not found -%}
        {{ oncall_analytics._var_error(name, value, "one of " ~ (z_by_level.keys() | list | join(", ")) ~ " (a one-sided confidence level, in percent)") }}
    {%- endif -%}
    {{ return(found[0] | string) }}
{%- endmacro %}

{#- Wilson's score bound ('lower' or 'upper') on the proportion
    successes / trials at one-sided z; null without trials. Unlike the normal
    approximation it stays inside [0, 1] and is honest at 0 of 40 or 1 of 2. -#}
{% macro wilson_bound(successes, trials, z, side) -%}
    {%- set sign = {'lower': '-', 'upper': '+'}[side] -%}
    {#- doubles: a decimal literal computes in decimals on Spark, and trials * trials overflows integers -#}
    {%- set z = "cast(" ~ z ~ " as double)" -%}
    {%- set trials = "cast(" ~ trials ~ " as double)" -%}
    case when {{ trials }} > 0 then
        (
            cast({{ successes }} as double) / {{ trials }} + {{ z }} * {{ z }} / (2 * {{ trials }})
            {{ sign }} {{ z }} * sqrt(
                (cast({{ successes }} as double) / {{ trials }}) * (1 - cast({{ successes }} as double) / {{ trials }}) / {{ trials }}
                + {{ z }} * {{ z }} / (4 * {{ trials }} * {{ trials }})
            )
        ) / (1 + {{ z }} * {{ z }} / {{ trials }})
    end
{%- endmacro %}

{#- Newcombe's bound ('lower' or 'upper') on the difference of two proportions
    x1 / n1 - x0 / n0 at one-sided z (his hybrid score interval, method 10):
    the difference minus (plus) the Wilson distances of each side. A lower
    bound above 0 says the first is higher with that confidence. -#}
{% macro proportion_difference_bound(x1, n1, x0, n0, z, side) -%}
    {%- set p1 = "(cast(" ~ x1 ~ " as double) / " ~ n1 ~ ")" -%}
    {%- set p0 = "(cast(" ~ x0 ~ " as double) / " ~ n0 ~ ")" -%}
    {%- if side == 'lower' -%}
        {{ p1 }} - {{ p0 }} - sqrt(
            power({{ p1 }} - {{ oncall_analytics.wilson_bound(x1, n1, z, 'lower') }}, 2)
            + power({{ oncall_analytics.wilson_bound(x0, n0, z, 'upper') }} - {{ p0 }}, 2)
        )
    {%- else -%}
        {{ p1 }} - {{ p0 }} + sqrt(
            power({{ oncall_analytics.wilson_bound(x1, n1, z, 'upper') }} - {{ p1 }}, 2)
            + power({{ p0 }} - {{ oncall_analytics.wilson_bound(x0, n0, z, 'lower') }}, 2)
        )
    {%- endif -%}
{%- endmacro %}

{#- The fewest durations whose slowest is above their p95 with the confidence
    `confidence_pct` (a level var_confidence_z accepted): the smallest n with
    1 - 0.95^n >= the level. With fewer, no order statistic bounds a p95 from
    above, so no test can show another p95 above it. -#}
{% macro p95_bound_min_sample(confidence_pct) -%}
    {%- set by_level = {'90': 45, '95': 59, '97.5': 72, '99': 90, '99.9': 135} -%}
    {%- for level, n in by_level.items() if level | float == confidence_pct | float -%}
        {{ return(n) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("p95_bound_min_sample: no sample size for confidence " ~ confidence_pct) }}
{%- endmacro %}
