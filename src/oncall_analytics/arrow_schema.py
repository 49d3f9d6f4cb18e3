"""The Arrow schema a Parquet writer keeps in its file (key-value metadata `ARROW:schema`), read without pyarrow.

Parquet has no duration type: pyarrow and polars store a duration as a plain INT64 of its unit and keep its
type only in that Arrow schema, a base64 Arrow IPC message holding a flatbuffer. DuckDB reads the column as
the integer (80 ms as 80000 or 80000000). `duration_fields` names the top-level fields of such a schema that
are durations or intervals, for the run-start check of the logs (macro require_no_duration_columns, through
the DuckDB function that `duckdb_functions.Plugin` registers). The flatbuffer is walked by hand, with the
few tables the question needs (Message, Schema, Field; format.fbs and Schema.fbs of Apache Arrow); any
malformed input reads as no field.
"""
from __future__ import annotations

import base64
import binascii
import struct

SCHEMA_HEADER = 1          # MessageHeader.Schema
TIME_TYPES = {18: "duration", 11: "interval"}   # Type union tags: Duration, Interval
CONTINUATION = b"\xff\xff\xff\xff"


class _Buffer:
    """Little-endian reads of a flatbuffer, each bounds-checked (IndexError on a truncated buffer)."""

    def __init__(self, data: bytes):
        self.data = data

    def read(self, fmt: str, pos: int):
        size = struct.calcsize(fmt)
        if pos < 0 or pos + size > len(self.data):
            raise IndexError(pos)
        return struct.unpack_from(fmt, self.data, pos)[0]

    def field(self, table: int, index: int) -> int | None:
        """Position of field `index` of the table at `table`, None when absent (its default)."""
        vtable = table - self.read("<i", table)
        entry = 4 + 2 * index
        if entry >= self.read("<H", vtable):
            return None
        offset = self.read("<H", vtable + entry)
        return table + offset if offset else None

    def target(self, pos: int) -> int:
        """Where the offset stored at `pos` points (a table, vector or string)."""
        return pos + self.read("<I", pos)

    def string(self, pos: int) -> str:
        start = self.target(pos)
        length = self.read("<I", start)
        if start + 4 + length > len(self.data):
            raise IndexError(start)
        return self.data[start + 4:start + 4 + length].decode("utf-8", errors="replace")


def _message(encoded: str) -> bytes:
    raw = base64.b64decode(encoded, validate=False)
    if raw.startswith(CONTINUATION):   # the IPC format since Arrow 0.15: marker, then the metadata's length
        raw = raw[4:]
    return raw[4:]                      # the length itself (the older format has only this)


def duration_fields(encoded: str | None) -> list[str]:
    """'name:duration' / 'name:interval' for each top-level field of the base64 Arrow schema `encoded` whose
    type is a duration or an interval; [] for none, and for anything that is not such a schema."""
    if not encoded:
        return []
    try:
        buf = _Buffer(_message(encoded))
        message = buf.target(0)
        header_type, header = buf.field(message, 1), buf.field(message, 2)
        if header_type is None or buf.read("<B", header_type) != SCHEMA_HEADER or header is None:
            return []
        fields = buf.field(buf.target(header), 1)
        if fields is None:
            return []
        vector = buf.target(fields)
        found = []
        for i in range(buf.read("<I", vector)):
            field = buf.target(vector + 4 + 4 * i)
            name, type_type = buf.field(field, 0), buf.field(field, 2)
            kind = TIME_TYPES.get(buf.read("<B", type_type)) if type_type is not None else None
            if kind and name is not None:
                found.append(f"{buf.string(name)}:{kind}")
        return found
    except (IndexError, ValueError, binascii.Error, struct.error):
        return []
