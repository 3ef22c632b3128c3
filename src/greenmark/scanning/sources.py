"""Scan inputs: directories of text files, JSONL files, Parquet files or directories, and globs of them.

``find_sources`` turns what the user typed into a sorted list of files, each with its format;
``read_batches`` streams them as pyarrow tables of at most ``batch_rows`` rows with the columns
``id``, ``text`` (raw bytes or strings: the scanner decodes them) and ``error`` (set where a row
could not even be read, e.g. a JSONL line that is not JSON). The order is deterministic, so a
scan's n-th batch is the same on every run (resuming relies on it).

Ids: a text file's path (relative to the directory given), a JSONL row's id field as a string
(its JSON where it is not a string; ``FILE:LINE`` where it has none), a Parquet row's id column
as a string (``FILE:ROW`` where it is null). Ids and names that are not valid Unicode are
escaped (``greenmark.display_names``).

No row aborts a scan: a text file that cannot be read, a line that is not a JSON object, a
text that is not a string, is missing, holds a lone surrogate or is larger than
``max_text_bytes`` (a text file, a JSONL line or a Parquet value; see ``greenmark.input_size``),
a Parquet column that does not hold text or a Parquet file or row group that cannot be decoded
becomes a row with an ``error``. Only a Parquet file without the id or text column stops the
scan, and it does so before any batch is read.

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

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from greenmark.display_names import display_name
from greenmark.input_size import DEFAULT_MAX_INPUT_BYTES, InputTooLargeError, read_at_most, too_large_message
from greenmark.scanning.outputs import JSONL_SUFFIXES, PARQUET_SUFFIXES
from greenmark.scanning.scanner import ScanError

BATCH_ROWS = 256
BATCH_BYTES = 16_000_000  # a batch also ends before its texts pass this size (one larger text is a batch alone)
READ_CHUNK_BYTES = 1 << 20
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
        elif path.exists():
            raise ScanError(f"{given} is not a regular file or a directory")
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
        return [Source(path, "parquet", display_name(str(path))) for path in parquet]
    return [Source(path, "text", display_name(str(path.relative_to(directory)))) for path in files]


def _file_source(path: Path, name: str) -> Source:
    name = display_name(name)
    if path.suffix in PARQUET_SUFFIXES:
        return Source(path, "parquet", name)
    if path.suffix in JSONL_SUFFIXES:
        return Source(path, "jsonl", name)
    return Source(path, "text", name)


def count_rows(sources: Iterable[Source], max_text_bytes: int = DEFAULT_MAX_INPUT_BYTES) -> int:
    """How many documents the sources hold (Parquet from its metadata, JSONL by its non-blank lines)."""
    total = 0
    for source in sources:
        if source.kind == "parquet":
            try:
                total += pq.ParquetFile(source.path).metadata.num_rows
            except (OSError, pa.ArrowException):
                total += 1  # its error row
        elif source.kind == "jsonl":
            with source.path.open("rb") as stream:
                total += sum(1 for _, line in _lines(stream, max_text_bytes) if line is None or line.strip())
        else:
            total += 1
    return total


def read_batches(
    sources: Iterable[Source],
    id_column: str = "id",
    text_column: str = "text",
    batch_rows: int = BATCH_ROWS,
    *,
    max_text_bytes: int = DEFAULT_MAX_INPUT_BYTES,
    batch_bytes: int = BATCH_BYTES,
) -> Iterator[pa.Table]:
    """Every document of ``sources`` as ``SOURCE_SCHEMA`` tables of at most ``batch_rows`` rows and
    ``batch_bytes`` of text (a larger text is a batch alone); texts over ``max_text_bytes`` become errors."""
    sources = list(sources)
    for source in sources:
        if source.kind == "parquet":
            _check_parquet_columns(source, id_column, text_column)
    tables = _tables(sources, id_column, text_column, batch_rows, max_text_bytes)
    pending: list[pa.Table] = []
    pending_rows = pending_bytes = 0
    for table in tables:
        sizes = pc.fill_null(pc.binary_length(table.column("text")), 0).to_numpy(zero_copy_only=False)
        start = 0
        while start < len(table):
            batch_sizes = pending_bytes + np.cumsum(sizes[start:])  # the batch's size if it ended at each row
            fitting = int(np.searchsorted(batch_sizes, batch_bytes, side="right"))
            take = min(len(table) - start, batch_rows - pending_rows, max(fitting, 0 if pending_rows else 1))
            if take:
                pending.append(table.slice(start, take))
                pending_rows, pending_bytes, start = pending_rows + take, int(batch_sizes[take - 1]), start + take
            if pending_rows == batch_rows or start < len(table):
                yield pa.concat_tables(pending).combine_chunks()
                pending, pending_rows, pending_bytes = [], 0, 0
    if pending_rows:
        yield pa.concat_tables(pending).combine_chunks()


def _tables(sources, id_column: str, text_column: str, batch_rows: int, limit: int) -> Iterator[pa.Table]:
    text_files: list[Source] = []
    for source in sources:
        if source.kind == "text":
            text_files.append(source)
            if len(text_files) == batch_rows:
                yield _text_files_table(text_files, limit)
                text_files = []
            continue
        if text_files:
            yield _text_files_table(text_files, limit)
            text_files = []
        if source.kind == "jsonl":
            yield from _jsonl_tables(source, id_column, text_column, batch_rows, limit)
        else:
            yield from _parquet_tables(source, id_column, text_column, batch_rows, limit)
    if text_files:
        yield _text_files_table(text_files, limit)


def _text_files_table(sources: list[Source], limit: int) -> pa.Table:
    texts, errors = [], []
    for source in sources:
        text, error = _read_text_file(source.path, limit)
        texts.append(text)
        errors.append(error)
    return pa.table({"id": [s.name for s in sources], "text": texts, "error": errors}, schema=SOURCE_SCHEMA)


def _read_text_file(path: Path, limit: int) -> tuple[bytes | None, str | None]:
    try:
        with path.open("rb") as stream:
            return read_at_most(stream, limit), None
    except InputTooLargeError as error:
        return None, f"text is {error}"
    except OSError as error:
        return None, f"cannot read file: {error.strerror or error}"


def _lines(stream, limit: int) -> Iterator[tuple[int, bytes | None]]:
    """``(number, line)`` for each line of ``stream``; ``None`` for a line over ``limit`` bytes (never read whole)."""
    number = 0
    while line := stream.readline(limit + 1):
        number += 1
        if len(line) > limit and not line.endswith(b"\n"):
            while (rest := stream.readline(READ_CHUNK_BYTES)) and not rest.endswith(b"\n"):
                pass
            line = None
        yield number, line


def _jsonl_tables(source: Source, id_column: str, text_column: str, batch_rows: int, limit: int) -> Iterator[pa.Table]:
    ids, texts, errors = [], [], []
    with source.path.open("rb") as stream:
        for number, line in _lines(stream, limit):
            if line is None:
                row_id, text, error = None, None, f"line is {too_large_message(limit)}"
            elif not line.strip():
                continue
            else:
                row_id, text, error = _jsonl_row(line, id_column, text_column)
            ids.append(f"{source.name}:{number}" if row_id is None else _id_text(row_id))
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
    row_id, text = row.get(id_column), row.get(text_column)
    if text is None:
        return row_id, None, None
    if not isinstance(text, str):
        return row_id, None, f"text is a JSON {type(text).__name__}, not a string"
    try:
        return row_id, text.encode("utf-8", errors="surrogateescape"), None
    except UnicodeEncodeError as error:  # a JSON escape of half a surrogate pair, e.g. "\\ud800"
        return row_id, None, f"text is not valid Unicode (a lone surrogate at character {error.start})"


def _id_text(value) -> str:
    """A JSONL id as text: a string as it is, anything else as its JSON; escaped where not valid Unicode."""
    return display_name(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))


def _parquet_tables(
    source: Source, id_column: str, text_column: str, batch_rows: int, limit: int
) -> Iterator[pa.Table]:
    """The file's rows batch by batch; a row group that cannot be decoded gives one error row per row."""
    try:
        parquet = pq.ParquetFile(source.path)
    except (OSError, pa.ArrowException) as error:
        yield _error_rows([source.name], f"cannot read Parquet file: {_one_line(error)}")
        return
    first_row = 0
    for group in range(parquet.num_row_groups):
        group_end = first_row + parquet.metadata.row_group(group).num_rows
        try:
            for batch in parquet.iter_batches(
                batch_size=batch_rows, row_groups=[group], columns=[id_column, text_column]
            ):
                yield _parquet_rows(pa.Table.from_batches([batch]), id_column, text_column, source, first_row, limit)
                first_row += batch.num_rows
        except (OSError, pa.ArrowException) as error:
            names = [f"{source.name}:{row + 1}" for row in range(first_row, group_end)]
            yield _error_rows(names, f"cannot read Parquet row group {group}: {_one_line(error)}")
        first_row = group_end


