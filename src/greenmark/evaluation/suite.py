"""``run_suite``: generate, attack, detect and measure; return one JSON-ready results dict.

The suite (``quick`` or ``full``) fixes the sizes; ``seed`` fixes everything else: the
evaluation key (derived from the seed, used only here and never stored), the prompts, the
sampling, every attack. The same seed and suite give the same results.

Steps: prompts and human token chunks come from the corpus's ``human-dev`` books (authors the
model never saw); the default model continues every prompt three ways (greenmark watermark,
no watermark, transformers' built-in watermark with the same gamma and delta); each
watermarked set is scored unattacked and under every attack; human chunks and unwatermarked
generations give the false-positive side; copy-paste mixes watermarked and human tokens; the
delimiter attack regenerates with a delimiter forced after every token and strips it.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from greenmark.evaluation.attacks import copy_paste, uniform_distribution, unigram_distribution
from greenmark.evaluation.catalog import Attack, AttackStrengths, build_attacks
from greenmark.evaluation.metrics import (
    detection_score,
    empirical_rate,
    median_tokens_to_detect,
    prefix_statistics,
    roc_auc,
    roc_curve,
    span_iou,
    tokens_to_detect,
    tpr_at_fpr,
)
from greenmark.evaluation.quality import distinct_n, perplexities, repetition_rate
from greenmark.evaluation.samples import (
    Sample,
    generate_samples,
    human_texts,
    prompts_from_texts,
    token_chunks,
    token_stream,
)
from greenmark.evaluation.scoring import GreenmarkScheme, Scores, TransformersScheme
from greenmark.watermark import WatermarkKey, WatermarkSpec

ALPHAS = (1e-2, 1e-4, 1e-6)
DETECTION_SPEED_ALPHAS = (0.02, 1e-6)
GAMMA, DELTA = 0.25, 2.0
LOCATED_IOU = 0.5  # a copy-paste span counts as located when the found spans overlap the truth this much


@dataclass(frozen=True)
class SuiteConfig:
    """The sizes of one evaluation run."""

    name: str
    num_prompts: int = 32
    max_new_tokens: int = 200
    prompt_words: int = 24
    batch_size: int = 32
    num_human_chunks: int = 2000
    copy_paste_length: int = 800
    copy_paste_fractions: tuple[float, ...] = (0.25,)
    copy_paste_spans: tuple[int, ...] = (1, 3)
    delimiter_attack: bool = False
    attacks: AttackStrengths = field(default_factory=AttackStrengths)


SUITES = {
    # quick: generation dominates (three sets of 32 x 200 tokens, about a minute each on 2 cores);
    # the delimiter attack would add two sets of 32 x 400, so only the full suite runs it
    "quick": SuiteConfig("quick"),
    "full": SuiteConfig(
        "full",
        num_prompts=256,
        delimiter_attack=True,
        num_human_chunks=8000,
        copy_paste_fractions=(0.1, 0.25, 0.5),
        copy_paste_spans=(1, 3, 5),
        attacks=AttackStrengths(
            token_rates=(0.05, 0.1, 0.2, 0.3, 0.4, 0.5),
            word_rates=(0.05, 0.1, 0.2, 0.3),
            typo_rates=(0.02, 0.05, 0.1),
            unicode_rates=(0.1, 0.3, 1.0),
            crop_lengths=(25, 50, 100, 150, 200),
        ),
    ),
}

Tracker = Callable[[str, int, int], None]  # (stage, done, total)


def evaluation_key(seed: int) -> WatermarkKey:
    """The suite's watermark key, a function of the seed (evaluation only, never stored).

    >>> evaluation_key(0) == evaluation_key(0) != evaluation_key(1)
    True
    """
    return WatermarkKey(hashlib.sha256(f"greenmark-eval/{seed}".encode()).digest())


def _seed(*parts) -> int:
    """A 64-bit seed from the run seed and a path of labels and indices."""
    return int.from_bytes(hashlib.sha256("/".join(map(str, parts)).encode()).digest()[:8], "little")


def _rates(p_values) -> dict[str, float]:
    return {f"{alpha:g}": tpr_at_fpr(p_values, alpha) for alpha in ALPHAS}


def _false_positives(scores: Scores) -> dict[str, dict]:
    trials = len(scores.p_value)
    return {f"{a:g}": asdict(empirical_rate(int((scores.p_value < a).sum()), trials)) for a in ALPHAS}


def _attacked_scores(scheme, attack: Attack, samples: list[Sample], seed: int) -> Scores:
    if attack.kind == "tokens":
        attacked = [attack.apply(s.ids, _seed(seed, attack.label, i)) for i, s in enumerate(samples)]
        return scheme.score_tokens(attacked)
    attacked = [attack.apply(s.text, _seed(seed, attack.label, i)) for i, s in enumerate(samples)]
    return scheme.score_texts(attacked)


def _attack_row(family: str, strength: float | None, scores: Scores, label: str | None = None) -> dict:
    return {
        "family": family,
        "strength": strength,
        "label": label or family,
        "tpr": _rates(scores.p_value),
        "median_z": float(np.median(scores.z_score)),
        "median_scored_tokens": float(np.median(scores.num_scored_tokens)),
    }


def _speed(scheme, samples: list[Sample]) -> tuple[dict, dict]:
    """Median tokens-to-detect per threshold, and the z-score after each number of tokens (quartiles)."""
    tables = [scheme.token_scores(s.ids) for s in samples]
    speed = {
        f"{alpha:g}": median_tokens_to_detect([tokens_to_detect(table, alpha) for table in tables])
        for alpha in DETECTION_SPEED_ALPHAS
    }
    length = max(len(s.ids) for s in samples)
    z = np.full((len(samples), length), np.nan)
    for row, table in enumerate(tables):
        z[row, : len(table.scored)] = prefix_statistics(table).z_score
    quartiles = np.nanpercentile(z, [25, 50, 75], axis=0)
    curve = dict(zip(("q25", "median", "q75"), quartiles.tolist(), strict=True))
    curve["tokens"] = list(range(1, length + 1))
    return speed, curve


def _copy_paste(scheme, samples, hosts, human_pieces, config: SuiteConfig, seed: int) -> list[dict]:
    rows = []
    for fraction in config.copy_paste_fractions:
        for num_spans in config.copy_paste_spans:
            for direction in ("watermarked into human", "human into watermarked"):
                pasted, truths = [], []
                for i, sample in enumerate(samples):
                    rng_seed = _seed(seed, "copy-paste", direction, fraction, num_spans, i)
                    if direction == "watermarked into human":
                        result = copy_paste(hosts[i % len(hosts)], sample.ids, fraction, num_spans, rng_seed)
                        truth = result.spans
                    else:
                        piece = human_pieces[i % len(human_pieces)]
                        result = copy_paste(sample.ids, piece, fraction, num_spans, rng_seed)
                        truth = _complement(result.spans, len(result.ids))
                    pasted.append(result)
                    truths.append(truth)
                rows.append(_copy_paste_row(scheme, pasted, truths, direction, fraction, num_spans))
    return rows


def _complement(spans, length: int) -> tuple[tuple[int, int], ...]:
    """The ``[start, end)`` stretches of ``[0, length)`` outside ``spans`` (sorted, disjoint)."""
    edges = [0, *(edge for span in spans for edge in span), length]
    return tuple((a, b) for a, b in zip(edges[::2], edges[1::2], strict=True) if b > a)


def _copy_paste_row(scheme, pasted, truths, direction, fraction, num_spans) -> dict:
    watermarked_share = float(
        np.mean([sum(b - a for a, b in t) / len(p.ids) for p, t in zip(pasted, truths, strict=True)])
    )
    row = {
        "direction": direction,
        "fraction": fraction,
        "num_spans": num_spans,
        "length": float(np.median([len(p.ids) for p in pasted])),
        "watermarked_share": watermarked_share,
    }
    if isinstance(scheme, GreenmarkScheme):
        results = scheme.detector.detect_tokens_many([p.ids for p in pasted], spans=True)
        p_values = np.array([r.p_value for r in results])
        ious = np.array(
            [
                span_iou([(s.start_token, s.end_token) for s in r.spans], truth)
                for r, truth in zip(results, truths, strict=True)
            ]
        )
        located = (p_values < 1e-4) & (np.nan_to_num(ious) >= LOCATED_IOU)
        row.update(median_iou=float(np.nanmedian(ious)), located_at_1e_4=float(located.mean()))
    else:
        p_values = scheme.score_tokens([p.ids for p in pasted]).p_value
    row["detected"] = _rates(p_values)
    return row


def _quality(model, samples: list[Sample], oracle=None) -> dict:
    sequences = [(np.concatenate([s.prompt_ids, s.ids]), len(s.prompt_ids)) for s in samples]
    continuations = [s.ids for s in samples]
    quality = {
        "perplexity": float(np.nanmedian(perplexities(model, sequences))),
        "distinct_2": distinct_n(continuations, 2),
        "distinct_3": distinct_n(continuations, 3),
        "repetition_rate_4": repetition_rate(continuations, 4),
        "mean_tokens": float(np.mean([len(ids) for ids in continuations])),
    }
    if oracle is not None:
        oracle_model, oracle_tokenizer = oracle
        oracle_sequences = []
        for s in samples:
            prompt = oracle_tokenizer(s.prompt, add_special_tokens=False)["input_ids"]
            continuation = oracle_tokenizer(s.text, add_special_tokens=False)["input_ids"]
            oracle_sequences.append((prompt + continuation, len(prompt)))
        quality["oracle_perplexity"] = float(np.nanmedian(perplexities(oracle_model, oracle_sequences)))
    return quality


@dataclass(frozen=True)
class HumanData:
    """Prompts and token material from human-dev: FPR chunks, copy-paste hosts and pieces, the token stream."""

    prompts: list[str]
    chunks: list[np.ndarray]
    hosts: list[np.ndarray]
    pieces: list[np.ndarray]
    stream: np.ndarray


def _human_data(config: SuiteConfig, tokenizer, seed: int) -> HumanData:
    """Disjoint stretches of the human-dev token stream: FPR chunks, then copy-paste hosts, then pieces."""
    books = human_texts()
    length, count = config.max_new_tokens, config.num_prompts
    needed = config.num_human_chunks * length + count * (config.copy_paste_length + length)
    stream = token_stream(books, tokenizer, needed)
    if len(stream) < needed:
        raise ValueError(f"human-dev has {len(stream)} tokens; the {config.name!r} suite needs {needed}")
    chunks = token_chunks(stream, length, config.num_human_chunks)
    skip = len(chunks) * length
    hosts = token_chunks(stream, config.copy_paste_length, count, skip=skip)
    pieces = token_chunks(stream, length, count, skip=skip + len(hosts) * config.copy_paste_length)
    prompts = prompts_from_texts(books, count, config.prompt_words, _seed(seed, "prompts"))
    return HumanData(prompts, chunks, hosts, pieces, stream)


def _generations(model, tokenizer, processor, watermarking_config, prompts, config, seed, track) -> dict:
    """Continuations of every prompt: greenmark-watermarked, unwatermarked, transformers-watermarked, and
    (for the delimiter attack) both watermarks with a delimiter forced after every token, delimiters stripped."""
    runs = {
        "greenmark": {"logits_processors": [processor]},
        "unwatermarked": {},
        "transformers": {"watermarking_config": watermarking_config},
    }
    lengths = dict.fromkeys(runs, config.max_new_tokens)
    if config.delimiter_attack:
        from greenmark.evaluation.delimiter import ForceDelimiter, delimiter_id, strip_delimiter

        delimiter = delimiter_id(tokenizer)
        runs["greenmark delimited"] = {"logits_processors": [processor, ForceDelimiter(delimiter)]}
        runs["transformers delimited"] = {
            "logits_processors": [ForceDelimiter(delimiter)],
            "watermarking_config": watermarking_config,
        }
        lengths |= dict.fromkeys(("greenmark delimited", "transformers delimited"), 2 * config.max_new_tokens)
    generations = {}
    for name, options in runs.items():
        stage = f"generating ({name})"
        track(stage, 0, len(prompts))
        generations[name] = generate_samples(
            model,
            tokenizer,
            prompts,
            lengths[name],
            _seed(seed, "generate", lengths[name]),
            config.batch_size,
            advance=lambda done, stage=stage: track(stage, done, len(prompts)),
            **options,
        )
        if name.endswith("delimited"):
            generations[name] = [replace(s, ids=strip_delimiter(s.ids, delimiter)) for s in generations[name]]
    return generations


def _evaluate_scheme(scheme, generations, human: HumanData, attacks, config, seed, track) -> tuple[dict, dict]:
    """One watermark's results and plot curves: unattacked, false positives, attacks, copy-paste."""
    samples = generations[scheme.name]
    stage = f"detecting ({scheme.name})"
    steps = 3 + len(attacks)
    track(stage, 0, steps)
    watermarked = scheme.score_tokens([s.ids for s in samples])
    human_scores = scheme.score_tokens(human.chunks)
    unwatermarked = scheme.score_tokens([s.ids for s in generations["unwatermarked"]])
    speed, z_curve = _speed(scheme, samples)
    track(stage, 1, steps)
    attack_rows = []
    for index, attack in enumerate(attacks):
        scores = _attacked_scores(scheme, attack, samples, seed)
        attack_rows.append(_attack_row(attack.family, attack.strength, scores, attack.label))
        track(stage, 2 + index, steps)
    if f"{scheme.name} delimited" in generations:
        delimited = scheme.score_tokens([s.ids for s in generations[f"{scheme.name} delimited"]])
        attack_rows.append(_attack_row("emoji/delimiter attack", None, delimited))
    pasted = _copy_paste(scheme, samples, human.hosts, human.pieces, config, seed)
    track(stage, steps, steps)
    positive, negative = detection_score(watermarked.p_value), detection_score(human_scores.p_value)
    fpr, tpr = roc_curve(positive, negative)
    results = {
        "unattacked": {
            "tpr": _rates(watermarked.p_value),
            "auc_vs_human": roc_auc(positive, negative),
            "auc_vs_unwatermarked": roc_auc(positive, detection_score(unwatermarked.p_value)),
            "median_z": float(np.median(watermarked.z_score)),
            "median_scored_tokens": float(np.median(watermarked.num_scored_tokens)),
            "median_tokens_to_detect": speed,
        },
        "false_positives_human": _false_positives(human_scores),
        "false_positives_unwatermarked": _false_positives(unwatermarked),
        "attacks": attack_rows,
        "copy_paste": pasted,
    }
    return results, {"roc": {"fpr": fpr.tolist(), "tpr": tpr.tolist()}, "z_by_tokens": z_curve}


