"""Generation overhead of the watermark: plain ``generate()`` vs greenmark vs transformers' watermark.

One run, the same model (the embedded default), prompts, seeds and lengths for every variant:
plain sampling, a no-op logits processor (the noise floor), greenmark lefthash (h=1), greenmark
selfhash (h=4), greenmark gumbel and tournament (h=12; they sample themselves, here at
temperature 1 with no top-k or top-p, as plain sampling does), and transformers'
``WatermarkingConfig`` (lefthash, gamma 0.25, delta 2), at batch 1 and 32. Variants are
interleaved and each keeps its fastest of ``--repeats`` runs, so background load hurts all
alike. Also prints, for a fresh process that loads the default model and generates, the time
of its imports and of ``from_default()``, and its peak RSS.

    python benchmarks/generate_overhead.py [--new-tokens 64] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import torch
from transformers import GenerationConfig, LogitsProcessor, LogitsProcessorList, WatermarkingConfig

from greenmark.generator import WatermarkLogitsProcessor, load_default_model
from greenmark.watermark import WatermarkKey, WatermarkSpec

PROMPT = "It was a dark and stormy night, and the"
CHILD_SCRIPT = """
import time
start = time.perf_counter()
from greenmark.generator import WatermarkedGenerator
from greenmark.watermark import WatermarkKey
import transformers.models.deepseek_v3.modeling_deepseek_v3  # count the model's code as import, not load
imported = time.perf_counter()
generator = WatermarkedGenerator.from_default(key=WatermarkKey.generate())
loaded = time.perf_counter()
generator.generate(["{prompt}"] * 8, max_new_tokens=64, seed=0)
peak_kilobytes = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(imported - start, loaded - imported, peak_kilobytes)
"""


class NoOpProcessor(LogitsProcessor):
    def __call__(self, input_ids, scores):
        return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    model, tokenizer = load_default_model()
    key = WatermarkKey.generate()
    variants = {
        "plain": {},
        # passes the logits through untouched: its "overhead" is the benchmark's noise floor (the
        # sampled tokens, hence the experts' work, differ between variants)
        "no-op processor": {"logits_processor": LogitsProcessorList([NoOpProcessor()])},
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
        **{
            f"greenmark {scheme}": {
                "logits_processor": LogitsProcessorList(
                    [WatermarkLogitsProcessor(WatermarkSpec.for_tokenizer(tokenizer, scheme=scheme), key)]
                )
            }
            for scheme in ("gumbel", "tournament")
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

    # a fresh process loads the default model (HF_HUB_OFFLINE=1) and generates; it reports its
    # own high-water mark (VmHWM): getrusage's RUSAGE_CHILDREN would also count this parent's
    # pages, which a vfork-ed child shares until it calls exec
    child = subprocess.run(
        [sys.executable, "-c", CHILD_SCRIPT.format(prompt=PROMPT)],
        check=True,
        capture_output=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    import_seconds, load_seconds, peak_kilobytes = child.stdout.split()[-3:]
    print(f"fresh process: imports {float(import_seconds):.2f} s, from_default() {float(load_seconds):.2f} s")
    print(f"peak RSS of a process that loads the default model and generates: {int(peak_kilobytes) / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