def _check_parquet_columns(source: Source, id_column: str, text_column: str) -> None:
    """Raise ``ScanError`` unless the Parquet file has both columns (read from its footer only; an unreadable
    footer is left to the reader, which reports the file as an error row)."""
    try:
        names = pq.read_schema(source.path).names
    except (OSError, pa.ArrowException):
        return
    for column in (id_column, text_column):
        if column not in names:
            raise ScanError(f"no column {column!r} in {source.name} (columns: {', '.join(names)})")


def _parquet_rows(table: pa.Table, id_column: str, text_column: str, source: Source, first_row: int, limit: int):
    """Rows read from Parquet in ``SOURCE_SCHEMA``: the id as text, the text as bytes, an error where it has none."""
    ids = _parquet_ids(table.column(id_column), source.name, first_row)
    column = table.column(text_column)
    try:
        texts = column.cast(pa.large_binary())
    except pa.ArrowNotImplementedError:
        return _error_rows(ids, f"text is a Parquet {column.type} column, not text")
    too_large = pc.fill_null(pc.greater(pc.binary_length(texts), limit), False)
    return pa.table(
        {
            "id": ids,
            "text": pc.if_else(too_large, pa.scalar(None, pa.large_binary()), texts),
            "error": pc.if_else(too_large, f"text is {too_large_message(limit)}", pa.scalar(None, pa.string())),
        },
        schema=SOURCE_SCHEMA,
    )


def _parquet_ids(column, name: str, first_row: int) -> list[str]:
    """Ids as text (escaped where not valid Unicode, JSON for nested values); ``FILE:ROW`` for a null id."""
    try:
        values = [
            None if value is None else display_name(value) for value in column.cast(pa.large_binary()).to_pylist()
        ]
    except pa.ArrowNotImplementedError:
        try:
            values = column.cast(pa.string()).to_pylist()
        except pa.ArrowNotImplementedError:
            values = [None if value is None else json.dumps(value, default=str) for value in column.to_pylist()]
    return [f"{name}:{first_row + row + 1}" if value is None else value for row, value in enumerate(values)]


def _error_rows(ids: list[str], error: str) -> pa.Table:
    return pa.table({"id": ids, "text": [None] * len(ids), "error": [error] * len(ids)}, schema=SOURCE_SCHEMA)


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())
