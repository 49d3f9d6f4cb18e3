"""The edges of every dbt Python model: what dbt.ref() returns differs by
warehouse, so each input is converted to pandas once, on the way in, and the
result once, on the way out, in the model's declared column types.

A schema is a dict column -> type, the type being the `data_type` the
model's YAML declares: varchar, bigint, double, boolean or timestamp. Every
model's result goes through `conform`, so an empty result (empty logs, a
quiet week) keeps its declared types instead of whatever pandas guesses for
an empty column (DuckDB writes an empty object column as INTEGER).
"""
from __future__ import annotations

import pandas as pd

Schema = dict[str, str]

# Declared type -> pandas dtype of the column when it has no missing values,
# and when it has some (pandas' nullable dtypes keep the type for DuckDB).
PANDAS_TYPES = {
    "bigint": ("int64", "Int64"),
    "double": ("float64", "float64"),
    "boolean": ("bool", "boolean"),
    "timestamp": ("datetime64[us]", "datetime64[us]"),
}
SPARK_TYPES = {"varchar": "string", "bigint": "bigint", "double": "double", "boolean": "boolean", "timestamp": "timestamp"}


def is_spark(frame) -> bool:
    """A Spark DataFrame (groupBy(...).applyInPandas is available)."""
    return callable(getattr(type(frame), "groupBy", None)) and callable(getattr(type(frame), "mapInPandas", None))


def as_pandas(frame) -> pd.DataFrame:
    """pandas from what dbt.ref() gives: a DuckDB relation, a Spark DataFrame, or pandas."""
    if isinstance(frame, pd.DataFrame):
        return frame
    for method in ("toPandas", "df"):  # Spark; DuckDB
        if callable(getattr(type(frame), method, None)):
            return getattr(frame, method)()
    raise TypeError(f"dbt.ref() returned a {type(frame).__name__}, which this model cannot read")


def empty(schema: Schema) -> pd.DataFrame:
    """No rows, the schema's columns in their declared types."""
    return conform(pd.DataFrame({column: pd.Series([], dtype=object) for column in schema}), schema)


def conform(result: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """`result`'s schema columns, in order, each in its declared type.

    Text columns are left as they are when they hold text (a cast of millions
    of strings would cost seconds); an empty or all-missing one becomes
    pandas' string dtype, which DuckDB writes as VARCHAR.
    """
    missing = [column for column in schema if column not in result.columns]
    if missing:
        raise ValueError(f"result lacks the declared columns {missing}")
    columns = {}
    for column, declared in schema.items():
        values = result[column]
        if declared == "varchar":
            if len(values) == 0 or (pd.isna(values.iloc[0]) and values.isna().all()):
                values = values.astype("string")
        elif declared in PANDAS_TYPES:
            complete, nullable = PANDAS_TYPES[declared]
            target = nullable if values.isna().any() else complete
            if str(values.dtype) != target:
                values = values.astype(target)
        else:
            raise ValueError(f"column {column}: unknown declared type {declared!r}")
        columns[column] = values.array  # without the index: the result gets a fresh one
    return pd.DataFrame(columns, copy=False)


def spark_ddl(schema: Schema) -> str:
    """The schema as a Spark DDL string, e.g. "`name` string, `value` double"."""
    return ", ".join(f"`{column}` {SPARK_TYPES[declared]}" for column, declared in schema.items())


def to_warehouse_frame(result, session, schema: Schema):
    """The result in the form the adapter writes, in the declared types: pandas
    for DuckDB (microsecond timestamps, like the SQL models), a Spark DataFrame
    with an explicit schema on Spark (so an empty result keeps its types)."""
    if is_spark(result):  # computed on Spark already (applyInPandas): only cast to the declared types
        return result.selectExpr(*[f"cast(`{column}` as {SPARK_TYPES[declared]}) as `{column}`" for column, declared in schema.items()])
    result = conform(result, schema)
    if not callable(getattr(type(session), "createDataFrame", None)):
        return result
    values = result.astype(object)
    for column in result.select_dtypes("datetime").columns:  # Spark takes datetime.datetime, not pandas Timestamps
        values[column] = pd.Series(result[column].to_numpy().astype("datetime64[us]").astype(object), index=result.index, dtype=object)
    rows = values.where(result.notna(), None).itertuples(index=False, name=None)
    return session.createDataFrame(list(rows), schema=spark_ddl(schema))
