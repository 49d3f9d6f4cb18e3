"""Row-for-row comparison of two tables' rows, shared by the Spark checks:
same columns, same rows in any order, floats within a relative 1e-6."""
from __future__ import annotations

import math

RELATIVE_TOLERANCE = 1e-6


def comparable(value):
    """A value normalised for comparison: decimals and floats as float."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)) or type(value).__name__ == "Decimal":
        return float(value)
    return value


def sort_key(row: tuple) -> tuple:
    """Rows sorted by their values, floats rounded so tiny differences sort alike."""
    return tuple(
        (0, "") if v is None else (1, f"{v:.6g}") if isinstance(v, float) else (2, str(v))
        for v in row
    )


def same_value(left, right) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        if math.isnan(left) or math.isnan(right):
            return math.isnan(left) and math.isnan(right)
        return math.isclose(left, right, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-12)
    return left == right


def differences(duck_columns, duck_rows, spark_columns, spark_rows_) -> list[str]:
    if spark_columns and [c.lower() for c in spark_columns] != [c.lower() for c in duck_columns]:
        return [f"columns differ: DuckDB {duck_columns}, Spark {spark_columns}"]
    if len(duck_rows) != len(spark_rows_):
        return [f"{len(duck_rows)} rows on DuckDB, {len(spark_rows_)} on Spark"]
    left = sorted((tuple(comparable(v) for v in row) for row in duck_rows), key=sort_key)
    right = sorted((tuple(comparable(v) for v in row) for row in spark_rows_), key=sort_key)
    found = []
    for duck_row, spark_row in zip(left, right):
        for column, a, b in zip(duck_columns, duck_row, spark_row):
            if not same_value(a, b):
                found.append(f"{column}: DuckDB {a!r}, Spark {b!r} (row {duck_row})")
    return found[:10]
