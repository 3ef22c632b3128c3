"""Scan inputs: directories of text files, JSONL files, Parquet files or directories, and globs of them.

``find_sources`` turns what the user typed into a sorted list of files, each with its format;
``read_batches`` streams them as pyarrow tables of at most ``batch_rows`` rows with the columns
``id``, ``text`` (raw bytes or strings: the scanner decodes them) and ``error`` (set where a row
could not even be read, e.g. a JSONL line that is not JSON). The order is deterministic, so a
scan's n-th batch is the same on every run (resuming relies on it).

Ids: a text file's path (relative to the directory given), a JSONL row's id field as a string
(``FILE:LINE`` where it has none), a Parquet row's id column as stored.

>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "a.txt").write_text("Hello"), (folder / "b.jsonl").write_text('{"id": 7, "text": "Hi"}\\n')
>>> [source.kind for source in find_sources([str(folder / "*")])]
['text', 'jsonl']
>>> next(read_batches(find_sources([str(folder / "*")]))).to_pylist()[1]
{'id': '7', 'text': b'Hi', 'error': None}
"""

from __future__ import annotations

import glob
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from greenmark.scanning.outputs import JSONL_SUFFIXES, PARQUET_SUFFIXES
from greenmark.scanning.scanner import ScanError

BATCH_ROWS = 256
SOURCE_SCHEMA = pa.schema([("id", pa.string()), ("text", pa.large_binary()), ("error", pa.string())])


@dataclass(frozen=True)
class Source:
    """One input file: its path, its format (``text``, ``jsonl`` or ``parquet``) and the id of a text file."""

    path: Path
    kind: str
    name: str


def find_sources(inputs: Iterable[str]) -> list[Source]:
    """The files named by ``inputs`` (paths, directories, globs), in order; ``ScanError`` if one names nothing."""
    sources: list[Source] = []
    for given in inputs:
        path = Path(given)
        if path.is_dir():
            sources += _directory_sources(path)
        elif path.is_file():
            sources.append(_file_source(path, str(path)))
        elif glob.has_magic(given):
            matches = sorted(Path(match) for match in glob.glob(given, recursive=True))
            files = [_file_source(match, str(match)) for match in matches if match.is_file()]
            if not files:
                raise ScanError(f"no file matches {given}")
            sources += files
        else:
            raise ScanError(f"no such file or directory: {given}")
    if not sources:
        raise ScanError("no input file found")
    return sources


def _directory_sources(directory: Path) -> list[Source]:
    """A Parquet dataset directory (any ``*.parquet`` inside) or a tree of text files (hidden ones skipped)."""
    files = [
        path
        for path in sorted(directory.rglob("*"))
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(directory).parts)
    ]
    parquet = [path for path in files if path.suffix in PARQUET_SUFFIXES]
    if parquet:
        return [Source(path, "parquet", str(path)) for path in parquet]
    return [Source(path, "text", str(path.relative_to(directory))) for path in files]


def _file_source(path: Path, name: str) -> Source:
    if path.suffix in PARQUET_SUFFIXES:
        return Source(path, "parquet", name)
    if path.suffix in JSONL_SUFFIXES:
        return Source(path, "jsonl", name)
    return Source(path, "text", name)


def count_rows(sources: Iterable[Source]) -> int:
    """How many documents the sources hold (Parquet from its metadata, JSONL by its non-blank lines)."""
    total = 0
    for source in sources:
        if source.kind == "parquet":
            total += pq.ParquetFile(source.path).metadata.num_rows
        elif source.kind == "jsonl":
            with source.path.open("rb") as stream:
                total += sum(1 for line in stream if line.strip())
        else:
            total += 1
    return total


def read_batches(
    sources: Iterable[Source], id_column: str = "id", text_column: str = "text", batch_rows: int = BATCH_ROWS
) -> Iterator[pa.Table]:
    """Every document of ``sources`` as ``SOURCE_SCHEMA`` tables of ``batch_rows`` rows (the last may be shorter)."""
    pending: list[pa.Table] = []
    pending_rows = 0
    for table in _tables(sources, id_column, text_column, batch_rows):
        pending.append(table)
        pending_rows += len(table)
        while pending_rows >= batch_rows:
            combined = pa.concat_tables(pending)
            yield combined.slice(0, batch_rows).combine_chunks()
            rest = combined.slice(batch_rows)
            pending, pending_rows = [rest], len(rest)
    if pending_rows:
        yield pa.concat_tables(pending).combine_chunks()


