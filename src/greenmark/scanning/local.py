"""The local engine: a process pool over the machine's cores, resumable after an interruption.

The input is read in fixed batches (the n-th batch is the same on every run). Each worker
dies with the scan that started it (``worker_lifetime``), builds one ``Scanner`` when it starts
(the keyring arrives in memory, as a pool initializer argument, never through a file, an
environment variable or a log line), scans the batches it is sent and writes each result to
``OUTPUT.parts/part-NNNNNN.parquet`` under a temporary name, then renames it: a finished part
is complete. A rerun with the same output, input and settings (a
manifest in the parts directory records them) skips the parts already there. When every part
exists they are joined into OUTPUT (temporary file, then rename) and the parts are removed.

>>> import pathlib, tempfile
>>> from greenmark.watermark import WatermarkKey, WatermarkSpec, default_tokenizer
>>> from greenmark.scanning.sources import find_sources
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "note.txt").write_text("Call me Ishmael. " * 20)
>>> from greenmark.watermark.keyring import Keyring
>>> tokenizer = default_tokenizer()
>>> keyring = Keyring([(WatermarkKey.generate(), WatermarkSpec.for_tokenizer(tokenizer))], tokenizer)
>>> summary = scan_local(find_sources([str(folder)]), keyring, folder / "out.parquet", workers=1)
>>> summary.documents, summary.decisions
(1, {'insufficient_evidence': 1})
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from greenmark import __version__
from greenmark.input_size import DEFAULT_MAX_INPUT_BYTES
from greenmark.scanning.outputs import output_format, write_atomically
from greenmark.scanning.scanner import ScanError, Scanner
from greenmark.scanning.sources import BATCH_BYTES, BATCH_ROWS, Source, read_batches
from greenmark.scanning.summary import ScanSummary
from greenmark.scanning.worker_lifetime import die_with_parent
from greenmark.watermark import DEFAULT_ALPHA
from greenmark.watermark.keyring import Keyring

MANIFEST = "manifest.json"
_scanner: Scanner | None = None  # one per worker process, built by _start_worker


def parts_directory(output: Path) -> Path:
    """Where the finished parts of an unfinished scan to ``output`` wait: ``OUTPUT.parts`` beside it."""
    return output.with_name(output.name + ".parts")


def scan_local(
    sources: Sequence[Source],
    keyring: Keyring,
    output: Path,
    *,
    workers: int | None = None,
    alpha: float = DEFAULT_ALPHA,
    id_column: str = "id",
    text_column: str = "text",
    batch_rows: int = BATCH_ROWS,
    max_text_bytes: int = DEFAULT_MAX_INPUT_BYTES,
    on_progress: Callable[[int], None] | None = None,
) -> ScanSummary:
    """Scan ``sources`` for the keys of ``keyring`` into ``output`` with ``workers`` processes (all cores).

    Texts over ``max_text_bytes`` get an error row. ``on_progress(rows)`` is called as batches
    finish (or are found finished by an earlier run).
    """
    output_format(output)
    workers = workers or os.cpu_count() or 1
    parts = parts_directory(output)
    _prepare_parts(parts, _fingerprint(sources, keyring, alpha, id_column, text_column, batch_rows, max_text_bytes))
    advance = on_progress or (lambda rows: None)
    summary = ScanSummary()
    started = time.perf_counter()
    part_paths = []
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(keyring, alpha, os.getpid()),
    ) as pool:
        pending = set()
        try:
            batches = read_batches(sources, id_column, text_column, batch_rows, max_text_bytes=max_text_bytes)
            for number, batch in enumerate(batches):
                part = parts / f"part-{number:06d}.parquet"
                part_paths.append(part)
                if part.exists():
                    advance(len(batch))
                    continue
                if len(pending) >= 2 * workers:
                    pending = _collect(pending, summary, advance)
                pending.add(pool.submit(_scan_part, batch, part))
            while pending:
                pending = _collect(pending, summary, advance)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    write_atomically(_read_parts(part_paths, summary), output)
    summary.seconds = time.perf_counter() - started
    shutil.rmtree(parts)
    return summary


def _collect(pending: set, summary: ScanSummary, advance) -> set:
    """Wait for at least one batch, count what finished; returns the batches still running."""
    done, pending = wait(pending, return_when=FIRST_COMPLETED)
    for future in done:
        try:
            rows, tokens = future.result()
        except BrokenProcessPool:
            raise ScanError(
                "a scan worker process died (killed, or out of memory): rerun the same command to resume"
            ) from None
        summary.documents_scanned += rows
        summary.tokens_scanned += tokens
        advance(rows)
    return pending


def _read_parts(part_paths: list[Path], summary: ScanSummary):
    for path in part_paths:
        table = pq.read_table(path)
        summary.add(table)
        yield table


def _start_worker(keyring: Keyring, alpha: float, parent_pid: int) -> None:
    """Pool initializer: bound to the scan's life; one scanner and one tokenizer thread per process."""
    global _scanner
    die_with_parent(parent_pid)
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    _scanner = Scanner(keyring, alpha=alpha)


def _scan_part(batch: pa.Table, part: Path) -> tuple[int, int]:
    """Scan one batch into its part file (temporary name, then rename); returns (rows, scored tokens)."""
    result = _scanner(batch).drop_columns(["text"])
    write_atomically([result], part)
    tokens = pa.compute.sum(result.column("num_scored_tokens")).as_py() or 0
    return len(result), tokens


def _fingerprint(sources, keyring, alpha, id_column, text_column, batch_rows, max_text_bytes) -> str:
    """What decides the parts' contents: the input files (path, size, modification time) and every setting."""
    description = {
        "greenmark": __version__,
        "inputs": [(str(s.path.resolve()), s.path.stat().st_size, s.path.stat().st_mtime_ns) for s in sources],
        "key_ids": keyring.key_ids,
        "specs": [spec.to_json() for spec, keys, _ in keyring.groups for _ in keys],
        "alpha": alpha,
        "columns": [id_column, text_column],
        "batch_rows": batch_rows,
        "batch_bytes": BATCH_BYTES,
        "max_text_bytes": max_text_bytes,
    }
    return hashlib.sha256(json.dumps(description, sort_keys=True).encode()).hexdigest()


def _prepare_parts(parts: Path, fingerprint: str) -> None:
    """Keep the parts of an interrupted run of the same scan; start afresh for any other."""
    manifest = parts / MANIFEST
    if manifest.is_file() and json.loads(manifest.read_text()).get("fingerprint") == fingerprint:
        return
    if parts.exists():
        shutil.rmtree(parts)
    parts.mkdir()
    manifest.write_text(json.dumps({"fingerprint": fingerprint}))
