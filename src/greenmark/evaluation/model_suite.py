"""``run_model_suite``: every watermark of the catalog on one model, answering chat prompts; one results dict.

For each temperature the model answers the same prompts once without a watermark and once per
watermark under test (every scheme of ``scheme_catalog`` at every delta, all with one key and
gamma 0.25); the first ``diversity_prompts`` prompts are answered ``diversity_samples`` times.
Then, per watermark:

* detection: TPR at FPR 1e-2, 1e-4 and 1e-6 on whole answers and cut to 32 ... 512 scored tokens
  (answers shorter than a bucket are left out of it), with exact 95% intervals; median tokens
  to detect at p = 0.02 and 1e-6. Every threshold is the detector's exact p-value, never tuned
  on the watermarked answers;
* false positives: the unwatermarked answers, scored by the same watermark;
* quality: oracle perplexity (the model without a watermark scores the answers), its ratio to
  the unwatermarked answers', distinct-2 across the samples of one prompt, repetition;
* at the first temperature: every model-free attack, and the paraphrase attack (the model
  without a watermark rewrites answers) with the paraphrases' similarity to the originals.

The seed fixes the key (never stored), the prompts, every sample and every attack.

>>> sorted(MODEL_SUITES)
['full', 'quick']
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import numpy as np

from greenmark.evaluation.attacks import uniform_distribution, unigram_distribution
from greenmark.evaluation.catalog import AttackStrengths, build_attacks
from greenmark.evaluation.chat_prompts import chat_prompts, prompt_text, select_prompts
from greenmark.evaluation.metrics import (
    detection_by_length,
    empirical_rate,
    median_tokens_to_detect,
    prefix_statistics,
    tokens_to_detect,
)
from greenmark.evaluation.paraphrase import SentenceSimilarity, paraphrase
from greenmark.evaluation.quality import distinct_n, distinct_n_across_samples, perplexities, repetition_rate
from greenmark.evaluation.samples import Sample, generate_samples
from greenmark.evaluation.scheme_catalog import SCHEME_CATALOG, WatermarkUnderTest
from greenmark.evaluation.suite import Tracker, _attack_row, _attacked_scores, _seed, evaluation_key
from greenmark.watermark.tokenizer import TextTokenizer

ALPHAS = (1e-2, 1e-4, 1e-6)
DETECTION_SPEED_ALPHAS = (0.02, 1e-6)
LENGTH_BUCKETS = (32, 64, 128, 256, 512)
PARAPHRASE_ALPHA = 1e-4
GAMMA = 0.25


@dataclass(frozen=True)
class ModelSuiteConfig:
    """The sizes and settings of one model evaluation."""

    name: str
    num_prompts: int = 21
    max_new_tokens: int = 128
    temperatures: tuple[float, ...] = (0.7, 1.0)
    schemes: tuple[str, ...] = tuple(SCHEME_CATALOG)
    deltas: tuple[float, ...] = (1.0, 2.0, 4.0)
    diversity_prompts: int = 2
    diversity_samples: int = 5
    paraphrases: int = 8
    batch_size: int = 32
    attacks: AttackStrengths = field(
        default_factory=lambda: AttackStrengths(
            token_rates=(0.1, 0.3), word_rates=(0.3,), typo_rates=(0.05,), unicode_rates=(0.3,), crop_lengths=(50,)
        )
    )

    def __post_init__(self):
        unknown = set(self.schemes) - set(SCHEME_CATALOG)
        if unknown:
            raise ValueError(f"unknown scheme(s) {sorted(unknown)}; the catalog has {sorted(SCHEME_CATALOG)}")
        if not 0 < self.num_prompts <= len(chat_prompts()):
            raise ValueError(f"choose between 1 and {len(chat_prompts())} prompts, not {self.num_prompts}")
        if not 0 <= self.diversity_prompts <= self.num_prompts or self.diversity_samples < 2:
            raise ValueError("need 0 <= diversity prompts <= prompts and at least 2 samples per diversity prompt")
        if not (self.temperatures and all(t > 0 for t in self.temperatures) and self.max_new_tokens > 0):
            raise ValueError("need at least one positive temperature and a positive number of new tokens")


MODEL_SUITES = {
    # quick: 10 generation sets (3 schemes x 3 deltas + none) of 21 + 4 answers at each temperature
    "quick": ModelSuiteConfig("quick"),
    "full": ModelSuiteConfig(
        "full",
        num_prompts=len(chat_prompts()),
        max_new_tokens=512,
        diversity_prompts=40,
        paraphrases=len(chat_prompts()),
        attacks=AttackStrengths(),
    ),
}


def _rates(p_values) -> dict[str, dict]:
    p_values = np.asarray(p_values)
    return {f"{a:g}": asdict(empirical_rate(int((p_values < a).sum()), len(p_values))) for a in ALPHAS}


def _main_and_groups(samples: list[Sample], config: ModelSuiteConfig) -> tuple[list[Sample], list[list[np.ndarray]]]:
    """The first answer to every prompt, and the ``diversity_samples`` answers of each diversity prompt."""
    main, extra = samples[: config.num_prompts], samples[config.num_prompts :]
    groups = [
        [main[i].ids, *(s.ids for s in extra[i :: config.diversity_prompts])] for i in range(config.diversity_prompts)
    ]
    return main, groups


def _oracle_perplexities(model, samples: list[Sample]) -> np.ndarray:
    """Each answer's perplexity under the model without a watermark, given its prompt."""
    return perplexities(model, [(np.concatenate([s.prompt_ids, s.ids]), len(s.prompt_ids)) for s in samples])


