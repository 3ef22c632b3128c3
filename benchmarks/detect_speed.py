"""Detection throughput: greenmark vs transformers' ``WatermarkDetector`` on the same token ids.

Prints, from one run: scoring throughput (tokens/s) for batches of 200- and 2,000-token
documents, transformers' detector on the same ids (gamma 0.25, lefthash, same vocabulary),
their ratio, the scoring throughput of every registered scheme (its default spec) against
lefthash's, and end-to-end ``detect_many(texts)`` (canonicalise + tokenise + score) against
the tokenizer alone on the same texts.

    python benchmarks/detect_speed.py [--documents 200] [--hf-documents 20]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from greenmark.watermark import Detector, WatermarkKey, WatermarkSpec, default_tokenizer
from greenmark.watermark.schemes import scheme_names


def best_of(repeats: int, function) -> float:
    """The fastest of ``repeats`` timed calls (seconds): the least disturbed by other load."""
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return min(timings)


def transformers_throughput(documents: list[np.ndarray], vocab_size: int) -> float:
    import torch
    from transformers import LlamaConfig, WatermarkDetector, WatermarkingConfig

    config = LlamaConfig(vocab_size=vocab_size, pad_token_id=1, eos_token_id=0)
    detector = WatermarkDetector(
        model_config=config,
        device="cpu",
        watermarking_config=WatermarkingConfig(greenlist_ratio=0.25, bias=2.0, seeding_scheme="lefthash"),
        ignore_repeated_ngrams=True,
    )
    batch = torch.from_numpy(np.stack(documents))
    seconds = best_of(2, lambda: detector(batch, return_dict=True))
    return batch.numel() / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=500, help="documents per greenmark batch")
    parser.add_argument("--hf-documents", type=int, default=10, help="documents for transformers (it is slow)")
    args = parser.parse_args()

    tokenizer = default_tokenizer()
    spec = WatermarkSpec.for_tokenizer(tokenizer)
    detector = Detector(spec, [WatermarkKey.generate()], tokenizer=tokenizer)
    rng = np.random.default_rng(0)
    print(f"vocabulary {spec.vocab_size}, lefthash h=1, gamma 0.25, one key")
    print(f"{'document length':>16} {'greenmark tok/s':>16} {'transformers tok/s':>19} {'ratio':>8}")
    for length in (200, 2000):
        documents = [rng.integers(0, spec.vocab_size, length) for _ in range(args.documents)]
        seconds = best_of(3, lambda docs=documents: detector.detect_tokens_many(docs))
        ours = args.documents * length / seconds
        theirs = transformers_throughput(documents[: args.hf_documents], spec.vocab_size)
        print(f"{length:>16} {ours:>16,.0f} {theirs:>19,.0f} {ours / theirs:>7,.0f}x")

    documents = [rng.integers(0, spec.vocab_size, 200) for _ in range(args.documents)]
    print(f"{'scheme (200 tokens)':>20} {'tok/s':>12} {'vs lefthash':>12}")
    baseline = None
    for name in ["lefthash", *(name for name in scheme_names() if name != "lefthash")]:
        scheme_detector = Detector(WatermarkSpec.for_tokenizer(tokenizer, scheme=name), [WatermarkKey.generate()])
        rate = args.documents * 200 / best_of(3, lambda d=scheme_detector: d.detect_tokens_many(documents))
        baseline = baseline or rate
        print(f"{name:>20} {rate:>12,.0f} {rate / baseline:>11.2f}x")

    decoded = [tokenizer.decode(rng.integers(300, spec.vocab_size, 200)) for _ in range(args.documents)]
    tokenize_seconds = best_of(3, lambda: tokenizer.backend.encode_batch(decoded, add_special_tokens=False))
    detect_seconds = best_of(3, lambda: detector.detect_many(decoded))
    print(
        f"end to end: detect_many {args.documents / detect_seconds:,.0f} texts/s, "
        f"tokenizer alone {args.documents / tokenize_seconds:,.0f} texts/s, "
        f"ratio {tokenize_seconds / detect_seconds:.2f}"
    )


if __name__ == "__main__":
    main()