def _tables(sources, id_column: str, text_column: str, batch_rows: int) -> Iterator[pa.Table]:
    text_files: list[Source] = []
    for source in sources:
        if source.kind == "text":
            text_files.append(source)
            if len(text_files) == batch_rows:
                yield _text_files_table(text_files)
                text_files = []
            continue
        if text_files:
            yield _text_files_table(text_files)
            text_files = []
        if source.kind == "jsonl":
            yield from _jsonl_tables(source, id_column, text_column, batch_rows)
        else:
            yield from _parquet_tables(source, id_column, text_column, batch_rows)
    if text_files:
        yield _text_files_table(text_files)


def _text_files_table(sources: list[Source]) -> pa.Table:
    texts, errors = [], []
    for source in sources:
        try:
            texts.append(source.path.read_bytes())
            errors.append(None)
        except OSError as error:
            texts.append(None)
            errors.append(f"cannot read file: {error.strerror or error}")
    return pa.table({"id": [s.name for s in sources], "text": texts, "error": errors}, schema=SOURCE_SCHEMA)


def _jsonl_tables(source: Source, id_column: str, text_column: str, batch_rows: int) -> Iterator[pa.Table]:
    ids, texts, errors = [], [], []
    with source.path.open("rb") as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            row_id, text, error = _jsonl_row(line, id_column, text_column)
            ids.append(f"{source.name}:{number}" if row_id is None else str(row_id))
            texts.append(text)
            errors.append(error)
            if len(ids) == batch_rows:
                yield pa.table({"id": ids, "text": texts, "error": errors}, schema=SOURCE_SCHEMA)
                ids, texts, errors = [], [], []
    if ids:
        yield pa.table({"id": ids, "text": texts, "error": errors}, schema=SOURCE_SCHEMA)


def _jsonl_row(line: bytes, id_column: str, text_column: str) -> tuple[object, bytes | None, str | None]:
    """``(id, text bytes, error)``; bytes that are not UTF-8 are kept as they are, for the scanner to report."""
    try:
        row = json.loads(line.decode("utf-8", errors="surrogateescape"))
    except ValueError:
        return None, None, "line is not valid JSON"
    if not isinstance(row, dict):
        return None, None, "line is not a JSON object"
    text = row.get(text_column)
    if isinstance(text, str):
        text = text.encode("utf-8", errors="surrogateescape")
    elif text is not None:
        return row.get(id_column), None, f"text is a JSON {type(text).__name__}, not a string"
    return row.get(id_column), text, None


def _parquet_tables(source: Source, id_column: str, text_column: str, batch_rows: int) -> Iterator[pa.Table]:
    _check_parquet_columns(source, id_column, text_column)
    parquet = pq.ParquetFile(source.path)
    for batch in parquet.iter_batches(batch_size=batch_rows, columns=[id_column, text_column]):
        yield _parquet_rows(pa.Table.from_batches([batch]), id_column, text_column)


def _check_parquet_columns(source: Source, id_column: str, text_column: str) -> None:
    """Raise ``ScanError`` unless the Parquet file has both columns (read from its footer only)."""
    names = pq.read_schema(source.path).names
    for column in (id_column, text_column):
        if column not in names:
            raise ScanError(f"no column {column!r} in {source.path} (columns: {', '.join(names)})")


def _parquet_rows(table: pa.Table, id_column: str = "id", text_column: str = "text") -> pa.Table:
    """Rows read from Parquet in ``SOURCE_SCHEMA``: the id as a string, the text as bytes, no reader error."""
    return pa.table(
        {
            "id": table.column(id_column).cast(pa.string()),
            "text": table.column(text_column).cast(pa.large_binary()),
            "error": pa.nulls(table.num_rows, pa.string()),
        },
        schema=SOURCE_SCHEMA,
    )
