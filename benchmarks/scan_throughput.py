"""Corpus-scan throughput: the local engine at 1 and 2 workers and Ray Data (2 CPUs) on the same corpus.

Prints documents/s and scored tokens/s of each run, the local engine's scaling ratio (2 workers
over 1; target >= 1.7) and Ray's cost relative to the local engine at the same parallelism
(local / Ray time; target: Ray within 1.5x). The corpus is human-dev text cut into documents
of about ``--characters`` characters (~330 tokens), written to one Parquet file; the tenant has two keys with
different specs (a rotated key), as in production. Times include each engine's worker start-up
(processes or actors) but not ``ray.init``, which is reported apart.

    python benchmarks/scan_throughput.py [--documents 12000] [--characters 1500]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import ray

from greenmark.corpus import book_paths
from greenmark.scanning import find_sources, scan_local
from greenmark.scanning.ray_data import scan_with_ray
from greenmark.watermark import WatermarkKey, WatermarkSpec, default_tokenizer
from greenmark.watermark.keyring import Keyring


def documents(count: int, characters: int) -> list[str]:
    """``count`` chunks of human text, cut at spaces, from the human-dev books in turn (again from the start
    when they run out: throughput does not depend on a document being new)."""
    chunks = []
    for path in book_paths("human-dev"):
        text = path.read_text(encoding="utf-8")
        start = 0
        while start + characters < len(text):
            end = text.rfind(" ", start, start + characters)
            chunks.append(text[start:end].strip())
            start = end
    return [chunks[i % len(chunks)] for i in range(count)]


def report(name: str, summary) -> None:
    print(
        f"{name:<18} {summary.documents_scanned:>7} docs  {summary.seconds:7.2f} s  "
        f"{summary.documents_per_second:8.1f} docs/s  {summary.tokens_per_second:10.0f} tokens/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=12000)
    parser.add_argument("--characters", type=int, default=1500)
    arguments = parser.parse_args()

    tokenizer = default_tokenizer()
    keyring = Keyring(
        [
            (WatermarkKey.generate(), WatermarkSpec.for_tokenizer(tokenizer)),
            (WatermarkKey.generate(), WatermarkSpec.for_tokenizer(tokenizer, gamma=0.5, scheme="selfhash")),
        ],
        tokenizer,
    )
    folder = Path(tempfile.mkdtemp(prefix="scan-throughput-"))
    texts = documents(arguments.documents, arguments.characters)
    pq.write_table(pa.table({"id": [f"doc-{i}" for i in range(len(texts))], "text": texts}), folder / "corpus.parquet")
    sources = find_sources([str(folder / "corpus.parquet")])
    print(f"{len(texts)} documents of ~{arguments.characters} characters; 2 keys (lefthash + selfhash)")

    one = scan_local(sources, keyring, folder / "local-1.parquet", workers=1)
    report("local, 1 worker", one)
    two = scan_local(sources, keyring, folder / "local-2.parquet", workers=2)
    report("local, 2 workers", two)

    started = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    print(f"ray.init: {time.perf_counter() - started:.1f} s (not counted)")
    on_ray = scan_with_ray(sources, keyring, folder / "ray.parquet", workers=2)
    report("ray data, 2 CPUs", on_ray)
    ray.shutdown()

    same = pq.read_table(folder / "local-1.parquet").equals(pq.read_table(folder / "ray.parquet"))
    same = same and pq.read_table(folder / "local-1.parquet").equals(pq.read_table(folder / "local-2.parquet"))
    print(f"scaling, local 2 workers / 1 worker: {two.documents_per_second / one.documents_per_second:.2f}x")
    print(f"ray time / local time (2 each):      {on_ray.seconds / two.seconds:.2f}x")
    print(f"identical outputs: {same}")


if __name__ == "__main__":
    main()