def _quality(model, samples, groups, reference_perplexity: float | None) -> dict:
    values = _oracle_perplexities(model, samples)
    median = float(np.nanmedian(values))
    continuations = [s.ids for s in samples]
    return {
        "oracle_perplexity": median,
        "perplexity_ratio": median / reference_perplexity if reference_perplexity else 1.0,
        "distinct_2_across_samples": distinct_n_across_samples(groups, 2),
        "distinct_2": distinct_n(continuations, 2),
        "repetition_rate_4": repetition_rate(continuations, 4),
        "mean_tokens": float(np.mean([len(ids) for ids in continuations])),
    }


def _detection(watermark: WatermarkUnderTest, samples: list[Sample], unwatermarked: list[Sample]) -> dict:
    scorer = watermark.scorer
    scores = scorer.score_tokens([s.ids for s in samples])
    tables = [scorer.token_scores(s.ids) for s in samples]
    buckets = detection_by_length([prefix_statistics(table) for table in tables], LENGTH_BUCKETS, ALPHAS)
    return {
        "tpr": _rates(scores.p_value),
        "tpr_by_length": {
            str(length): {f"{a:g}": asdict(rate) for a, rate in rates.items()} for length, rates in buckets.items()
        },
        "median_tokens_to_detect": {
            f"{a:g}": median_tokens_to_detect([tokens_to_detect(table, a) for table in tables])
            for a in DETECTION_SPEED_ALPHAS
        },
        "median_scored_tokens": float(np.median(scores.num_scored_tokens)),
        "median_z": float(np.median(scores.z_score)),
        "false_positives_unwatermarked": _rates(scorer.score_tokens([s.ids for s in unwatermarked]).p_value),
    }


def _attacks(watermark, samples, attacks, seed) -> list[dict]:
    rows = []
    for attack in attacks:
        scores = _attacked_scores(watermark.scorer, attack, samples, _seed(seed, watermark.label))
        rows.append(_attack_row(attack.family, attack.strength, scores, attack.label))
    return rows


def _paraphrase(model, tokenizer, watermark, samples, similarity, config, temperature, seed, track) -> dict:
    originals = [s.text for s in samples if s.text.strip()][: config.paraphrases]
    stage = f"paraphrasing ({watermark.label})"
    track(stage, 0, len(originals))
    if not originals:
        return {"count": 0}
    rewritten = paraphrase(
        model,
        tokenizer,
        originals,
        config.max_new_tokens,
        temperature,
        _seed(seed, "paraphrase", watermark.label),
        config.batch_size,
        advance=lambda done: track(stage, done, len(originals)),
    )
    before = watermark.scorer.score_texts(originals)
    after = watermark.scorer.score_texts(rewritten)
    return {
        "count": len(originals),
        "tpr_before": _rates(before.p_value),
        "tpr_after": _rates(after.p_value),
        "median_z_after": float(np.median(after.z_score)),
        "median_similarity": float(np.median(similarity(originals, rewritten))),
        "examples": [{"original": originals[0], "paraphrase": rewritten[0]}],
    }


