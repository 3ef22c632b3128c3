"""Detection throughput: greenmark vs transformers' ``WatermarkDetector`` on the same token ids.

Prints, from one run: scoring throughput (tokens/s) for batches of 200- and 2,000-token
documents, transformers' detector on the same ids (gamma 0.25, lefthash, same vocabulary),
their ratio, the scoring throughput of every native scheme (its default spec) against
lefthash's, end-to-end ``detect_many(texts)`` (canonicalise + tokenise + score) against
the tokenizer alone on the same texts, and greenmark on transformers' own watermarks
(imported keys) against transformers' detectors on the same ids: ``WatermarkDetector`` for
``WatermarkingConfig`` (lefthash and selfhash), and for SynthID the detection path of
``SynthIDTextWatermarkDetector`` up to its trained Bayesian module (``compute_g_values`` and
the EOS and repeated-context masks). greenmark is timed with its key material built ("warm":
how a server or scan runs) and, for KGW lefthash, also from a fresh detector per call
("cold": the per-seed green lists drawn inside the timing).

    python benchmarks/detect_speed.py [--documents 200] [--hf-documents 20]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from greenmark.watermark import Detector, ImportedKey, WatermarkKey, WatermarkSpec, default_tokenizer
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
    for name in ["lefthash", *(name for name in scheme_names(imported=False) if name != "lefthash")]:
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

    foreign_watermarks(args, tokenizer, rng)


HASHING_KEY = 987654321
SYNTHID_KEYS = list(range(1001, 1031))
EOS_TOKEN_ID = 0  # the embedded tokenizer's <eos>; the random documents (ids >= 3) hold none


def kgw_throughput(documents: list[np.ndarray], vocab_size: int, seeding_scheme: str, context_width: int) -> float:
    import torch
    from transformers import LlamaConfig, WatermarkDetector, WatermarkingConfig

    config = WatermarkingConfig(hashing_key=HASHING_KEY, seeding_scheme=seeding_scheme, context_width=context_width)
    detector = WatermarkDetector(
        model_config=LlamaConfig(vocab_size=vocab_size, pad_token_id=1, eos_token_id=0, bos_token_id=2),
        device="cpu",
        watermarking_config=config,
        ignore_repeated_ngrams=True,
    )
    batch = torch.from_numpy(np.stack(documents))
    return batch.numel() / best_of(2, lambda: detector(batch, return_dict=True))


def synthid_throughput(documents: list[np.ndarray], eos_token_id: int) -> float:
    import torch
    from transformers.generation.logits_process import SynthIDTextWatermarkLogitsProcessor

    processor = SynthIDTextWatermarkLogitsProcessor(
        ngram_len=5,
        keys=SYNTHID_KEYS,
        sampling_table_size=2**16,
        sampling_table_seed=0,
        context_history_size=1024,
        device="cpu",
    )
    batch = torch.from_numpy(np.stack(documents))

    def detection_path():  # SynthIDTextWatermarkDetector.__call__ before its Bayesian module
        eos_mask = processor.compute_eos_token_mask(batch, eos_token_id)[:, processor.ngram_len - 1 :]
        mask = processor.compute_context_repetition_mask(batch) * eos_mask
        return processor.compute_g_values(batch), mask

    return batch.numel() / best_of(2, detection_path)


def foreign_watermarks(args, tokenizer, rng) -> None:
    vocab_size = tokenizer.vocab_size
    documents = [rng.integers(3, vocab_size, 200) for _ in range(args.documents)]
    few = documents[: args.hf_documents]
    cases = [
        ("transformers-kgw lefthash", {"scheme": "transformers-kgw"}, str(HASHING_KEY), "lefthash", 1),
        (
            "transformers-kgw selfhash",
            {"scheme": "transformers-kgw", "context_width": 4, "parameters": {"seeding_scheme": "selfhash"}},
            str(HASHING_KEY),
            "selfhash",
            4,
        ),
        (
            "transformers-synthid",
            {"scheme": "transformers-synthid", "parameters": {"depth": len(SYNTHID_KEYS)}},
            ",".join(map(str, SYNTHID_KEYS)),
            None,
            None,
        ),
    ]
    print(f"transformers' watermarks, 200-token documents ({args.documents} greenmark, {len(few)} transformers)")
    print(f"{'watermark':>26} {'greenmark tok/s':>16} {'transformers tok/s':>19} {'ratio':>8}")
    for label, fields, secret, seeding_scheme, context_width in cases:
        spec = WatermarkSpec.for_tokenizer(tokenizer, **fields)
        key = ImportedKey.create(spec.watermark_scheme.canonical_secret(secret))
        detector = Detector(spec, [key])
        ours_documents = documents if seeding_scheme != "selfhash" else few
        seconds = best_of(3, lambda d=detector, docs=ours_documents: d.detect_tokens_many(docs))
        ours = len(ours_documents) * 200 / seconds
        if seeding_scheme is None:
            theirs = synthid_throughput(few, EOS_TOKEN_ID)
        else:
            theirs = kgw_throughput(few, vocab_size, seeding_scheme, context_width)
        print(f"{label:>26} {ours:>16,.0f} {theirs:>19,.0f} {ours / theirs:>7,.0f}x")
        if seeding_scheme == "lefthash":
            cold = len(few) * 200 / best_of(2, lambda s=spec, k=key: Detector(s, [k]).detect_tokens_many(few))
            print(f"{label + ' (cold)':>26} {cold:>16,.0f} {theirs:>19,.0f} {cold / theirs:>7,.0f}x")


if __name__ == "__main__":
    main()
