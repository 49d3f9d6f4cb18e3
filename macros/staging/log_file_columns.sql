{#-
  SQL (DuckDB): the CTEs `written_columns` (file_name, column_id,
  path_in_schema, written_name: each column chunk of a Parquet file's footer,
  with the name of its top-level column as written), `schema_columns`
  (file_name, column_name: each file's own top-level columns: the first part
  of each column chunk's path, so a struct's field `req.status` is not a
  column `status`), `log_files` (file_name) and `partition_columns`
  (file_name, column_name: the `<column>=<value>/` folders of its path below
  the log's folder), column names lower-cased except written_name, for the
  files of the glob `files`. A file without rows has no row group and no row
  to read a column from: it is left out. Shared by log_files_missing_columns
  and the checks of require_log_files.
-#}
{% macro log_file_columns_ctes(files, table) -%}
        written_columns as (
            select file_name, column_id, path_in_schema, split_part(path_in_schema, ', ', 1) as written_name
            from parquet_metadata({{ oncall_analytics.sql_literal(files) }}) where row_group_id = 0
        ),
        schema_columns as (
            select distinct file_name, lower(written_name) as column_name from written_columns
        ),
        log_files as (
            select distinct file_name from schema_columns
        ),
        partition_columns as (
            select file_name, unnest({{ oncall_analytics.partition_keys('file_name', table) }}) as column_name
            from log_files
        )
{%- endmacro %}

{#- SQL (DuckDB): the lower-cased column names of the `<column>=<value>/`
    folders in the path `file_sql` below the log's folder, in path order. -#}
{% macro partition_keys(file_sql, table) -%}
    list_transform(regexp_extract_all(
        {{- oncall_analytics.path_below_log_folder(file_sql, table) }}, '([^/\\=]+)=[^/\\]*[/\\]', 1), key -> lower(key))
{%- endmacro %}

{#- DuckDB, log_source external: a file inside a `<column>=<value>/` folder
    that also holds the column itself is read with the folder's value on
    every row (DuckDB's hive partitioning; Spark refuses such a table). Where
    the log's files do that for one of its contract columns, the column is
    read both ways (with and without the folders) and the run stops, naming
    files, folder value and file value, when any row differs: that would be a
    silent change of value. Files that agree with their folders (a writer
    that keeps the partition column in its files) are read as they are. -#}
{% macro require_partitions_match_files(logs_path, name, files, ctes, contract_literals) -%}
    {%- if oncall_analytics.require_one_partition_layout(logs_path, name, files, ctes, contract_literals) -%}
        {#- mixed layouts: DuckDB reads no folder as a column, so every file is read as it is -#}
        {{ return(none) }}
    {%- endif -%}
    {%- set overlaps = run_query(
        "with " ~ ctes ~ "
        select distinct column_name
        from schema_columns inner join partition_columns using (file_name, column_name)
        where column_name in (" ~ contract_literals | join(', ') ~ ")
        order by column_name") -%}
    {#- a folder value in a form staging reads as it would read the file's value (a plain time, number or flag) -#}
    {%- set folder_time = oncall_analytics.sql_literal('^(' ~ oncall_analytics.plain_number_pattern('naive_timestamp') ~ '|'
                                                       ~ oncall_analytics.plain_number_pattern('offset_timestamp') ~ ')$') -%}
    {%- set folder_number = oncall_analytics.sql_literal('^[+-]?[0-9]+([.][0-9]*)?$') -%}
    {#- the folder's value is one per file: each file's rows are compared with it, by file name (in a column
        of a name the log's files do not use: DuckDB refuses to add a `filename` column beside a file's own) -#}
    {%- set file_column = oncall_analytics.unused_column_name(files, 'filename') if overlaps.rows else none -%}
    {%- for column_name in overlaps.columns[0].values() -%}
        {%- set read_options = oncall_analytics.sql_literal(files) ~ ", union_by_name = true, filename = "
            ~ oncall_analytics.sql_literal(file_column) -%}
        {%- set differing = run_query(
            "with " ~ ctes ~ ",
            overlapping as (
                select file_name
                from schema_columns inner join partition_columns using (file_name, column_name)
                where column_name = " ~ oncall_analytics.sql_literal(column_name) ~ "
            ),
            folder_read as (
                select distinct " ~ adapter.quote(file_column) ~ " as filename, cast(" ~ adapter.quote(column_name) ~ " as varchar) as value
                from read_parquet(" ~ read_options ~ ", hive_partitioning = true)
                where " ~ adapter.quote(file_column) ~ " in (select file_name from overlapping)
            ),
            file_read as (
                select " ~ adapter.quote(file_column) ~ " as filename, cast(" ~ adapter.quote(column_name) ~ " as varchar) as value
                from read_parquet(" ~ read_options ~ ", hive_partitioning = false)
                where " ~ adapter.quote(file_column) ~ " in (select file_name from overlapping)
            ),
            differences as (
                -- the same value written two ways is no difference: a writer's null folder, a time with
                -- or without its zone or fraction (polars), 1 and 1.0, true and 1 (staging reads them alike)
                select folder_read.filename, folder_read.value as folder_value, file_read.value as file_value
                from folder_read inner join file_read using (filename)
                where not (
                    folder_read.value is not distinct from file_read.value
                    -- not `value = '__HIVE_...'`: DuckDB 1.4 pushes that equality into the read of a folder named
                    -- like a time (polars' percent-encoded partition_by) and fails with an INTERNAL error (writers trial)
                    or (starts_with(folder_read.value, '__HIVE_DEFAULT_PARTITION__') and length(folder_read.value) = 26
                        and file_read.value is null)
                    or coalesce(regexp_matches(folder_read.value, " ~ folder_time ~ ")
                        and try_cast(folder_read.value as timestamptz) = try_cast(file_read.value as timestamptz), false)
                    or coalesce(regexp_matches(folder_read.value, " ~ folder_number ~ ")
                        and try_cast(folder_read.value as double) = try_cast(file_read.value as double), false)
                    or coalesce(lower(folder_read.value) in ('true', 'false', '1', '0')
                        and try_cast(folder_read.value as boolean) = try_cast(file_read.value as boolean), false)
                )
            )
            select count(*), count(distinct filename),
                   array_to_string((list(distinct filename order by filename))[1:3], ', '),
                   min(folder_value), min_by(file_value, folder_value)
            from differences") -%}
        {%- set rows_differing, files_differing, examples, folder_value, file_value = differing.rows[0] -%}
        {%- if rows_differing -%}
            {{ exceptions.raise_compiler_error(
                logs_path ~ "/" ~ name ~ "/ has files inside `" ~ column_name ~ "=<value>/` folders that hold a `"
                ~ column_name ~ "` column of their own, with other values: " ~ rows_differing ~ " row(s) in "
                ~ files_differing ~ " file(s) (" ~ examples ~ (", ..." if files_differing > 3 else "") ~ "), e.g. "
                ~ oncall_analytics.shown_value(file_value) ~ " in a file where its folder says " ~ oncall_analytics.shown_value(folder_value)
                ~ ". DuckDB would read the folder's value on every row of such a file (Spark refuses such a table), "
                ~ "so the run stops rather than change them. Write the files without the column, as Spark's and "
                ~ "pandas' partitionBy do, or put each file in the folder of its values.") }}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}

{#- DuckDB reads `<column>=<value>/` folders as columns only when every file of
    a log sits in folders of the same columns; otherwise it reads none of
    them, silently (a job that changed its partitionBy, or files added beside
    a partitioned folder). A contract column that some file has in its
    folders only would then read as missing on all its rows: the run stops,
    naming the column and files of each layout. Returns true when the
    layouts differ harmlessly (no contract column is lost: e.g. a `date=`
    folder beside files without one), so the caller knows no folder is read. -#}
{% macro require_one_partition_layout(logs_path, name, files, ctes, contract_literals) -%}
    {%- set layouts -%}
        layouts as (
            select file, list_sort(list_distinct({{ oncall_analytics.partition_keys('file', name) }})) as keys
            from glob({{ oncall_analytics.sql_literal(files) }})
        )
    {%- endset -%}
    {%- if not run_query("with " ~ layouts ~ " select count(distinct keys) > 1 from layouts").columns[0].values()[0] -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set lost = run_query(
        "with " ~ ctes ~ ", " ~ layouts ~ ",
        lost as (
            select partition_columns.column_name, partition_columns.file_name
            from partition_columns
            left join schema_columns using (file_name, column_name)
            where schema_columns.file_name is null and partition_columns.column_name in (" ~ contract_literals | join(', ') ~ ")
        )
        select column_name, count(distinct file_name), array_to_string((list(distinct file_name order by file_name))[1:3], ', ')
        from lost
        group by column_name
        order by column_name") -%}
    {%- if lost.rows | length -%}
        {%- set described = [] -%}
        {%- for folders, count in run_query("with " ~ layouts ~ " select array_to_string(list_transform(keys, key -> '`' || key || '=`'), ' / '), "
                                              ~ "count(*) from layouts group by keys order by keys").rows -%}
            {%- do described.append((folders or 'no partition folder') ~ ": " ~ count ~ " file(s)") -%}
        {%- endfor -%}
        {%- set column_name, lost_files, lost_examples = lost.rows[0] -%}
        {{ exceptions.raise_compiler_error(
            logs_path ~ "/" ~ name ~ "/ mixes partition layouts (" ~ described | join('; ') ~ "). DuckDB reads "
            ~ "partition folders as columns only when every file of a log sits in folders of the same columns, and "
            ~ "reads none otherwise, so `" ~ column_name ~ "` would read as missing on every row of the "
            ~ lost_files ~ " file(s) that have it in their folders only (" ~ lost_examples
            ~ (", ..." if lost_files > 3 else "") ~ "). Write every file of the log with the same partition "
            ~ "folders (one partitionBy), or write the column into the files.") }}
    {%- endif -%}
    {{ return(true) }}
{%- endmacro %}

{#- A contract column that the log's files hold with types DuckDB cannot read
    as one table without changing values: single-precision floats beside
    another number type (widened: 58.47 would read 58.470001), a DATE beside
    timestamps (read as midnight, where alone it is quarantined), naive
    nanosecond timestamps beside time-zone-aware ones (DuckDB stops with an
    error naming neither kind), numbers beside dates or timestamps (a writer
    that moved from epoch numbers to timestamps: DuckDB stops on a cast).
    The run stops naming the column, both kinds and their files; write the
    column with one type in every file. -#}
{% macro require_one_kind_per_column(logs_path, name, files, ctes, contract_literals) -%}
    {%- set clashes = run_query(
        "with " ~ ctes ~ ",
        leaves as (
            select file_name, lower(name) as column_name, type, converted_type, logical_type
            from parquet_schema(" ~ oncall_analytics.sql_literal(files) ~ ") where num_children is null
        ),
        schema_rows as (
            -- leaves whose file holds a top-level column of that name (a struct's field of the name is no column)
            select leaves.* from leaves inner join schema_columns using (file_name, column_name)
            -- a file without rows (no row group: a streaming writer that got none) is not in schema_columns,
            -- but DuckDB reads its schema all the same, and a clash there stopped the read with a raw error
            union all
            select leaves.* from leaves anti join log_files using (file_name)
        ),
        kinds as (
            select distinct file_name, column_name, case
                when type = 'FLOAT' then 'single-precision float'
                when type = 'DOUBLE' or type in ('INT32', 'INT64') and coalesce(converted_type, '') not in ('DATE', 'TIMESTAMP_MILLIS', 'TIMESTAMP_MICROS')
                    and coalesce(logical_type, '') not like 'TimestampType%' then 'other number'
                -- a decimal wider than 18 digits is stored as bytes (pyarrow, Spark): a number all the same
                when converted_type = 'DECIMAL' or logical_type like 'DecimalType%' then 'other number'
                when converted_type = 'DATE' then 'date'
                when logical_type like 'TimestampType(isAdjustedToUTC=1%' then 'time-zone-aware timestamp'
                when logical_type like 'TimestampType(isAdjustedToUTC=0%NanoSeconds()%' then 'naive nanosecond timestamp'
                when type = 'INT96' or converted_type like 'TIMESTAMP%' or logical_type like 'TimestampType%' then 'naive timestamp'
            end as kind
            from schema_rows
            where column_name in (" ~ contract_literals | join(', ') ~ ")
            -- integers beyond 2^53 beside doubles: read as one table, every value is a double, and such an integer
            -- changes (a 64-bit id 9007199254740993 read 9007199254740992; operator trial). Told by the footers'
            -- statistics, which Spark, pyarrow, polars and DuckDB write
            union all
            select distinct file_name, column_name, 'double' from schema_rows
            where type = 'DOUBLE' and column_name in (" ~ contract_literals | join(', ') ~ ")
            union all
            select distinct file_name, lower(path_in_schema), 'integer beyond 2^53'
            from parquet_metadata(" ~ oncall_analytics.sql_literal(files) ~ ")
            where type = 'INT64' and lower(path_in_schema) in (" ~ contract_literals | join(', ') ~ ")
                and greatest(abs(try_cast(coalesce(stats_min_value, stats_min) as hugeint)),
                             abs(try_cast(coalesce(stats_max_value, stats_max) as hugeint))) > 9007199254740992
        ),
        clashing_pairs as (
            select * from (values
                ('single-precision float', 'other number'), ('integer beyond 2^53', 'double'),
                ('date', 'naive timestamp'), ('date', 'naive nanosecond timestamp'), ('date', 'time-zone-aware timestamp'),
                ('naive nanosecond timestamp', 'time-zone-aware timestamp'),
                -- numbers beside times (a writer moved from epoch numbers to timestamps): DuckDB's read stops on the cast
                ('other number', 'date'), ('other number', 'naive timestamp'), ('other number', 'naive nanosecond timestamp'),
                ('other number', 'time-zone-aware timestamp'), ('single-precision float', 'date'),
                ('single-precision float', 'naive timestamp'), ('single-precision float', 'naive nanosecond timestamp'),
                ('single-precision float', 'time-zone-aware timestamp')) as pairs(first_kind, second_kind)
        ),
        per_kind as (
            select column_name, kind, count(distinct file_name) as files,
                   array_to_string((list(distinct file_name order by file_name))[1:3], ', ') as examples
            from kinds where kind is not null group by column_name, kind
        )
        select first.column_name, first.kind, first.files, first.examples, second.kind, second.files, second.examples
        from clashing_pairs
        inner join per_kind as first on first.kind = clashing_pairs.first_kind
        inner join per_kind as second on second.kind = clashing_pairs.second_kind and second.column_name = first.column_name
        order by first.column_name, first.kind, second.kind") -%}
    {#- the first clash is told in full, the other columns named after it, each once with its kinds (a run stopped
        on end_timestamp and said nothing of start_timestamp, which had the same problem: operator trial) -#}
    {%- set also = [] -%}
    {%- for row in clashes.rows if clashes.rows and row[0] != clashes.rows[0][0] and row[0] not in also | map('first') | list -%}
        {%- do also.append([row[0], "`" ~ row[0] ~ "` (" ~ row[1] ~ " in " ~ row[2] ~ " file(s), " ~ row[4] ~ " in " ~ row[5] ~ ")"]) -%}
    {%- endfor -%}
    {%- for column_name, kind, files_of_kind, examples, other_kind, other_files, other_examples in clashes.rows[:1] -%}
        {%- set numbers_beside_times = kind in ['single-precision float', 'other number'] and other_kind not in ['other number'] -%}
        {{ exceptions.raise_compiler_error(
            logs_path ~ "/" ~ name ~ "/ holds the column `" ~ column_name ~ "` as " ~ kind ~ " in " ~ files_of_kind
            ~ " file(s) (" ~ examples ~ (", ..." if files_of_kind > 3 else "") ~ ") and as " ~ other_kind ~ " in "
            ~ other_files ~ " file(s) (" ~ other_examples ~ (", ..." if other_files > 3 else "") ~ "). Read as one table, "
            ~ ("DuckDB cannot read numbers and times as one column (epoch numbers in older files, timestamps in newer ones?)"
               if numbers_beside_times else
               {'single-precision float': "DuckDB would widen the single-precision values (58.47 would read 58.470001), a silent change of value",
                'integer beyond 2^53': "DuckDB would read every value as a double, and an integer beyond 2^53 as another "
                    ~ "integer (9007199254740993 would read 9007199254740992), a silent change of value",
                'date': "DuckDB would read the dates alone as midnight (alone, a date is no event time and is quarantined)",
                'naive nanosecond timestamp': "DuckDB cannot hold both kinds in one column"}[kind])
            ~ ", so the run stops. Write the column with one type in every file ("
            ~ ("rewrite the files of numbers with the column as a timestamp" if numbers_beside_times else
               "for pandas, an integer column with missing values as Int64, not float64, or ids as text"
               if kind == 'integer beyond 2^53' else
               "for pandas' nanoseconds: to_parquet(..., coerce_timestamps=\"us\"), or all with a time zone") ~ ")."
            ~ (" Other columns whose files clash: " ~ also | map('last') | join(', ') ~ "." if also else "")) }}
    {%- endfor -%}
{%- endmacro %}

{#- DuckDB, log_source external: a time column that a file has in its
    `<column>=<value>/` folders only. A folder name is text without a time
    zone, and writers put the time there as their session's wall clock
    (Spark's partitionBy on a timestamp in a New York session names the
    folder 05:00 for 10:00 UTC), which this project would read as UTC: every
    time shifted, silently (operator trial). The run stops, naming the
    column and files; files that also hold the column are compared with
    their folders (require_partitions_match_files), unless the folders are
    percent-encoded (polars), which DuckDB 1.4 cannot read beside the file's
    time: the run stops for those too. -#}
{% macro require_no_time_in_folders_only(logs_path, name, files, ctes, time_literals) -%}
    {%- if not time_literals -%}{{ return(none) }}{%- endif -%}
    {#- the file names alone first: most logs have no such folder, and the footers need not be read -#}
    {%- set in_folders = run_query(
        "select count(*) from (select unnest(" ~ oncall_analytics.partition_keys('file', name) ~ ") as column_name"
        ~ " from glob(" ~ oncall_analytics.sql_literal(files) ~ ")) where column_name in (" ~ time_literals | join(', ') ~ ")") -%}
    {%- if in_folders.rows[0][0] == 0 -%}{{ return(none) }}{%- endif -%}
    {%- set found = run_query(
        "with " ~ ctes ~ ",
        folders_only as (
            select column_name, file_name from partition_columns
            anti join schema_columns using (file_name, column_name)
            where column_name in (" ~ time_literals | join(', ') ~ ")
        )
        select column_name, count(*), array_to_string((list(file_name order by file_name))[1:3], ', ')
        from folders_only group by column_name order by column_name") -%}
    {%- for column_name, files, examples in found.rows -%}
        {{ exceptions.raise_compiler_error(
            logs_path ~ "/" ~ name ~ "/ has the time column `" ~ column_name ~ "` in `" ~ column_name ~ "=<value>/` folders only, in "
            ~ files ~ " file(s) (" ~ examples ~ (", ..." if files > 3 else "") ~ "). A folder name holds no time zone, and "
            ~ "writers name it in their session's time zone (Spark's spark.sql.session.timeZone, the machine's by default), "
            ~ "which this project would read as UTC, shifting every time. Keep the column in the files (partition by a "
            ~ "date or hour text column of its own instead), and the run reads it as written.") }}
    {%- endfor -%}
    {#- files that hold the column too, in percent-encoded folders (polars' partition_by on a time:
        `start_timestamp=2023-11-30%2010%3A00%3A30.000000+00%3A00/`): DuckDB 1.4 reads the folder as text over
        the file's time and stops the model with an INTERNAL error (writers trial), so the run stops first -#}
    {%- set encoded = run_query(
        "select column_name, count(*), array_to_string((list(file order by file))[1:3], ', ') from ("
        ~ "select file, unnest(regexp_extract_all(" ~ oncall_analytics.path_below_log_folder('file', name)
        ~ ", '([^/\\\\=]+)=[^/\\\\]*%[0-9A-Fa-f]{2}[^/\\\\]*[/\\\\]', 1)) as column_name"
        ~ " from glob(" ~ oncall_analytics.sql_literal(files) ~ ")) where lower(column_name) in (" ~ time_literals | join(', ') ~ ")"
        ~ " group by column_name order by column_name") -%}
    {%- for column_name, files_found, examples in encoded.rows -%}
        {{ exceptions.raise_compiler_error(
            logs_path ~ "/" ~ name ~ "/ holds the time column `" ~ column_name ~ "` in percent-encoded `" ~ column_name
            ~ "=<value>/` folders (as polars' partition_by writes a time), in " ~ files_found ~ " file(s) (" ~ examples
            ~ (", ..." if files_found > 3 else "") ~ "). DuckDB 1.4 reads such a folder as text over the file's own "
            ~ "time and stops with an internal error, so the run stops here. Partition by a date or hour text column "
            ~ "of its own instead (the time stays in the files).") }}
    {%- endfor -%}
{%- endmacro %}

{#- DuckDB, log_source external: a contract column that a writer stored as a
    duration. Parquet has no duration type, so pandas' timedelta64 and
    Spark's intervals are stored as plain integers of their unit
    (nanoseconds for pandas, microseconds or months for Spark), and DuckDB
    reads them as numbers: a duration_ms of 1.5 ms would read 1500000, a
    silent change of value (operator trial). The writer's own schema, kept in
    the file's key-value metadata (`pandas`, Spark's row metadata), names the
    type, and so does the Arrow schema that pyarrow and polars keep
    (`ARROW:schema`, read by the project's own function, duckdb_functions):
    the run stops, naming the column, the written types and files. A writer
    that keeps no schema is indistinguishable from a number. -#}
{% macro require_no_duration_columns(logs_path, name, files, contract_literals) -%}
    {#- pyarrow's and polars' Arrow schema, read by the project's own function (duckdb_functions) -#}
    {%- set arrow_readable = run_query("select count(*) from duckdb_functions() where function_name = 'oncall_arrow_time_fields'").rows[0][0] > 0 -%}
    {%- set arrow_durations -%}
        {%- if arrow_readable %}
        union all
        select file_name, lower(split_part(field, ':', 1)) as column_name, 'Arrow ' || split_part(field, ':', 2) as written_type
        from (
            select file_name, unnest(oncall_arrow_time_fields(decode(value))) as field
            from parquet_kv_metadata({{ oncall_analytics.sql_literal(files) }})
            where key = 'ARROW:schema' :: blob
        )
        {%- endif %}
    {%- endset -%}
    {%- set found = run_query(
        "with writer_schemas as (
            select file_name, decode(key) as writer, decode(value) as written_schema
            from parquet_kv_metadata(" ~ oncall_analytics.sql_literal(files) ~ ")
            where key in ('pandas' :: blob, 'org.apache.spark.sql.parquet.row.metadata' :: blob)
        ),
        written_columns as (
            select file_name, writer,
                   unnest(case when writer = 'pandas' then json_extract(written_schema, '$.columns[*]')
                               else json_extract(written_schema, '$.fields[*]') end) as written
            from writer_schemas
            where json_valid(written_schema)
        ),
        written_types as (
            select file_name, lower(coalesce(json_extract_string(written, 'field_name'), json_extract_string(written, 'name'))) as column_name,
                   writer, json_extract_string(written, case when writer = 'pandas' then 'numpy_type' else 'type' end) as written_type
            from written_columns
        ),
        durations as (
            select file_name, column_name, case when writer = 'pandas' then 'pandas ' else 'Spark ' end || written_type as written_type
            from written_types
            where writer = 'pandas' and written_type like 'timedelta%' or writer <> 'pandas' and written_type like 'interval%'
            " ~ arrow_durations ~ "
        )
        select column_name, count(distinct file_name), array_to_string((list(distinct file_name order by file_name))[1:3], ', '),
               array_to_string(list(distinct written_type order by written_type), ', ')
        from durations
        where column_name in (" ~ contract_literals | join(', ') ~ ")
        group by column_name
        order by column_name") -%}
    {%- for column_name, files_found, examples, written_types in found.rows -%}
        {{ exceptions.raise_compiler_error(
            logs_path ~ "/" ~ name ~ "/ holds the column `" ~ column_name ~ "` as a duration (" ~ written_types ~ ") in "
            ~ files_found ~ " file(s) (" ~ examples ~ (", ..." if files_found > 3 else "") ~ "). Parquet stores a duration "
            ~ "as a plain integer of its unit (nanoseconds, microseconds or months, as the writer chose), which this project "
            ~ "would read as the number itself (1.5 ms would read 1500000), so the run stops. Write the column as a number "
            ~ "in the contract's unit (pandas: df[\"" ~ column_name ~ "\"] / pd.Timedelta(milliseconds=1) for milliseconds).") }}
    {%- endfor -%}
{%- endmacro %}

{#- DuckDB, log_source external: a column stored as plain BINARY (Impala,
    older Hive, parquet-mr: text without the UTF-8 mark) is read as text
    (binary_as_string), and one value that is not UTF-8 (a Latin-1 `Zürich`)
    in a contract column stops DuckDB's read of the log with "Invalid string
    encoding" naming no column. Only such columns can hold one (a column
    marked as text is checked by its writer): they are read as bytes, and
    the run stops naming the column, the count, the files and an example.
    Other columns are never read, so they are not checked. A struct's field
    is not checked (it keeps DuckDB's error). -#}
{% macro require_utf8_text(logs_path, name, files, ctes, contract_literals) -%}
    {#- the schemas alone first: most writers mark their text, and the row groups need not be read -#}
    {%- set plain_binary = run_query(
        "select count(*) from parquet_schema(" ~ oncall_analytics.sql_literal(files) ~ ")
        where type = 'BYTE_ARRAY' and converted_type is null and logical_type is null and num_children is null") -%}
    {%- if plain_binary.rows[0][0] == 0 -%}{{ return(none) }}{%- endif -%}
    {%- set binary_columns = run_query(
        "with " ~ ctes ~ ",
        binary_leaves as (
            select file_name, lower(name) as column_name from parquet_schema(" ~ oncall_analytics.sql_literal(files) ~ ")
            where type = 'BYTE_ARRAY' and converted_type is null and logical_type is null and num_children is null
        )
        -- a contract column of a file with rows (the others are never read: an extra column is ignored, a
        -- sink's raw message bytes beside the parsed fields included); a struct's field of a column's name
        -- makes that column a candidate too, so it is read as bytes either way
        select file_name, column_name from binary_leaves inner join schema_columns using (file_name, column_name)
        where column_name in (" ~ contract_literals | join(', ') ~ ")
        order by column_name, file_name") -%}
    {%- set files_of = {} -%}
    {%- for file_name, column_name in binary_columns.rows -%}
        {%- do files_of.setdefault(column_name, []).append(oncall_analytics.sql_literal(file_name)) -%}
    {%- endfor -%}
    {#- the file name in a column of a name the log's files do not use (DuckDB refuses to add one beside a file's own) -#}
    {%- set file_column = oncall_analytics.unused_column_name(files, 'filename') if files_of else none -%}
    {%- for column_name, file_literals in files_of.items() -%}
        {%- set found = run_query(
            "select count(*), count(distinct " ~ adapter.quote(file_column) ~ "),
                    array_to_string((list(distinct " ~ adapter.quote(file_column) ~ " order by " ~ adapter.quote(file_column) ~ "))[1:3], ', '),
                    cast(min(" ~ adapter.quote(column_name) ~ ") as varchar)
            from read_parquet([" ~ file_literals | join(', ') ~ "], union_by_name = true, binary_as_string = false,
                              filename = " ~ oncall_analytics.sql_literal(file_column) ~ ")
            where " ~ adapter.quote(column_name) ~ " is not null and try(decode(cast(" ~ adapter.quote(column_name) ~ " as blob))) is null") -%}
        {%- set values, files_found, examples, example = found.rows[0] -%}
        {%- if values -%}
            {{ exceptions.raise_compiler_error(
                logs_path ~ "/" ~ name ~ "/ holds " ~ values ~ " value(s) of the column `" ~ column_name ~ "` that are not UTF-8 text, in "
                ~ files_found ~ " file(s) (" ~ examples ~ (", ..." if files_found > 3 else "") ~ "), e.g. `"
                ~ example ~ "` (bytes as DuckDB shows them). The column is stored as bytes without a text "
                ~ "type, which DuckDB reads as UTF-8 text and cannot read otherwise, so the run stops. Write the "
                ~ "column as UTF-8 text (from Latin-1: decode('latin-1') in Python, or a string type in the writer).") }}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}

{#- DuckDB, log_source external: a file that holds a contract column twice,
    in names differing only in case (`SERVICE_NAME` beside `service_name`:
    pyarrow writes such a file, Spark refuses to read it) or in the same name.
    DuckDB matches names whatever their case and reads the first of them as
    the column, the other as `<name>_1`, which staging ignores: every row of
    the file would be staged with the first one's values, silently (operator
    trial). The run stops, naming the column, the names as written and the
    files. Files may still differ from each other in a column's case. A
    struct's fields are one column (its first part of the path); two structs
    of one name are not told apart. -#}
{% macro require_one_name_per_column(logs_path, name, ctes, contract_literals) -%}
    {%- set found = run_query(
        "with " ~ ctes ~ ",
        file_columns as (
            -- one row per top-level column: each plain column's chunk, and one per struct
            select file_name, written_name, min(column_id) as first_column_id
            from written_columns
            group by file_name, written_name, case when path_in_schema = written_name then column_id end
        ),
        repeated as (
            select file_name, lower(written_name) as column_name,
                   array_to_string(list('`' || written_name || '`' order by first_column_id), ' and ') as written_names
            from file_columns
            where lower(written_name) in (" ~ contract_literals | join(', ') ~ ")
            group by file_name, lower(written_name)
            having count(*) > 1
        )
        select column_name, written_names, count(*), array_to_string((list(file_name order by file_name))[1:3], ', ')
        from repeated
        group by column_name, written_names
        order by column_name, written_names") -%}
    {%- for column_name, written_names, files_found, examples in found.rows -%}
        {{ exceptions.raise_compiler_error(
            logs_path ~ "/" ~ name ~ "/ holds the column `" ~ column_name ~ "` more than once in a file, as " ~ written_names
            ~ ", in " ~ files_found ~ " file(s) (" ~ examples ~ (", ..." if files_found > 3 else "") ~ "). DuckDB reads "
            ~ "column names whatever their case and would read the first of them on every row of such a file, ignoring "
            ~ "the other (Spark refuses such a file), so the run stops. Write the column once in each file: drop or "
            ~ "rename the other (files may differ from each other in a column's case).") }}
    {%- endfor -%}
{%- endmacro %}

{#- DuckDB: a column name, `base` or `base_<n>`, that no file of the glob
    `files` has in its schema (a struct's fields too, and files without rows,
    whose columns DuckDB reads all the same) or in a `<column>=<value>/`
    folder of its path (logs_path's own included), in any case: for the file
    name that read_parquet adds (filename = '<name>'), which DuckDB refuses
    to add beside a file's own column of that name (a log may hold any extra
    column). -#}
{% macro unused_column_name(files, base) -%}
    {%- set taken = run_query(
        "select lower(name) from parquet_schema(" ~ oncall_analytics.sql_literal(files) ~ ")
        union
        select lower(unnest(regexp_extract_all(file, '([^/\\\\=]+)=[^/\\\\]*[/\\\\]', 1)))
        from glob(" ~ oncall_analytics.sql_literal(files) ~ ")") -%}
    {%- set names = taken.columns[0].values() | list -%}
    {%- set free = namespace(name=none) -%}
    {%- for number in range(names | length + 1) -%}
        {%- set candidate = base if number == 0 else base ~ '_' ~ number -%}
        {%- if free.name is none and candidate | lower not in names -%}{%- set free.name = candidate -%}{%- endif -%}
    {%- endfor -%}
    {{ return(free.name) }}
{%- endmacro %}
