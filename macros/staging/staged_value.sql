{#-
  One declared column of a raw row as its staged value, null where the value
  cannot be trusted as it is (staging_checks says why):
    text       trimmed, empty read as null (clean_text), then `case`; a typed
               number column's whole number as the integer's text (text_value)
    boolean    true/false, 1/0 in any case, 1.0/0.0 (normalise_boolean); `empty_means`
    integer, bigint   a plain decimal integer, a zero fraction allowed ('2.0';
               '1.5', '0x10', '1_000', '1e3' are not), or a typed number with
               no fraction, in range
    double     a plain decimal number (exponent allowed) that is finite
    timestamp  naive text is UTC, as the contract says; text with an offset
               or Z is converted to UTC; also spelled with `t`/`z` lower-case,
               without seconds (`11:30`) or with a comma before the fraction
               (canonical_timestamp_text); typed TIMESTAMP columns as they are,
               TIMESTAMP WITH TIME ZONE converted to UTC; with `epoch_unit`,
               epoch seconds, milliseconds or microseconds. Microseconds kept
               (finer digits are dropped).
  A raw column that already has a type the value keeps exactly (a Parquet
  TIMESTAMP, an INTEGER read as a bigint or a double) is cast as it is, not
  through text: sending the 8 typed request columns through text and back
  was most of the cost of typing them at 10M rows (bench/README.md). A
  single-precision FLOAT is the exception: it goes through its shortest
  decimal text, the number its writer meant.
    raw_types  the raw table's columns and types (raw_column_types)
-#}
{% macro staged_value(column, raw_types) -%}
    {%- set name = column.name -%}
    {%- set type = column.type -%}
    {%- set raw_type = (raw_types.get(name | lower) or '') | lower -%}
    {%- if type == 'text' -%}
        {%- set text = oncall_analytics.text_value(name, raw_type) -%}
        {{- column.case ~ '(' ~ text ~ ')' if column.case else text -}}
    {%- elif type == 'boolean' -%}
        {%- set value = name if raw_type == 'boolean' else oncall_analytics.normalise_boolean(name) -%}
        {{- 'coalesce(' ~ value ~ ', ' ~ (column.empty_means | string | lower) ~ ')' if column.empty_means is not none else value -}}
    {%- elif type in ['integer', 'bigint'] -%}
        {{- oncall_analytics.integer_value(name, raw_type, dbt.type_int() if type == 'integer' else dbt.type_bigint()) -}}
    {%- elif type == 'double' -%}
        {{- oncall_analytics.double_value(name, raw_type) -}}
    {%- else -%}
        {{- oncall_analytics.timestamp_value(name, raw_type, column.epoch_unit) -}}
    {%- endif -%}
{%- endmacro %}

{#- The classes of raw column types the kit casts directly. -#}
{% macro raw_type_class(raw_type) -%}
    {%- set integer_types = ['tinyint', 'smallint', 'integer', 'int', 'bigint', 'hugeint', 'int8', 'int4', 'int2', 'int1',
                             'long', 'short', 'byte', 'utinyint', 'usmallint', 'uinteger', 'ubigint', 'uhugeint'] -%}
    {%- if raw_type in integer_types -%}
        {{ return('integer') }}
    {%- elif raw_type in ['float', 'double', 'real', 'float4', 'float8'] -%}
        {{ return('float') }}
    {%- elif raw_type.startswith('decimal') or raw_type.startswith('numeric') -%}
        {{ return('decimal') }}
    {%- elif raw_type in ['timestamp with time zone', 'timestamptz'] -%}
        {{ return('zoned_timestamp') }}
    {#- not a DATE: a date alone is no time of an event, typed or as text ('2024-03-12') -#}
    {%- elif raw_type in ['timestamp', 'timestamp_ns', 'timestamp_ms', 'timestamp_s', 'timestamp without time zone', 'datetime', 'timestamp_ntz'] -%}
        {{ return('timestamp') }}
    {%- else -%}
        {{ return('text') }}
    {%- endif -%}
{%- endmacro %}

{#- The regular expressions of the plain forms (regex_full_match: anchored, no backslashes). -#}
{% macro plain_number_pattern(kind) -%}
    {%- set patterns = {
        'whole_number': '[+-]?[0-9]+([.]0*)?',
        'decimal': '[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?',
        'naive_timestamp': '[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?',
        'offset_timestamp': '[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)',
        'other_naive_timestamp': '[0-9]{4}-[0-9]{2}-[0-9]{2}[ Tt][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]{1,9})?)?',
        'other_offset_timestamp': '[0-9]{4}-[0-9]{2}-[0-9]{2}[ Tt][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]{1,9})?)?([Zz]|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)',
    } -%}
    {{ return(patterns[kind]) }}
{%- endmacro %}

{#- A text contract column's value before `case` (the kit's one reading of
    text, keys included): its text (clean_text). A column typed as a float or
    decimal number holds ids an integer column's writer meant (pandas writes
    an integer column with an empty value as float64, operator trial): a
    whole number reads as the integer's text, 1501.0 as '1501', as an int64
    column of another log gives it, so the logs still join; 1501.5 keeps its
    own text (nothing is rounded), and so do NaN and the infinities. -#}
{% macro text_value(name, raw_type) -%}
    {%- set text = oncall_analytics.clean_text(name) -%}
    {%- if oncall_analytics.raw_type_class(raw_type) in ['float', 'decimal'] -%}
        {#- a whole number beyond the big integer's range keeps its own text too -#}
        case
            when {{ name }} = floor({{ name }})
                then coalesce(cast({{ oncall_analytics.try_cast(name, dbt.type_bigint()) }} as {{ dbt.type_string() }}), {{ text }})
            else {{ text }}
        end
    {%- else -%}
        {{ text }}
    {%- endif -%}
{%- endmacro %}

{% macro integer_value(name, raw_type, sql_type) -%}
    {%- set kind = oncall_analytics.raw_type_class(raw_type) -%}
    {%- if kind == 'integer' -%}
        {{ oncall_analytics.try_cast(name, sql_type) }}
    {%- elif kind in ['float', 'decimal'] -%}
        {#- a typed 200.0 is the integer 200; 200.5 is not an integer (a cast would round it) -#}
        case when {{ name }} = floor({{ name }}) then {{ oncall_analytics.try_cast(name, sql_type) }} end
    {%- else -%}
        {#- '2.0' too: pandas writes an integer column with an empty value as float64, and a
            log whose other files hold the column as text then reads it as the text '2.0' -#}
        {%- set text = oncall_analytics.clean_text(name) -%}
        case when {{ oncall_analytics.regex_full_match(text, oncall_analytics.plain_number_pattern('whole_number')) }}
            then {{ oncall_analytics.try_cast(dbt.split_part(text, "'.'", 1), sql_type) }} end
    {%- endif -%}
{%- endmacro %}

{% macro double_value(name, raw_type) -%}
    {%- set kind = oncall_analytics.raw_type_class(raw_type) -%}
    {%- if kind == 'integer' -%}
        cast({{ name }} as double)
    {%- elif kind == 'decimal' -%}
        {#- through its exact decimal text: DuckDB's direct cast of a wide decimal (38,18) lands
            one unit in the last place off the nearest double for about one value in six -#}
        cast(cast({{ name }} as {{ dbt.type_string() }}) as double)
    {%- elif kind == 'float' and raw_type in ['double', 'float8'] -%}
        case when {{ oncall_analytics.is_finite(name) }} then {{ name }} end
    {%- elif kind == 'float' -%}
        {#- single precision: through its shortest decimal text, so the 157.56 a writer
            stored as float32 stays 157.56 rather than widening to 157.55999755859375 -#}
        case when {{ oncall_analytics.is_finite(name) }} then cast(cast({{ name }} as {{ dbt.type_string() }}) as double) end
    {%- else -%}
        {%- set text = oncall_analytics.clean_text(name) -%}
        {%- set number = oncall_analytics.try_cast(text, 'double') -%}
        {#- '1e999' is plain but overflows to infinity -#}
        case when {{ oncall_analytics.regex_full_match(text, oncall_analytics.plain_number_pattern('decimal')) }}
            and {{ oncall_analytics.is_finite(number) }} then {{ number }} end
    {%- endif -%}
{%- endmacro %}

{% macro timestamp_value(name, raw_type, epoch_unit=none) -%}
    {%- set kind = oncall_analytics.raw_type_class(raw_type) -%}
    {%- if epoch_unit is not none -%}
        {%- set factor = {'s': '1000000', 'ms': '1000', 'us': '1'}[epoch_unit] -%}
        {%- if kind in ['integer', 'decimal', 'float'] -%}
            {#- in double precision: a bogus epoch overflows to null, not an error -#}
            {%- set number = 'cast(' ~ name ~ ' as double)' -%}
        {%- else -%}
            {%- set text = oncall_analytics.clean_text(name) -%}
            {%- set number = 'case when ' ~ oncall_analytics.regex_full_match(text, oncall_analytics.plain_number_pattern('decimal'))
                ~ ' then ' ~ oncall_analytics.try_cast(text, 'double') ~ ' end' -%}
        {%- endif -%}
        {{ oncall_analytics.timestamp_from_epoch_us(oncall_analytics.try_cast('round((' ~ number ~ ') * ' ~ factor ~ ')', dbt.type_bigint())) }}
    {%- elif kind == 'zoned_timestamp' -%}
        {{ oncall_analytics.timestamp_at_utc(name) }}
    {%- elif kind == 'timestamp' -%}
        {{ oncall_analytics.try_cast(name, dbt.type_timestamp()) }}
    {%- else -%}
        {%- set text = oncall_analytics.clean_text(name) -%}
        {%- set canonical = oncall_analytics.canonical_timestamp_text(text) -%}
        {#- the canonical forms first (almost every row); the other spellings only where they fail -#}
        case
            when {{ oncall_analytics.regex_full_match(text, oncall_analytics.plain_number_pattern('naive_timestamp')) }}
                then {{ oncall_analytics.try_cast(text, dbt.type_timestamp()) }}
            when {{ oncall_analytics.regex_full_match(text, oncall_analytics.plain_number_pattern('offset_timestamp')) }}
                then {{ oncall_analytics.offset_text_to_utc(text) }}
            when {{ oncall_analytics.regex_full_match(text, oncall_analytics.plain_number_pattern('other_naive_timestamp')) }}
                then {{ oncall_analytics.try_cast(canonical, dbt.type_timestamp()) }}
            when {{ oncall_analytics.regex_full_match(text, oncall_analytics.plain_number_pattern('other_offset_timestamp')) }}
                then {{ oncall_analytics.offset_text_to_utc(canonical) }}
        end
    {%- endif -%}
{%- endmacro %}

{#- Text of one of the other timestamp spellings (other_naive_timestamp,
    other_offset_timestamp) in its canonical form: `t` and `z` upper-cased
    (RFC 3339 allows them lower-case), a comma before the fraction a point
    (Python logging's default, ISO 8601 allows it), and zero seconds where
    the time has none (`11:30`: Java's OffsetDateTime.toString() drops zero
    seconds). Only for text those patterns matched: the seconds go after
    the 16 characters of `YYYY-MM-DDTHH:MM`. -#}
{% macro canonical_timestamp_text(text) -%}
    {%- set spelled = "replace(upper(" ~ text ~ "), ',', '.')" -%}
    case
        when substr({{ spelled }}, 17, 1) = ':' then {{ spelled }}
        else concat(substr({{ spelled }}, 1, 16), ':00', substr({{ spelled }}, 17))
    end
{%- endmacro %}

{#- True when the raw value (text, spaces around it allowed, or a number)
    reads as NaN or an infinity: the reason a number is refused although it
    parsed. -#}
{% macro is_not_finite(column) -%}
    coalesce(not {{ oncall_analytics.is_finite(oncall_analytics.try_cast(column, 'double')) }}, false)
{%- endmacro %}

{#- The columns of a raw table and their types, as {lower name: lower type};
    empty while dbt parses, for a unit test's fixture (no table to read), and
    for a seed not loaded yet (`dbt compile`, `make docs` or sqlfluff on a
    fresh clone; `dbt build` loads the seeds before the models that read
    them), so that everything then goes through text, which is always
    correct. -#}
{% macro raw_column_types(relation) -%}
    {%- if not execute or (relation | string).startswith('__dbt__cte__') -%}
        {{ return({}) }}
    {%- endif -%}
    {%- if var('log_source', 'seeds') == 'seeds' and relation.identifier and load_relation(relation) is none -%}
        {{ return({}) }}
    {%- endif -%}
    {{ return(adapter.dispatch('raw_column_types', 'oncall_analytics')(relation)) }}
{%- endmacro %}

{#- DuckDB: a source may be read_parquet('...'), not a catalog table. -#}
{% macro duckdb__raw_column_types(relation) -%}
    {%- set types = {} -%}
    {%- for row in run_query('describe select * from ' ~ relation) -%}
        {%- do types.update({row['column_name'] | lower: row['column_type'] | lower}) -%}
    {%- endfor -%}
    {{ return(types) }}
{%- endmacro %}

{% macro default__raw_column_types(relation) -%}
    {%- set types = {} -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- do types.update({column.name | lower: column.dtype | lower}) -%}
    {%- endfor -%}
    {{ return(types) }}
{%- endmacro %}
