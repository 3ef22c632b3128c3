"""``Scanner``: the batch entry point; a table of documents in, the same table with detection columns out.

One ``Scanner`` holds a keyring (a tenant's: ``KeyStore.keyring(tenant)``; or any
``Keyring``), then scans any number of tables: a pyarrow ``Table`` or a pandas ``DataFrame``
with an id and a text column. It is also the callable class Ray Data's
``Dataset.map_batches`` instantiates once per actor (see ``greenmark.scanning.ray_data``); it
imports no engine itself.

Added columns (``RESULT_COLUMNS``): ``decision``, ``p_value``, ``z_score``, ``num_scored_tokens``,
``key_id``, ``num_hypotheses`` (all from ``DetectionResult``, null for a bad row) and ``error``
(null for a scanned row; why it was not scanned otherwise). An ``error`` column already in the
input (set by a reader, say) marks rows not to scan and is kept.

>>> import pyarrow as pa
>>> from greenmark.watermark import WatermarkKey, WatermarkSpec, default_tokenizer
>>> from greenmark.watermark.keyring import Keyring
>>> spec = WatermarkSpec.for_tokenizer(default_tokenizer())
>>> scanner = Scanner(Keyring([(WatermarkKey.generate(), spec)], default_tokenizer()))
>>> table = pa.table({"id": ["a", "b"], "text": ["Call me Ishmael. " * 20, ""]})
>>> scanner(table).select(["id", "decision", "error"]).to_pylist()[1]
{'id': 'b', 'decision': None, 'error': 'text is empty'}
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import pyarrow as pa

from greenmark.scanning.texts import decode_text
from greenmark.watermark import DEFAULT_ALPHA, DetectionResult, WatermarkError
from greenmark.watermark.keyring import Keyring

RESULT_SCHEMA = pa.schema(
    [
        ("decision", pa.string()),
        ("p_value", pa.float64()),
        ("z_score", pa.float64()),
        ("num_scored_tokens", pa.int64()),
        ("key_id", pa.string()),
        ("num_hypotheses", pa.int64()),
        ("error", pa.string()),
    ]
)
RESULT_COLUMNS = tuple(RESULT_SCHEMA.names)


class ScanError(WatermarkError):
    """A table cannot be scanned at all (a missing column, no key to test): unlike a bad row, this aborts."""


class Scanner:
    """Scans tables of documents for the watermark of any key of ``keyring``.

    Args:
        keyring: the keys to test (specs and schemes may differ; p-values are corrected for
            every key tested).
        alpha: family-wise false-positive rate per document.
        id_column, text_column: the input columns; the id is passed through untouched.

    >>> from greenmark.watermark import WatermarkKey, WatermarkSpec, default_tokenizer
    >>> from greenmark.watermark.keyring import Keyring
    >>> foreign = WatermarkSpec(vocab_size=50_000, tokenizer_fingerprint="sha256:0")
    >>> try:
    ...     Scanner(Keyring([(WatermarkKey.generate(), foreign)], default_tokenizer(), skip_unmatched=True))
    ... except ScanError as error:
    ...     print(error)
    no key left to test: every key was made for another tokenizer
    """

    def __init__(
        self,
        keyring: Keyring,
        *,
        alpha: float = DEFAULT_ALPHA,
        id_column: str = "id",
        text_column: str = "text",
    ):
        if not keyring.groups:
            raise ScanError("no key left to test: every key was made for another tokenizer")
        self.keyring = keyring
        self.alpha = alpha
        self.id_column = id_column
        self.text_column = text_column

    def __call__(self, batch):
        """Scan one ``pyarrow.Table`` or ``pandas.DataFrame``; returns the same kind with ``RESULT_COLUMNS`` added."""
        if isinstance(batch, pa.Table):
            return self.scan_table(batch)
        if type(batch).__name__ == "DataFrame":
            return self.scan_dataframe(batch)
        raise ScanError(f"cannot scan a {type(batch).__name__}: pass a pyarrow Table or a pandas DataFrame")

    def scan_table(self, table: pa.Table) -> pa.Table:
        """Scan a pyarrow table (text column: string or binary, nulls allowed)."""
        self._check_columns(table.column_names)
        text_column = table.column(self.text_column)
        if not _is_text_type(text_column.type):
            raise ScanError(f"column {self.text_column!r} holds {text_column.type}, not text")
        # as bytes: a string column read from a file is not guaranteed to be valid UTF-8
        values = text_column.cast(pa.large_binary()).to_pylist()
        reader_errors = table.column("error").to_pylist() if "error" in table.column_names else None
        results = self.scan_texts(values, reader_errors)
        table = table.drop_columns([name for name in RESULT_COLUMNS if name in table.column_names])
        for field in RESULT_SCHEMA:
            table = table.append_column(field, results.column(field.name))
        return table

    def scan_dataframe(self, frame):
        """Scan a pandas DataFrame (text column: ``str``, ``bytes`` or missing values); returns a new DataFrame.

        The added columns are Arrow-backed (``pd.ArrowDtype``): integers stay integers, missing is ``pd.NA``.
        """
        self._check_columns(frame.columns)
        reader_errors = list(frame["error"]) if "error" in frame.columns else None
        results = self.scan_texts(list(frame[self.text_column]), reader_errors)
        columns = results.to_pandas(types_mapper=_arrow_dtype).set_axis(frame.index)
        return frame.drop(columns=[c for c in RESULT_COLUMNS if c in frame.columns]).assign(
            **{name: columns[name] for name in RESULT_COLUMNS}
        )

    def scan_many(self, batches: Iterable) -> Iterator:
        """Scan an iterator of tables (or data frames) lazily, one result per input.

        >>> from greenmark.watermark import WatermarkKey, WatermarkSpec, default_tokenizer
        >>> from greenmark.watermark.keyring import Keyring
        >>> spec = WatermarkSpec.for_tokenizer(default_tokenizer())
        >>> scanner = Scanner(Keyring([(WatermarkKey.generate(), spec)], default_tokenizer()))
        >>> batches = (pa.table({"id": [i], "text": [None]}) for i in range(3))
        >>> [t.column("error")[0].as_py() for t in scanner.scan_many(batches)]
        ['text is missing', 'text is missing', 'text is missing']
        """
        for batch in batches:
            yield self(batch)

    def scan_texts(self, values: Sequence, reader_errors: Sequence | None = None) -> pa.Table:
        """The ``RESULT_COLUMNS`` table for raw text values (``str``, ``bytes``, ``None``), one row per value."""
        # a reader's error is a message; anything else (None, NaN, pd.NA) means the row was read fine
        reader_errors = [None] * len(values) if reader_errors is None else reader_errors
        errors = [error if isinstance(error, str) else None for error in reader_errors]
        texts: list[str | None] = [None] * len(values)
        for row, value in enumerate(values):
            if errors[row] is None:
                texts[row], errors[row] = decode_text(value)
        rows = [row for row, text in enumerate(texts) if text is not None]
        results: list[DetectionResult | None] = [None] * len(values)
        for row, result in zip(rows, self._detect([texts[row] for row in rows], errors, rows), strict=True):
            results[row] = result
        return pa.table(
            {
                "decision": [r.decision if r else None for r in results],
                "p_value": [r.p_value if r else None for r in results],
                "z_score": [r.z_score if r else None for r in results],
                "num_scored_tokens": [r.num_scored_tokens if r else None for r in results],
                "key_id": [r.key_id if r else None for r in results],
                "num_hypotheses": [r.num_hypotheses if r else None for r in results],
                "error": errors,
            },
            schema=RESULT_SCHEMA,
        )

    def _detect(self, texts: list[str], errors: list, rows: list[int]) -> list[DetectionResult | None]:
        """One vectorised pass; if the detector refuses the batch, one document at a time to isolate the bad one."""
        if not texts:
            return []
        try:
            return self.keyring.detect_many(texts, alpha=self.alpha)
        except WatermarkError:
            results = []
            for row, text in zip(rows, texts, strict=True):
                try:
                    results.append(self.keyring.detect(text, alpha=self.alpha))
                except WatermarkError as error:
                    errors[row] = " ".join(str(error).split())
                    results.append(None)
            return results

    def _check_columns(self, names) -> None:
        missing = [name for name in (self.id_column, self.text_column) if name not in names]
        if missing:
            raise ScanError(f"no column {missing[0]!r} in the input (columns: {', '.join(map(str, names))})")


def _is_text_type(data_type: pa.DataType) -> bool:
    """String or binary, or all-null (a batch of missing texts)."""
    kinds = (pa.types.is_string, pa.types.is_large_string, pa.types.is_binary, pa.types.is_large_binary)
    return pa.types.is_null(data_type) or any(kind(data_type) for kind in kinds)


def _arrow_dtype(data_type: pa.DataType):
    import pandas as pd  # only here: pandas is optional

    return pd.ArrowDtype(data_type)
