"""The Ray Data engine (``pip install 'greenmark[ray]'``): ``Scanner`` actors in ``Dataset.map_batches``.

``scan_dataset`` adds the detection columns to any Ray ``Dataset`` with an id and a text column:
each actor of a fixed pool builds one ``Scanner`` over the keyring when it starts and scans
Arrow batches. The keyring (keys and tokenizers) travels as the actor's constructor argument,
which Ray Data keeps in Ray's in-memory object store; greenmark never writes the keys to a
file, an environment variable or a log line. Ray itself spills objects to local disk when the store runs out of
memory: on clusters that scan with secrets, disable spilling or spill to an encrypted disk.
Ray's driver also logs, once per scan, that the actors' constructor arguments live in the
object store (its warning about restarting actors); it is expected.

``scan_with_ray`` is the ``greenmark scan --engine ray`` job: it joins the cluster named by
``RAY_ADDRESS`` (or starts Ray on this machine), scans the inputs in their order and writes
the output as the local engine does.

>>> import ray
>>> from greenmark.watermark import WatermarkKey, WatermarkSpec, default_tokenizer
>>> _ = ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)  # doctest: +SKIP
>>> from greenmark.watermark.keyring import Keyring
>>> tokenizer = default_tokenizer()
>>> keyring = Keyring([(WatermarkKey.generate(), WatermarkSpec.for_tokenizer(tokenizer))], tokenizer)
>>> dataset = ray.data.from_items([{"id": "a", "text": "Call me Ishmael."}])  # doctest: +SKIP
>>> scan_dataset(dataset, keyring, workers=1).take(1)[0]["decision"]  # doctest: +SKIP
'insufficient_evidence'
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import ray
from ray.data import ActorPoolStrategy, DataContext, Dataset

from greenmark.input_size import DEFAULT_MAX_INPUT_BYTES
from greenmark.scanning.outputs import output_format, write_atomically
from greenmark.scanning.scanner import ScanError, Scanner
from greenmark.scanning.sources import BATCH_ROWS, Source, count_rows, read_batches
from greenmark.scanning.summary import ScanSummary
from greenmark.watermark import DEFAULT_ALPHA
from greenmark.watermark.keyring import Keyring


def scan_dataset(
    dataset: Dataset,
    keyring: Keyring,
    *,
    workers: int | None = None,
    alpha: float = DEFAULT_ALPHA,
    id_column: str = "id",
    text_column: str = "text",
    batch_rows: int = BATCH_ROWS,
) -> Dataset:
    """``dataset`` with the detection columns added, by a pool of ``workers`` actors (default: one per CPU).

    Lazy, like every Ray Data transform: nothing runs until the result is consumed.
    """
    workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
    return dataset.map_batches(
        Scanner,
        fn_constructor_kwargs={
            "keyring": keyring,
            "alpha": alpha,
            "id_column": id_column,
            "text_column": text_column,
        },
        batch_format="pyarrow",
        batch_size=batch_rows,
        compute=ActorPoolStrategy(size=workers),
        num_cpus=1,
        runtime_env={"env_vars": {"TOKENIZERS_PARALLELISM": "false"}},  # the actor pool is the parallelism
    )


def scan_with_ray(
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
    """Scan ``sources`` into ``output`` on Ray: the cluster at ``RAY_ADDRESS``, or a local Ray started here.

    The driver reads the inputs with the local engine's reader and hands them to Ray as Arrow
    blocks; results come back in input order and the driver writes them (temporary file, then rename).
    """
    output_format(output)
    if not ray.is_initialized():
        local = {} if os.environ.get("RAY_ADDRESS") else {"include_dashboard": False}
        ray.init(log_to_driver=False, logging_level=logging.ERROR, **local)
    logging.getLogger("ray.data").setLevel(logging.ERROR)  # Ray Data's per-run notes; errors still raise
    context = DataContext.get_current()
    context.execution_options.preserve_order = True
    context.enable_progress_bars = False  # the caller reports progress (on_progress)
    started = time.perf_counter()
    batches = math.ceil(count_rows(sources, max_text_bytes) / batch_rows)
    if not batches:
        raise ScanError("the input holds no document")
    workers = min(workers or int(ray.cluster_resources().get("CPU", 1)), batches)  # no actor left without work
    blocks = list(read_batches(sources, id_column, text_column, batch_rows, max_text_bytes=max_text_bytes))
    dataset = ray.data.from_arrow(blocks)  # a block a batch
    scanned = scan_dataset(dataset, keyring, workers=workers, alpha=alpha, batch_rows=batch_rows)
    summary = ScanSummary()
    advance = on_progress or (lambda rows: None)

    def results():
        for batch in scanned.iter_batches(batch_format="pyarrow", batch_size=None):
            table = batch.drop_columns(["text"])
            summary.add(table)
            advance(len(table))
            yield table

    write_atomically(results(), output)
    summary.seconds = time.perf_counter() - started
    summary.documents_scanned, summary.tokens_scanned = summary.documents, summary.scored_tokens
    return summary
