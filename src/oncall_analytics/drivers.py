"""The two drivers of the package's kernels: pandas (DuckDB) and Spark.

A kernel is a pandas -> pandas function over the rows of any number of
groups (series, services, canary splits): it groups by its key itself, and
never looks across groups, so running it once over every group gives the
same rows as running it group by group.

- DuckDB (or pandas): the input becomes one pandas frame and the kernel runs
  once over it, its groups one after another.
- Spark: `groupBy(keys).applyInPandas(kernel, schema)` (or `mapInPandas` for
  row-wise kernels): each group's rows go to one Python worker as pandas,
  and the result stays a Spark DataFrame; nothing is collected to the
  driver. Side inputs with one row per incident or label are small: models
  read them whole and bind them to the kernel (functools.partial).
"""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from oncall_analytics.frames import Schema, as_pandas, conform, is_spark, spark_ddl

Kernel = Callable[[pd.DataFrame], pd.DataFrame]


def by_group(frame, keys: list[str], kernel: Kernel, schema: Schema):
    """`kernel` over the groups of `keys`: pandas at once, or Spark group by group."""
    if is_spark(frame):
        return frame.groupBy(*keys).applyInPandas(_conformed(kernel, schema), spark_ddl(schema))
    return kernel(as_pandas(frame))


def by_rows(frame, kernel: Kernel, schema: Schema):
    """A row-wise `kernel`: pandas at once, or Spark batch by batch (mapInPandas)."""
    if is_spark(frame):
        conformed = _conformed(kernel, schema)
        return frame.mapInPandas(lambda batches: (conformed(batch) for batch in batches), spark_ddl(schema))
    return kernel(as_pandas(frame))


def where(frame, column: str):
    """The rows where the boolean `column` is true, on either kind of frame (before grouping)."""
    if is_spark(frame):
        return frame.where(frame[column])
    frame = as_pandas(frame)
    return frame[frame[column].astype(bool)]


def _conformed(kernel: Kernel, schema: Schema) -> Kernel:
    """Spark reads a worker's result by the declared schema: give it exactly those types."""
    def run(group: pd.DataFrame) -> pd.DataFrame:
        return conform(kernel(group), schema)
    return run