def load_suite_model(model_name: str):
    """``(model, tokenizer)`` on the CPU: ``default`` is the embedded model, anything else goes to ``load_model``."""
    from greenmark.generator import load_default_model, load_model

    return load_default_model(device="cpu") if model_name == "default" else load_model(model_name, device="cpu")


def run_model_suite(
    model_name: str,
    config: ModelSuiteConfig | str = "quick",
    seed: int = 0,
    track: Tracker = lambda stage, done, total: None,
) -> dict:
    """Run the model evaluation and return its results (plain JSON types)."""
    from greenmark.generator.generator import logits_width

    config = MODEL_SUITES[config] if isinstance(config, str) else config
    started = time.monotonic()
    track("loading the model", 0, 1)
    model, tokenizer = load_suite_model(model_name)
    vocab_size = logits_width(model)
    key = evaluation_key(seed)
    watermarks = [
        watermark
        for name in config.schemes
        for watermark in SCHEME_CATALOG[name].at(model, tokenizer, key, GAMMA, config.deltas)
    ]
    chosen = select_prompts(config.num_prompts, seed)
    prompts = [prompt_text(tokenizer, p.instruction) for p in chosen]
    prompts += prompts[: config.diversity_prompts] * (config.diversity_samples - 1)
    similarity = SentenceSimilarity() if config.paraphrases else None
    track("loading the model", 1, 1)

    runs = [("unwatermarked", {}), *((w.label, w.generation) for w in watermarks)]
    temperatures = {}
    for temperature_index, temperature in enumerate(config.temperatures):
        generations = {}
        for label, options in runs:
            stage = f"generating at T={temperature:g} ({label})"
            track(stage, 0, len(prompts))
            generations[label] = generate_samples(
                model,
                tokenizer,
                prompts,
                config.max_new_tokens,
                _seed(seed, "generate", temperature),  # one seed for every watermark: common random numbers
                config.batch_size,
                temperature=temperature,
                advance=lambda done, stage=stage: track(stage, done, len(prompts)),
                **options,
            )
        unwatermarked, groups = _main_and_groups(generations["unwatermarked"], config)
        reference = _quality(model, unwatermarked, groups, None)
        results = {"unwatermarked": {"quality": reference}, "watermarks": {}}
        first = temperature_index == 0
        if first:
            special = sorted(TextTokenizer.wrap(tokenizer).special_ids)
            stream = np.concatenate([s.ids for s in unwatermarked] + [np.zeros(0, dtype=np.int64)])
            attacks = build_attacks(
                config.attacks,
                uniform_distribution(vocab_size, special),
                unigram_distribution(stream, vocab_size, special),
            )
        for watermark in watermarks:
            stage = f"measuring at T={temperature:g} ({watermark.label})"
            track(stage, 0, 1)
            samples, groups = _main_and_groups(generations[watermark.label], config)
            entry = {
                "scheme": watermark.scheme,
                "title": watermark.title,
                "delta": watermark.delta,
                "detection": _detection(watermark, samples, unwatermarked),
                "quality": _quality(model, samples, groups, reference["oracle_perplexity"]),
            }
            if first:
                entry["attacks"] = _attacks(watermark, samples, attacks, seed)
                if similarity is not None:
                    entry["paraphrase"] = _paraphrase(
                        model, tokenizer, watermark, samples, similarity, config, temperature, seed, track
                    )
            results["watermarks"][watermark.label] = entry
            track(stage, 1, 1)
        temperatures[f"{temperature:g}"] = results

    return {
        "suite": config.name,
        "model": model_name,
        "model_type": model.config.model_type,
        "seed": seed,
        "settings": {
            **asdict(config),
            "gamma": GAMMA,
            "alphas": list(ALPHAS),
            "length_buckets": list(LENGTH_BUCKETS),
            "key_id": key.key_id,
            "vocab_size": vocab_size,
            "prompt_kinds": [p.kind for p in chosen],
        },
        "temperatures": temperatures,
        "seconds": round(time.monotonic() - started, 1),
    }
