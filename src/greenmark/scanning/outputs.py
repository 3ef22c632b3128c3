"""Writing scan results: Parquet or JSONL chosen by the output's extension, never a truncated file.

Rows are streamed into a temporary file beside the output, flushed to disk, then renamed over
it: a crash leaves the previous file (or none), never half of a new one. The output's directory
must exist (no command creates the directories above an output it is given).

>>> import pathlib, tempfile
>>> import pyarrow as pa
>>> out = pathlib.Path(tempfile.mkdtemp()) / "results.jsonl"
>>> write_atomically([pa.table({"id": ["a"], "p_value": [0.5]})], out)
1
>>> out.read_text()
'{"id": "a", "p_value": 0.5}\\n'
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from greenmark.scanning.scanner import ScanError

PARQUET_SUFFIXES = (".parquet", ".pq")
JSONL_SUFFIXES = (".jsonl", ".ndjson")


def output_format(path: Path) -> str:
    """``parquet`` or ``jsonl`` from the extension; raises ``ScanError`` for any other.

    >>> output_format(Path("out.parquet")), output_format(Path("out.jsonl"))
    ('parquet', 'jsonl')
    """
    if path.suffix in PARQUET_SUFFIXES:
        return "parquet"
    if path.suffix in JSONL_SUFFIXES:
        return "jsonl"
    raise ScanError(f"output {path} must end in .parquet or .jsonl")


def write_atomically(tables: Iterable[pa.Table], path: Path) -> int:
    """Write every row of ``tables`` (one schema) to ``path`` by way of a temporary file; returns the row count."""
    kind = output_format(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    rows = 0
    try:
        with os.fdopen(handle, "wb") as stream:
            if kind == "parquet":
                writer = None
                for table in tables:
                    writer = writer or pq.ParquetWriter(stream, table.schema)
                    writer.write_table(table)
                    rows += len(table)
                if writer is None:
                    raise ScanError("nothing to write: the input holds no document")
                writer.close()
            else:
                for table in tables:
                    for row in table.to_pylist():
                        stream.write(json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n")
                    rows += len(table)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return rows
