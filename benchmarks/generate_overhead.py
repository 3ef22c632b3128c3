"""Generation overhead of the watermark: plain ``generate()`` vs greenmark vs transformers' watermark.

One run, the same model (the embedded default), prompts, seeds and lengths for every variant:
plain sampling, greenmark lefthash (h=1), greenmark selfhash (h=4), and transformers'
``WatermarkingConfig`` (lefthash, gamma 0.25, delta 2), at batch 1 and 32. Variants are
interleaved and each keeps its fastest of ``--repeats`` runs, so background load hurts all
alike. Also prints the peak RSS of a fresh process that loads the default model and generates.

    python benchmarks/generate_overhead.py [--new-tokens 64] [--repeats 3]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time

import torch
from transformers import GenerationConfig, LogitsProcessorList, WatermarkingConfig

from greenmark.generator import WatermarkLogitsProcessor, load_default_model
from greenmark.watermark import WatermarkKey, WatermarkSpec

PROMPT = "It was a dark and stormy night, and the"
RSS_SCRIPT = """
from greenmark.generator import WatermarkedGenerator
from greenmark.watermark import WatermarkKey
WatermarkedGenerator.from_default(key=WatermarkKey.generate()).generate(["{prompt}"] * 8, max_new_tokens=64, seed=0)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    model, tokenizer = load_default_model()
    key = WatermarkKey.generate()
    variants = {
        "plain": {},
        "greenmark lefthash": {
            "logits_processor": LogitsProcessorList(
                [WatermarkLogitsProcessor(WatermarkSpec.for_tokenizer(tokenizer), key)]
            )
        },
        "greenmark selfhash": {
            "logits_processor": LogitsProcessorList(
                [WatermarkLogitsProcessor(WatermarkSpec.for_tokenizer(tokenizer, scheme="selfhash"), key)]
            )
        },
        "transformers": {"watermarking_config": WatermarkingConfig(greenlist_ratio=0.25, bias=2.0)},
    }
    config = GenerationConfig(
        max_new_tokens=args.new_tokens,
        min_new_tokens=args.new_tokens,
        do_sample=True,
        top_k=0,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    print(f"default model, {args.new_tokens} new tokens, {args.threads} threads, best of {args.repeats}")
    print(f"{'batch':>5} {'variant':<20} {'tokens/s':>10} {'overhead vs plain':>18}")
    for batch in (1, 32):
        inputs = tokenizer([PROMPT] * batch, return_tensors="pt")
        best = dict.fromkeys(variants, float("inf"))
        with torch.inference_mode():
            model.generate(**inputs, generation_config=config)  # warm-up
            for _ in range(args.repeats):
                for name, extra in variants.items():
                    torch.manual_seed(0)
                    start = time.perf_counter()
                    model.generate(**inputs, generation_config=config, **extra)
                    best[name] = min(best[name], time.perf_counter() - start)
        for name, seconds in best.items():
            overhead = seconds / best["plain"] - 1
            print(f"{batch:>5} {name:<20} {batch * args.new_tokens / seconds:>10,.0f} {overhead:>17.1%}")

    subprocess.run([sys.executable, "-c", RSS_SCRIPT.format(prompt=PROMPT)], check=True, capture_output=True)
    peak_megabytes = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS of a process that loads the default model and generates: {peak_megabytes:,.0f} MB")


if __name__ == "__main__":
    main()
