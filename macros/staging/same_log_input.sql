{#-
  Which input a base model's rows were loaded from, and the check that an
  incremental run appends from that input only.
  log_input(log): the log's raw table as this run reads it, as text:
    `seed <name>` (log_source: seeds), else the source's relation (on DuckDB
    the Parquet location, logs_path included). Quotes are dropped, so it is a
    plain SQL literal on every adapter.
  check_same_log_input(log): on an incremental run, the input recorded in
    the model's `loaded_from` column must be this run's. Switching
    log_source or logs_path on a built warehouse would otherwise append one
    input's rows to another's without a word (a `tsg` run on the seeds into
    a warehouse of your own logs, say). A full refresh starts over from the
    new input.
-#}
{% macro log_input(log) -%}
    {{ return(oncall_analytics.log_input_of(log.table, log.relation | string)) }}
{%- endmacro %}

{#- log_input of the log `table` whose raw relation, as text, is `relation_text`. -#}
{% macro log_input_of(table, relation_text) -%}
    {%- set input = ('seed ' ~ table) if var('log_source', 'seeds') == 'seeds' else relation_text -%}
    {{ return(input | replace("'", "") | replace("\\", "/")) }}
{%- endmacro %}

{#- The on-run-start hook's check, DuckDB: every selected base model that
    already holds rows from another input than this run's stops the run
    before any model is built. The per-model check below comes too late for
    a run that rebuilds some logs before it reaches an incremental one: in
    an operator trial, a run on the seeds over a warehouse of one's own logs
    rebuilt three base tables from the seeds before the first incremental
    model stopped it, and left the warehouse mixed. Nothing for a selected
    base model on a full refresh, which starts it over from the new input,
    nor for a command that writes no model (`dbt docs generate` runs this
    hook too: `make docs` on a warehouse of your own logs). A base model
    that a selected model reads without being selected is checked on a full
    refresh too: it is not rebuilt (unselected_base_models_read). -#}
{% macro check_same_log_inputs() -%}
    {%- if not execute or target.type != 'duckdb' or not oncall_analytics.command_writes_models() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set unselected_reads = oncall_analytics.unselected_base_models_read() -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.package_name == project_name
            and node.name.startswith('base_') and '__' in node.name
            and ((node.unique_id in selected_resources and not flags.FULL_REFRESH) or node.unique_id in unselected_reads) -%}
        {%- set source_name, table = node.name[5:].split('__', 1) -%}
        {%- set source_node = graph.sources.get('source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table) -%}
        {%- set relation = adapter.get_relation(node.database, node.schema, node.alias) -%}
        {%- if source_node is not none and relation is not none
              and 'loaded_from' in adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
            {%- set reader = unselected_reads.get(node.unique_id) -%}
            {%- do oncall_analytics.require_loaded_from(relation, oncall_analytics.log_input_of(table, source_node.relation_name),
                    "; the run stops before building anything, rather than mix the two logs." if reader is none else
                    ", and is not rebuilt by this run (not selected): " ~ reader ~ " would answer from those rows, not from"
                    ~ " this run's input (select its logs too, `-s +" ~ reader ~ " --full-refresh`, to load them from it).") -%}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}

{#- The base models that a selected model reads, directly or through other
    models, without being selected themselves, each with the name of one
    selected model that reads it: such a run answers from the rows the
    warehouse already holds, whatever log_source and logs_path say (an
    operator trial built a mart alone with log_source external over a
    warehouse of the seeds, and got the seeds' answer without a word). -#}
{% macro unselected_base_models_read() -%}
    {%- set reader_of = {} -%}
    {%- for unique_id in selected_resources if unique_id.startswith('model.') -%}
        {%- set frontier = [unique_id] -%}
        {%- set seen = [unique_id] -%}
        {#- unselected parents level by level (a selected one's are its own walk's); a DAG is shallower than its node count -#}
        {%- for level in range(graph.nodes | length) if frontier -%}
            {%- set parents = [] -%}
            {%- for child in frontier -%}
                {%- for parent in graph.nodes[child].depends_on.nodes
                        if parent.startswith('model.') and parent not in seen and parent in graph.nodes
                        and parent not in selected_resources -%}
                    {%- do seen.append(parent) -%}
                    {%- do parents.append(parent) -%}
                {%- endfor -%}
            {%- endfor -%}
            {%- do frontier.clear() -%}
            {%- do frontier.extend(parents) -%}
        {%- endfor -%}
        {%- for parent in seen[1:] if parent not in reader_of and graph.nodes[parent].name.startswith('base_') -%}
            {%- do reader_of.update({parent: graph.nodes[unique_id].name}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(reader_of) }}
{%- endmacro %}

{% macro check_same_log_input(log) -%}
    {%- if not oncall_analytics.recorded_setting_to_check('loaded_from') -%}{{ return('') }}{%- endif -%}
    {%- do oncall_analytics.require_loaded_from(this, oncall_analytics.log_input(log), ". An incremental run would mix the two logs.") -%}
{%- endmacro %}

{#- Stops the run when the rows of `relation` were loaded from another input
    than `reading` (input_location compared), naming both; `consequence`
    follows the names in the message. -#}
{% macro require_loaded_from(relation, reading, consequence) -%}
    {%- set found = run_query("select loaded_from from " ~ relation ~ " where loaded_from is not null limit 1") -%}
    {%- set loaded_from = found.rows[0][0] if found.rows | length > 0 else none -%}
    {%- if loaded_from is not none and oncall_analytics.input_location(loaded_from) != oncall_analytics.input_location(reading) -%}
        {{ exceptions.raise_compiler_error(
            relation.identifier ~ " holds rows loaded from `" ~ loaded_from ~ "`, and this run reads `" ~ reading
            ~ "` (vars log_source and logs_path)" ~ consequence ~ oncall_analytics.mixed_setting_ways_out('vars')) }}
    {%- endif -%}
{%- endmacro %}

{#- An input without the read options that follow its files on DuckDB
    (`read_parquet(<path>/**/*.parquet, union_by_name = true, ...)`): rows a
    previous version of the project read with other options come from the
    same files, and so do rows read through `<logs_path>/` (slashes
    repeated). -#}
{% macro input_location(input) -%}
    {%- set match = modules.re.match('^(read_parquet[(].*?/[*][*]/[*][.]parquet)', input) -%}
    {#- a logs_path given with a trailing slash reads the same files -#}
    {{ return(modules.re.sub('/{2,}', '/', match.group(1)) if match else input) }}
{%- endmacro %}
