"""Detection throughput: greenmark vs vLLM 0.32's ``GumbelWatermarkDetector`` on the same token ids.

Run in vLLM's venv (``.vllm-venv/bin/python benchmarks/detect_speed_vllm.py``). For 200- and
2,000-token documents (random non-special ids of the embedded model's vocabulary, one key, context width
4) it prints tokens/s of vLLM's detectors (``detect`` per document, as vLLM offers it) and of
greenmark's ``Detector.detect_tokens_many`` over the same documents, their ratio, and checks
that both gave the same p-values (single key: within 1e-9 relative). The dual-key rows use
alpha 0.5, where both detectors' nulls are exact and comparable.

    .vllm-venv/bin/python benchmarks/detect_speed_vllm.py [--documents 500] [--vllm-documents 20]
"""

from __future__ import annotations

import argparse

import numpy as np
from vllm.v1.watermarking import DualKeyGumbelWatermarkDetector, GumbelWatermarkDetector

from detect_speed import best_of
from greenmark.watermark import Detector, WatermarkSpec, default_tokenizer
from greenmark.watermark.imported_key import ImportedKey

SECRET = 42


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=500, help="documents per greenmark batch")
    parser.add_argument("--vllm-documents", type=int, default=20, help="documents for vLLM (it is slow)")
    args = parser.parse_args()

    tokenizer = default_tokenizer()
    rng = np.random.default_rng(0)
    ordinary_ids = np.setdiff1d(np.arange(tokenizer.vocab_size), sorted(tokenizer.special_ids))  # both score them
    cases = [
        ("vllm-gumbel", {}, GumbelWatermarkDetector(SECRET)),
        ("vllm-dual-key-gumbel", {"alpha": 0.5}, DualKeyGumbelWatermarkDetector(SECRET, alpha=0.5)),
    ]
    print(f"vocabulary {tokenizer.vocab_size}, context width 4, one key (secret {SECRET})")
    print(f"{'scheme':>22} {'length':>7} {'vLLM tok/s':>12} {'greenmark tok/s':>16} {'ratio':>8} {'max rel dp':>11}")
    for scheme, parameters, reference in cases:
        spec = WatermarkSpec.for_tokenizer(tokenizer, scheme=scheme, parameters=parameters)
        detector = Detector(spec, [ImportedKey.create(str(SECRET))])
        for length in (200, 2000):
            documents = [rng.choice(ordinary_ids, size=length) for _ in range(args.documents)]
            vllm_rate, ours_rate, worst = compare(reference, detector, documents, args.vllm_documents)
            print(
                f"{scheme:>22} {length:>7} {vllm_rate:>12,.0f} {ours_rate:>16,.0f} "
                f"{ours_rate / vllm_rate:>7.0f}x {worst:>11.1e}"
            )


def compare(reference, detector: Detector, documents: list[np.ndarray], vllm_documents: int):
    """Tokens/s of vLLM's detector (first ``vllm_documents``) and greenmark's (all), and the worst relative p gap."""
    theirs = documents[:vllm_documents]
    lists = [ids.tolist() for ids in theirs]
    vllm_seconds = best_of(2, lambda: [reference.detect(ids) for ids in lists])
    ours_seconds = best_of(3, lambda: detector.detect_tokens_many(documents))
    expected = np.array([reference.detect(ids).p_value for ids in lists])
    got = detector.score_tokens(theirs)[0].test().p_value  # one table (all documents) per key
    worst = float(np.max(np.abs(got - expected) / expected))
    length = len(documents[0])
    return len(theirs) * length / vllm_seconds, len(documents) * length / ours_seconds, worst


if __name__ == "__main__":
    main()
