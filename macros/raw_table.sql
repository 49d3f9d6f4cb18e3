{#-
  The raw table `name`: the seed of that name by default, or the dbt source
  table `<source_name>.<name>` when the var `log_source` is `external` (your
  own logs: Parquet files under logs_path with DuckDB, warehouse tables
  elsewhere). Staging models get it through staging_log. logs_path is
  validated first (var_logs_path): it becomes SQL text in the source's
  location.
  Lineage: dbt records a model's parents from the ref() and source() calls it
  makes while parsing. The source is called then in both modes, so dbt docs
  shows where your own logs enter staging even when the seeds are read; at
  run time only the selected relation is used, so seeds mode never touches
  the source (no Parquet needed). The seed is a parent in seeds mode only:
  in external mode it would make every `+` selection (the hourly selector,
  `-s +tsg_action_plan`) load the shipped seeds again.
-#}
{% macro raw_table(source_name, name) -%}
    {%- set mode = var('log_source', 'seeds') -%}
    {%- if mode not in ['seeds', 'external'] -%}
        {{ exceptions.raise_compiler_error("Invalid var 'log_source': got " ~ oncall_analytics.shown_value(mode) ~ "; expected 'seeds' (the shipped seed files) or 'external' (your own logs, see the README).") }}
    {%- endif -%}
    {%- if not execute -%}
        {%- do source(source_name, name) -%}
    {%- endif -%}
    {%- if mode == 'seeds' -%}
        {{ return(ref(name)) }}
    {%- endif -%}
    {%- if target.type == 'duckdb' -%}
        {%- set logs_path = oncall_analytics.var_logs_path() -%}
        {%- if execute -%}{%- do oncall_analytics.require_log_files(logs_path, name) -%}{%- endif -%}
    {%- endif -%}
    {{ return(source(source_name, name)) }}
{%- endmacro %}

{#- DuckDB, log_source external: the log's files must be readable as the
    source reads them (<logs_path>/<name>/**/*.parquet, dbt_project.yml), with
    a message naming logs_path rather than DuckDB's "No files found" from deep
    inside a model's SQL, and every file there must be read as Spark reads the
    folder, or the run stops naming it:
    - files whose name starts with `_` or `.` are writers' markers and
      checksums (_SUCCESS, .part-0.crc), skipped as Spark and Hadoop skip them;
      a Parquet file named so (_part-0.parquet) Spark skips too, but the
      source's glob would read it: the run stops;
    - a folder whose name starts with `_` or `.` and holds no `=` (Spark's
      _temporary/ and .spark-staging-*/: output of a job not yet committed)
      Spark skips too, but the source's glob would read its Parquet files as
      rows: the run stops instead;
    - a Delta table (_delta_log/) keeps replaced files beside current ones, and
      a Spark streaming sink (_spark_metadata/) a failed micro-batch's files;
    - any other file (a Hive file named 000000_0, a CSV) would be left unread;
    - a Parquet file must be whole and in a codec DuckDB reads
      (require_readable_parquet_files).
    Those folders are looked for below the log's own folder (the path after
    its last `/<name>/`), not in logs_path, which DuckDB's glob may have
    normalised or expanded. logs_path is validated (no quotes), and may not
    hold a folder named like a partition of one of the log's columns
    (`region=eu/`): DuckDB reads every `<key>=<value>` folder of a file's
    path as a column, so every row of the log would read region 'eu',
    whatever its files hold. Other `<key>=<value>` folders there add a
    column the log does not read. Below the log's folder, such a folder may
    name a column its files hold too only where they agree, and every file
    must sit in folders of the same columns where one would be lost
    (require_partitions_match_files). A file must not hold a contract
    column twice, in names differing only in case (require_one_name_per_column).
    A contract column must not mix types
    that one table cannot hold as written (require_one_kind_per_column) or
    be a duration its writer stored as an integer of its unit
    (require_no_duration_columns); text stored as bytes, in a contract
    column, must be UTF-8 (require_utf8_text; other columns are not read), and a time column may not be in the folders only
    (require_no_time_in_folders_only). -#}
{% macro require_log_files(logs_path, name) -%}
    {#- first: a logs_path that is not there would read as folders without Parquet files (dbt compile and source
        freshness run no on-run-start hook) -#}
    {%- do oncall_analytics.require_logs_path_folder(logs_path) -%}
    {%- set folder = logs_path ~ '/' ~ name -%}
    {%- set contract_columns = oncall_analytics.staging_columns(name) -%}
    {%- set contract = contract_columns | map(attribute='name') | map('lower') | list -%}
    {%- for segment in logs_path.replace('\\', '/').split('/') if '=' in segment -%}
        {%- set column, value = segment.split('=', 1) -%}
        {%- if column | lower in contract -%}
            {{ exceptions.raise_compiler_error(
                "logs_path `" ~ logs_path ~ "` has a folder `" ~ segment ~ "`, named like a partition of the column `"
                ~ column ~ "` of " ~ name ~ ": DuckDB reads every `<column>=<value>` folder in a file's path as "
                ~ "that column, so every row of " ~ name ~ " would read " ~ column ~ " " ~ oncall_analytics.shown_value(value)
                ~ ", whatever its files hold. Point logs_path at a path without such a folder (a symbolic link to "
                ~ "the logs' folder will do), or rename the folder.") }}
        {%- endif -%}
    {%- endfor -%}
    {%- set slash = "[/\\\\]" -%}
    {%- set found = run_query(
        "with files as (select file, " ~ oncall_analytics.path_below_log_folder('file', name) ~ " as inner_path "
        ~ "from glob('" ~ folder ~ "/**/*')), "
        ~ "kinds as (select file, case "
        ~ "when regexp_matches(inner_path, '(^|" ~ slash ~ ")_delta_log" ~ slash ~ "') then 'delta' "
        ~ "when regexp_matches(inner_path, '(^|" ~ slash ~ ")_spark_metadata" ~ slash ~ "') then 'streaming' "
        ~ "when regexp_matches(inner_path, '(^|" ~ slash ~ ")[_.][^/\\\\=]*" ~ slash ~ "') then 'uncommitted' "
        ~ "when regexp_matches(inner_path, '(^|" ~ slash ~ ")[_.][^/\\\\]*[.]parquet$') then 'hidden' "
        ~ "when regexp_matches(inner_path, '(^|" ~ slash ~ ")[_.][^/\\\\]*$') then 'marker' "
        ~ "when file like '%.parquet' then 'parquet' else 'unread' end as kind, "
        ~ "left(file, length(file) - length(inner_path)) "
        ~ "|| regexp_extract(inner_path, '^(.*?(^|" ~ slash ~ ")[_.][^/\\\\=]*" ~ slash ~ ")', 1) as hidden_folder from files), "
        ~ "named as (select kind, case when kind = 'uncommitted' then hidden_folder else file end as example from kinds) "
        ~ "select kind, count(*), count(distinct example), array_to_string((list(distinct example order by example))[1:3], ', ') "
        ~ "from named group by kind") -%}
    {%- do oncall_analytics.require_no_linked_folders(folder) -%}
    {%- set counts, examples = {}, {} -%}
    {%- for kind, files, distinct_examples, listed in found.rows -%}
        {%- do counts.update({kind: files}) -%}
        {%- do examples.update({kind: listed ~ (", ..." if distinct_examples > 3 else "")}) -%}
    {%- endfor -%}
    {%- if counts.get('delta') -%}
        {{ exceptions.raise_compiler_error(
            folder ~ "/ is a Delta table (it has a _delta_log/ folder): its folder keeps the files of replaced versions "
            ~ "beside the current ones and only the log says which are current, so reading its Parquet files would count "
            ~ "old rows. Write the table's current version as plain Parquet (e.g. with Spark, "
            ~ "spark.read.format('delta').load(path).write.parquet(other_path)) and read that folder.") }}
    {%- endif -%}
    {%- if counts.get('streaming') -%}
        {{ exceptions.raise_compiler_error(
            folder ~ "/ is the output of a Spark Structured Streaming query (it has a _spark_metadata/ folder): only that "
            ~ "folder's log says which of its Parquet files are committed (a failed micro-batch leaves its files beside "
            ~ "them), so reading them all could count rows twice or rows never committed. Leave the stream's folder as it "
            ~ "is and read a copy of its committed rows as plain Parquet: Spark's batch reader follows the log "
            ~ "(spark.read.parquet(path).write.parquet(other_path), e.g. each hour before the run), or point the stream at a "
            ~ "table in the warehouse.") }}
    {%- endif -%}
    {%- if counts.get('uncommitted') -%}
        {{ exceptions.raise_compiler_error(
            folder ~ "/ holds " ~ counts['uncommitted'] ~ " file(s) under folders whose names start with `_` or `.`: "
            ~ examples['uncommitted'] ~ ". That is where Spark and Hadoop jobs keep output they have not committed "
            ~ "(_temporary/, .spark-staging-*/): a job still writing, or one that failed. Spark skips such folders, and "
            ~ "this project would read their Parquet files as rows, so it stops: run again when the job is done, or "
            ~ "delete what a failed job left.") }}
    {%- endif -%}
    {%- if counts.get('hidden') -%}
        {{ exceptions.raise_compiler_error(
            folder ~ "/ holds " ~ counts['hidden'] ~ " Parquet file(s) whose names start with `_` or `.`: " ~ examples['hidden']
            ~ ". Spark and Hadoop skip such files as hidden, and this project would read their rows, so it stops: "
            ~ "rename them if they belong to the log, or move them out of the folder.") }}
    {%- endif -%}
    {%- if counts.get('unread') -%}
        {{ exceptions.raise_compiler_error(
            folder ~ "/ holds " ~ counts['unread'] ~ " file(s) the log would not read, since only *.parquet files are: "
            ~ examples['unread'] ~ ". Give Parquet files the .parquet "
            ~ "extension, and move other files out of the folder.") }}
    {%- endif -%}
    {%- if not counts.get('parquet') -%}
        {%- set logs = graph.sources.values() | selectattr('package_name', 'equalto', project_name) | map(attribute='name') | sort | unique | list -%}
        {{ exceptions.raise_compiler_error(
            "log_source is external and logs_path is `" ~ logs_path ~ "`, but " ~ folder ~ "/ holds no *.parquet file (at any depth). "
            ~ "Each log a model reads needs its folder of Parquet files under logs_path: " ~ logs | join(', ')
            ~ " (README, \"Your own logs\").") }}
    {%- endif -%}
    {%- do oncall_analytics.require_readable_parquet_files(folder) -%}
    {%- set files = folder ~ '/**/*.parquet' -%}
    {%- set contract_literals = [] -%}
    {%- for column_name in contract -%}{%- do contract_literals.append(oncall_analytics.sql_literal(column_name)) -%}{%- endfor -%}
    {%- set ctes = oncall_analytics.log_file_columns_ctes(files, name) -%}
    {%- do oncall_analytics.require_one_name_per_column(logs_path, name, ctes, contract_literals) -%}
    {%- do oncall_analytics.require_one_kind_per_column(logs_path, name, files, ctes, contract_literals) -%}
    {%- do oncall_analytics.require_no_duration_columns(logs_path, name, files, contract_literals) -%}
    {%- do oncall_analytics.require_utf8_text(logs_path, name, files, ctes, contract_literals) -%}
    {%- set time_literals = [] -%}
    {%- for column in contract_columns if column.type == 'timestamp' -%}
        {%- do time_literals.append(oncall_analytics.sql_literal(column.name | lower)) -%}
    {%- endfor -%}
    {%- do oncall_analytics.require_no_time_in_folders_only(logs_path, name, files, ctes, time_literals) -%}
    {%- do oncall_analytics.require_partitions_match_files(logs_path, name, files, ctes, contract_literals) -%}
{%- endmacro %}

{#- DuckDB's `**` does not follow a symbolic link to a folder below the log's
    own folder (a partition folder linked from elsewhere), while the README
    reads "at any depth": such a folder's files would be left unread, with
    every test passing, since the tests read through the same glob (operator
    trial: 1,500 of 3,000 rows). A `*` does follow it, so the files that
    `*/**/*` to `*/*/*/*/**/*` reach and `**/*` does not are behind such a
    link: the run stops naming them. A link to the log's folder itself, or
    to a file, is read (`**/*` lists a linked file, `**` alone does not),
    and so is a link to a folder the log reads anyway (files compared by
    their real paths, oncall_real_path, where the plugin registers it).
    Links deeper than four folders below the log's folder are not looked
    for. -#}
{% macro require_no_linked_folders(folder) -%}
    {%- set reached = [] -%}
    {%- for depth in range(1, 5) -%}
        {%- do reached.append("select file from glob('" ~ folder ~ "/" ~ ("*/" * depth) ~ "**/*')") -%}
    {%- endfor -%}
    {#- a link to a folder the log reads anyway (`latest -> year=2024/month=03`) leaves nothing unread: with the
        plugin's oncall_real_path, files are compared by their real paths -#}
    {%- set real_path = run_query("select count(*) from duckdb_functions() where function_name = 'oncall_real_path'").rows[0][0] > 0 -%}
    {%- set key = 'oncall_real_path(file)' if real_path else 'file' -%}
    {%- set linked = run_query(
        "with read_files as (select " ~ key ~ " as real_file from glob('" ~ folder ~ "/**/*')), "
        ~ "reached as (" ~ reached | join(" union ") ~ "), "
        ~ "linked as (select file from reached where " ~ key ~ " not in (select real_file from read_files)) "
        ~ "select count(*), array_to_string((list(file order by file))[1:3], ', ') from linked").rows[0] -%}
    {%- if linked[0] -%}
        {{ exceptions.raise_compiler_error(
            folder ~ "/ reaches " ~ linked[0] ~ " file(s) only through symbolic links to folders below it: " ~ linked[1]
            ~ (", ..." if linked[0] > 3 else "") ~ ". DuckDB's ** does not follow a link to a folder inside the log's "
            ~ "folder, so those files would be left unread, and every test would pass. Put the folder itself there "
            ~ "(or link its files one by one: a link to a file is read), or link the log's whole folder instead.") }}
    {%- endif -%}
{%- endmacro %}

{#- SQL (DuckDB): the part of the file path `file_sql` below the log's own
    folder, after its last `/<name>/` (or `\<name>\`): where a writer's
    folders (partitions, _temporary/) are, whatever logs_path looks like. -#}
{% macro path_below_log_folder(file_sql, name) -%}
    regexp_extract({{ file_sql }}, '.*[/\\]{{ name }}[/\\](.*)$', 1)
{%- endmacro %}

{#- DuckDB stops a model's SQL on the first Parquet file it cannot read, with
    its own message (`too small to be a Parquet file`, `No magic bytes found
    at end of file`, `Unsupported compression codec "LZ4"`: operator trial).
    The run stops first naming every such file of the log, and what to do:
    - an empty file, one cut short or still being written (a writer writing
      in place: Spark writes elsewhere and moves the file in), or one this
      user cannot open: the plugin's oncall_parquet_problem reads a file's
      first and last four bytes (skipped where the plugin is not loaded);
    - a codec DuckDB cannot read (Hadoop's LZ4 framing, which Spark writes
      for `compression.codec=lz4`; LZO), read from the files' footers. -#}
{% macro require_readable_parquet_files(folder) -%}
    {%- set files = folder ~ '/**/*.parquet' -%}
    {%- set registered = run_query("select count(*) from duckdb_functions() where function_name = 'oncall_parquet_problem'").rows[0][0] > 0 -%}
    {%- if registered -%}
        {%- set broken = run_query(
            "with checked as (select file, oncall_parquet_problem(file) as problem from glob(" ~ oncall_analytics.sql_literal(files) ~ ")) "
            ~ "select count(*), array_to_string((list(file || ' (' || problem || ')' order by file))[1:3], ', ') "
            ~ "from checked where problem is not null").rows[0] -%}
        {%- if broken[0] -%}
            {{ exceptions.raise_compiler_error(
                folder ~ "/ holds " ~ broken[0] ~ " Parquet file(s) that cannot be read whole: " ~ broken[1]
                ~ (", ..." if broken[0] > 3 else "") ~ ". A file still being written (the writer should write it elsewhere "
                ~ "and move it in when done, as Spark does), or cut short by a writer that stopped: run again when the "
                ~ "writer is done, or move the file out of the folder. Until then this log's models, and the models built on "
                ~ "them, are not built.") }}
        {%- endif -%}
    {%- endif -%}
    {%- set codecs = run_query(
        "select compression, count(distinct file_name), array_to_string((list(distinct file_name order by file_name))[1:3], ', ') "
        ~ "from parquet_metadata(" ~ oncall_analytics.sql_literal(files) ~ ") "
        ~ "where compression not in ('UNCOMPRESSED', 'SNAPPY', 'GZIP', 'ZSTD', 'BROTLI', 'LZ4_RAW') "
        ~ "group by compression order by compression").rows -%}
    {%- for codec, count, examples in codecs[:1] -%}
        {{ exceptions.raise_compiler_error(
            folder ~ "/ holds " ~ count ~ " Parquet file(s) compressed with " ~ codec ~ ", which DuckDB cannot read: " ~ examples
            ~ (", ..." if count > 3 else "") ~ ". Write them with snappy (Spark's default: spark.sql.parquet.compression.codec="
            ~ "snappy), zstd, gzip or lz4_raw.") }}
    {%- endfor -%}
{%- endmacro %}
