{#-
  The staging kit's declaration of one log, read from YAML: every base
  model starts with it and hands it to the kit's other macros.
    source_name, table  the dbt source and the raw table (raw_table())
    key                 the columns that identify a row (a list; the
                        model's unique_key when it is incremental)
  The columns, their order and their types come from the log's seed in
  seeds/_*__seeds.yml: each column's `config: meta: staging:` (vocabulary in
  staging_columns). The raw table's actual column types (a typed Parquet
  file's) come from the warehouse (raw_column_types), so typed values are
  cast directly rather than through text.
-#}
{% macro staging_log(source_name, table_name, key) -%}
    {%- set relation = oncall_analytics.raw_table(source_name, table_name) -%}
    {%- set columns = oncall_analytics.staging_columns(table_name, source_name) -%}
    {%- set event_times = [] -%}
    {%- for column in columns if column.event_time -%}{%- do event_times.append(column) -%}{%- endfor -%}
    {%- set known = columns | map(attribute='name') | list -%}
    {%- for column_name in key if execute and column_name not in known -%}
        {{ exceptions.raise_compiler_error("staging_log('" ~ table_name ~ "'): key column '" ~ column_name ~ "' is not a column of the seed " ~ table_name) }}
    {%- endfor -%}
    {{ return({
        'source_name': source_name,
        'table': table_name,
        'key': key,
        'relation': relation,
        'columns': columns,
        'event_time': event_times[0] if event_times else none,
        'raw_types': oncall_analytics.raw_column_types(relation),
    }) }}
{%- endmacro %}

{#-
  The declared columns of the log `table_name`, in contract order, as dicts.
  Declared on the seed's columns (`config: meta: staging: {...}`):
    type             text (default), integer, bigint, double, timestamp, boolean
    name             the staged column's name (default: the contract's)
    case             lower | upper (text)
    required         true: an empty value is quarantined ("<column> is missing")
    accepted_values  the only values allowed (text, after `case`)
    min_value, max_value  bounds (numbers)
    empty_means      the value of an empty boolean (e.g. false)
    not_before       another column this one may not precede (timestamps)
    grain            hour: the timestamp must be on the hour
    event_time       true: the log's time (incremental loads, freshness)
  With `log_source: external`, the source table's column may add
  `config: meta: {epoch_unit: s | ms | us}`: that timestamp column holds
  epoch numbers in that unit. Empty while dbt parses (no graph yet).
-#}
{% macro staging_columns(table_name, source_name=none) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set seed = graph.nodes.get('seed.' ~ project_name ~ '.' ~ table_name) -%}
    {%- if not seed -%}
        {{ exceptions.raise_compiler_error("The staging kit found no seed '" ~ table_name ~ "': a log is declared by its seed's columns in seeds/_*__seeds.yml") }}
    {%- endif -%}
    {%- set source_columns = {} -%}
    {%- if source_name is not none and var('log_source', 'seeds') == 'external' -%}
        {%- set source = graph.sources.get('source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name) -%}
        {%- if source -%}
            {%- do source_columns.update(source.columns) -%}
        {%- endif -%}
    {%- endif -%}
    {%- set types = ['text', 'integer', 'bigint', 'double', 'timestamp', 'boolean'] -%}
    {%- set keys = ['type', 'name', 'case', 'required', 'accepted_values', 'min_value', 'max_value', 'empty_means',
                    'not_before', 'grain', 'event_time'] -%}
    {%- set columns = [] -%}
    {%- for name, column in seed.columns.items() -%}
        {%- set where = "seed " ~ table_name ~ ", column " ~ name -%}
        {%- set declared = oncall_analytics._column_meta(column).get('staging', {}) -%}
        {%- for declared_key in declared if declared_key not in keys -%}
            {{ exceptions.raise_compiler_error("Unknown staging declaration '" ~ declared_key ~ "' (" ~ where ~ "); known: " ~ keys | join(', ')) }}
        {%- endfor -%}
        {%- set type = declared.get('type', 'text') -%}
        {%- if type not in types -%}
            {{ exceptions.raise_compiler_error("Unknown staging type '" ~ type ~ "' (" ~ where ~ "); known: " ~ types | join(', ')) }}
        {%- endif -%}
        {%- if declared.get('empty_means') is not none and (type != 'boolean' or declared.get('empty_means') is not boolean) -%}
            {{ exceptions.raise_compiler_error("Invalid empty_means (" ~ where ~ "): true or false, on a boolean column") }}
        {%- endif -%}
        {%- set epoch_unit = oncall_analytics._column_meta(source_columns.get(name, {})).get('epoch_unit') -%}
        {%- if epoch_unit is not none and (type != 'timestamp' or epoch_unit not in ['s', 'ms', 'us']) -%}
            {{ exceptions.raise_compiler_error("Invalid epoch_unit " ~ oncall_analytics.shown_value(epoch_unit) ~ " on source " ~ source_name ~ "." ~ table_name ~ ", column " ~ name ~ ": expected s, ms or us, on a timestamp column") }}
        {%- endif -%}
        {%- do columns.append({
            'name': name,
            'type': type,
            'staged_as': declared.get('name', name),
            'case': declared.get('case'),
            'required': declared.get('required', false),
            'accepted_values': declared.get('accepted_values'),
            'min_value': declared.get('min_value'),
            'max_value': declared.get('max_value'),
            'empty_means': declared.get('empty_means'),
            'not_before': declared.get('not_before'),
            'grain': declared.get('grain'),
            'event_time': declared.get('event_time', false),
            'epoch_unit': epoch_unit,
        }) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{#- A column's meta, where dbt 1.10+ keeps it (config.meta) or the older place. -#}
{% macro _column_meta(column) -%}
    {%- set meta = {} -%}
    {%- do meta.update(column.get('meta') or {}) -%}
    {%- do meta.update((column.get('config') or {}).get('meta') or {}) -%}
    {{ return(meta) }}
{%- endmacro %}

{#- The declared column whose contract name is `name`. -#}
{% macro staging_column(log, name) -%}
    {%- if not execute -%}
        {{ return({'name': name, 'staged_as': name, 'type': 'text'}) }}
    {%- endif -%}
    {%- for column in log.columns if column.name == name -%}
        {{ return(column) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("The log " ~ log.table ~ " declares no column '" ~ name ~ "'") }}
{%- endmacro %}
