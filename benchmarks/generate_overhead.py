"""Generation overhead of the watermark: plain ``generate()`` vs greenmark vs transformers' watermark.

Per model (the embedded default, vocabulary 8,192, and SmolLM2-135M-Instruct from its GGUF file,
vocabulary 49,152), one run with the same prompt, seeds and lengths for every variant: plain
sampling, a no-op logits processor (the noise floor), greenmark lefthash (h=1), greenmark
selfhash (h=4), greenmark gumbel and tournament (h=12; they sample themselves, here at
temperature 1 with no top-k or top-p, as plain sampling does), and transformers'
``WatermarkingConfig`` (lefthash, gamma 0.25, delta 2), at batch 1 and 32. SmolLM2's prompt is a
chat turn rendered with its template. Variants are
interleaved and each keeps its fastest of ``--repeats`` runs, so background load hurts all
alike. Also prints, for a fresh process per model that loads it and generates, the time of its
imports and of loading, and its peak RSS.

    python benchmarks/generate_overhead.py [--models default smollm2] [--new-tokens 64] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import torch
from transformers import GenerationConfig, LogitsProcessor, LogitsProcessorList, WatermarkingConfig

from greenmark.generator import WatermarkLogitsProcessor, load_model, logits_width, render_prompt
from greenmark.watermark import WatermarkKey, WatermarkSpec

PROMPTS = {
    "default": "It was a dark and stormy night, and the",
    "smollm2": [{"role": "user", "content": "Tell me a story about a dark and stormy night."}],
}
CHILD_SCRIPT = """
import time
start = time.perf_counter()
from greenmark.generator import WatermarkedGenerator
from greenmark.watermark import WatermarkKey
import transformers.models.deepseek_v3.modeling_deepseek_v3  # count the models' code as import, not load
import transformers.models.llama.modeling_llama
imported = time.perf_counter()
generator = WatermarkedGenerator.from_pretrained({model!r}, key=WatermarkKey.generate())
loaded = time.perf_counter()
generator.generate([{prompt!r}] * 8, max_new_tokens=64, seed=0)
peak_kilobytes = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(imported - start, loaded - imported, peak_kilobytes)
"""


class NoOpProcessor(LogitsProcessor):
    def __call__(self, input_ids, scores):
        return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", choices=sorted(PROMPTS), default=["default", "smollm2"])
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for name in args.models:
        measure_overhead(name, args)
    for name in args.models:
        measure_fresh_process(name)


def measure_overhead(model_name: str, args: argparse.Namespace) -> None:
    """Print tokens/s and overhead against plain sampling of every variant at batch 1 and 32."""
    model, tokenizer = load_model(model_name)
    width = logits_width(model)
    prompt = render_prompt(tokenizer, PROMPTS[model_name])
    key = WatermarkKey.generate()
    variants = {
        "plain": {},
        # passes the logits through untouched: its "overhead" is the benchmark's noise floor (the
        # sampled tokens, hence the experts' work, differ between variants)
        "no-op processor": {"logits_processor": LogitsProcessorList([NoOpProcessor()])},
        "greenmark lefthash": {
            "logits_processor": LogitsProcessorList(
                [WatermarkLogitsProcessor(WatermarkSpec.for_tokenizer(tokenizer, vocab_size=width), key)]
            )
        },
        "greenmark selfhash": {
            "logits_processor": LogitsProcessorList(
                [
                    WatermarkLogitsProcessor(
                        WatermarkSpec.for_tokenizer(tokenizer, vocab_size=width, scheme="selfhash"), key
                    )
                ]
            )
        },
        **{
            f"greenmark {scheme}": {
                "logits_processor": LogitsProcessorList(
                    [
                        WatermarkLogitsProcessor(
                            WatermarkSpec.for_tokenizer(tokenizer, vocab_size=width, scheme=scheme), key
                        )
                    ]
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
    print(
        f"{model_name} model (vocabulary {width:,}), {args.new_tokens} new tokens, {args.threads} threads, "
        f"best of {args.repeats}"
    )
    print(f"{'batch':>5} {'variant':<20} {'tokens/s':>10} {'overhead vs plain':>18}")
    for batch in (1, 32):
        inputs = tokenizer([prompt] * batch, return_tensors="pt", add_special_tokens=False)
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


def measure_fresh_process(model_name: str) -> None:
    """Print the import and load times and the peak RSS of a fresh process that loads the model and generates."""
    # the child reports its own high-water mark (VmHWM): getrusage's RUSAGE_CHILDREN would also
    # count this parent's pages, which a vfork-ed child shares until it calls exec
    child = subprocess.run(
        [sys.executable, "-c", CHILD_SCRIPT.format(model=model_name, prompt=PROMPTS[model_name])],
        check=True,
        capture_output=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    import_seconds, load_seconds, peak_kilobytes = child.stdout.split()[-3:]
    print(
        f"fresh process, {model_name}: imports {float(import_seconds):.2f} s, "
        f"from_pretrained({model_name!r}) {float(load_seconds):.2f} s, "
        f"peak RSS after loading and generating {int(peak_kilobytes) / 1024:,.0f} MB"
    )


if __name__ == "__main__":
    main()
