"""Corpus scanning: detect a tenant's watermarks in tables of documents, locally or on Ray Data.

The batch entry point is ``Scanner`` (pyarrow Table or pandas DataFrame in, the same with
detection columns out); ``scan_local`` runs it over files on every core, resumably;
``greenmark.scanning.ray_data`` (extra ``greenmark[ray]``) runs it on Ray Data. Needs pyarrow;
the watermark core does not depend on this package.

>>> from greenmark.scanning import RESULT_COLUMNS
>>> RESULT_COLUMNS
('decision', 'p_value', 'z_score', 'num_scored_tokens', 'key_id', 'num_hypotheses', 'error')
"""

from greenmark.scanning.local import parts_directory, scan_local
from greenmark.scanning.outputs import output_format, write_atomically
from greenmark.scanning.scanner import RESULT_COLUMNS, RESULT_SCHEMA, ScanError, Scanner
from greenmark.scanning.sources import Source, count_rows, find_sources, read_batches
from greenmark.scanning.summary import ScanSummary

__all__ = [
    "RESULT_COLUMNS",
    "RESULT_SCHEMA",
    "ScanError",
    "ScanSummary",
    "Scanner",
    "Source",
    "count_rows",
    "find_sources",
    "output_format",
    "parts_directory",
    "read_batches",
    "scan_local",
    "write_atomically",
]