def run_suite(
    config: SuiteConfig | str = "quick",
    seed: int = 0,
    oracle_model: str | None = None,
    track: Tracker = lambda stage, done, total: None,
) -> dict:
    """Run the evaluation and return its results (plain JSON types, plus ``curves`` for the plots)."""
    from transformers.generation import WatermarkingConfig

    from greenmark.generator import WatermarkedGenerator, load_default_model, load_model
    from greenmark.generator.generator import logits_width

    config = SUITES[config] if isinstance(config, str) else config
    started = time.monotonic()
    track("loading the model and human text", 0, 1)
    model, tokenizer = load_default_model(device="cpu")
    oracle = load_model(oracle_model, device="cpu") if oracle_model else None
    key = evaluation_key(seed)
    spec = WatermarkSpec.for_tokenizer(tokenizer, vocab_size=logits_width(model), gamma=GAMMA, delta=DELTA)
    generator = WatermarkedGenerator(model, tokenizer, key, spec)
    greenmark = GreenmarkScheme(spec, key, tokenizer)
    transformers_scheme = TransformersScheme(spec.vocab_size, GAMMA, DELTA, greenmark.detector.tokenizer)
    human = _human_data(config, greenmark.detector.tokenizer, seed)
    special = sorted(greenmark.detector.tokenizer.special_ids)
    attacks = build_attacks(
        config.attacks,
        uniform_distribution(spec.vocab_size, special),
        unigram_distribution(human.stream, spec.vocab_size, special),
    )
    track("loading the model and human text", 1, 1)

    watermarking_config = WatermarkingConfig(**transformers_scheme.config.to_dict())
    generations = _generations(
        model, tokenizer, generator.processor, watermarking_config, human.prompts, config, seed, track
    )
    schemes, curves = {}, {}
    for scheme in (greenmark, transformers_scheme):
        schemes[scheme.name], curves[scheme.name] = _evaluate_scheme(
            scheme, generations, human, attacks, config, seed, track
        )
    measured = ("greenmark", "unwatermarked", "transformers")
    quality = {}
    for index, name in enumerate(measured):
        track("measuring quality", index, len(measured))
        quality[name] = _quality(model, generations[name], oracle)
    track("measuring quality", len(measured), len(measured))

    return {
        "suite": config.name,
        "seed": seed,
        "settings": {
            **asdict(config),
            "gamma": GAMMA,
            "delta": DELTA,
            "scheme": spec.scheme,
            "context_width": spec.context_width,
            "key_id": key.key_id,
            "alphas": list(ALPHAS),
            "oracle_model": oracle_model,
            "num_human_chunks_used": len(human.chunks),
        },
        "schemes": schemes,
        "quality": quality,
        "curves": curves,
        "seconds": round(time.monotonic() - started, 1),
    }
