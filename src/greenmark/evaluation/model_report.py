"""The Markdown report of a model suite's results: detection (whole answers and by length), quality,
the paraphrase attack and the model-free attacks, one row or column per watermark.

>>> interval({"rate": 0.9, "low": 0.8, "high": 0.95, "trials": 40})
'90% [80, 95] (n 40)'
"""

from __future__ import annotations

import math

from greenmark.evaluation.report import percent

QUALITY_PLOT_ALPHA = "1e-06"
QUALITY_PLOT_LENGTH = "128"


def interval(estimate: dict) -> str:
    """A rate with its 95% interval in percent and its number of trials; ``-`` without trials."""
    if not estimate["trials"]:
        return "-"
    low, high = (f"{100 * estimate[side]:.0f}" for side in ("low", "high"))
    return f"{percent(estimate['rate'])} [{low}, {high}] (n {estimate['trials']})"


def _count(estimate: dict) -> str:
    return f"{estimate['count']}/{estimate['trials']}"


def _tokens(value: float) -> str:
    return "never" if math.isinf(value) else f"{value:g}"


def _change(ratio: float) -> str:
    return "n/a" if math.isnan(ratio) else f"{ratio:.2f} ({100 * (ratio - 1):+.0f}%)"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def _detection(watermarks: dict, alphas: list[str]) -> list[str]:
    rows = []
    for label, entry in watermarks.items():
        detection = entry["detection"]
        speed = detection["median_tokens_to_detect"]
        rows.append(
            [
                label,
                " / ".join(percent(detection["tpr"][a]["rate"]) for a in alphas),
                f"{detection['median_scored_tokens']:g}",
                _tokens(speed["0.02"]),
                _tokens(speed["1e-06"]),
                " / ".join(_count(detection["false_positives_unwatermarked"][a]) for a in alphas),
            ]
        )
    header = [
        "watermark",
        "TPR at FPR " + " / ".join(alphas) + " (whole answers)",
        "median scored tokens",
        "median tokens to p<0.02",
        "to p<1e-6",
        "unwatermarked answers flagged",
    ]
    return _table(header, rows)


def _by_length(watermarks: dict, alpha: str, lengths: list[str]) -> list[str]:
    rows = [
        [label, *(interval(entry["detection"]["tpr_by_length"][length][alpha]) for length in lengths)]
        for label, entry in watermarks.items()
    ]
    return _table(["watermark", *(f"{length} tokens" for length in lengths)], rows)


def _quality(results: dict) -> list[str]:
    reference = results["unwatermarked"]["quality"]
    rows = [["unwatermarked", f"{reference['oracle_perplexity']:.2f}", "1", *_diversity(reference)]]
    for label, entry in results["watermarks"].items():
        quality = entry["quality"]
        rows.append(
            [label, f"{quality['oracle_perplexity']:.2f}", _change(quality["perplexity_ratio"]), *_diversity(quality)]
        )
    header = [
        "answers",
        "oracle perplexity (median)",
        "ratio to unwatermarked",
        "distinct-2 across 5 samples",
        "distinct-2",
        "repeated 4-grams",
        "mean tokens",
    ]
    return _table(header, rows)


def _diversity(quality: dict) -> list[str]:
    return [
        f"{quality['distinct_2_across_samples']:.3f}",
        f"{quality['distinct_2']:.3f}",
        f"{quality['repetition_rate_4']:.3f}",
        f"{quality['mean_tokens']:.0f}",
    ]


def _paraphrase(watermarks: dict) -> list[str]:
    rows = []
    for label, entry in watermarks.items():
        para = entry.get("paraphrase")
        if para and para["count"]:
            rows.append(
                [
                    label,
                    str(para["count"]),
                    percent(para["tpr_before"]["0.0001"]["rate"]),
                    interval(para["tpr_after"]["0.0001"]),
                    f"{para['median_z_after']:.1f}",
                    f"{para['median_similarity']:.2f}",
                ]
            )
    header = ["watermark", "answers", "TPR at 1e-4 before", "after paraphrase", "median z after", "similarity (median)"]
    return _table(header, rows) if rows else ["(not run)"]


def _attacks(watermarks: dict) -> list[str]:
    attacked = {label: entry for label, entry in watermarks.items() if "attacks" in entry}
    if not attacked:
        return ["(not run)"]
    tables = [{row["label"]: row for row in entry["attacks"]} for entry in attacked.values()]
    rows = [[label, *(percent(table[label]["tpr"]["0.0001"]) for table in tables)] for label in tables[0]]
    return _table(["attack", *attacked], rows)


def model_report(results: dict) -> str:
    """The whole report as Markdown."""
    settings = results["settings"]
    alphas = [f"{a:g}" for a in settings["alphas"]]
    lengths = [str(length) for length in settings["length_buckets"]]
    kinds = sorted(set(settings["prompt_kinds"]))
    lines = [
        f"# greenmark model evaluation: `{results['model']}` ({results['model_type']}), suite `{results['suite']}`",
        "",
        f"{settings['num_prompts']} chat prompts ({', '.join(kinds)}), up to {settings['max_new_tokens']} new tokens, "
        f"no top-k/top-p cut, gamma {settings['gamma']}, one key ({settings['key_id']}). The first "
        f"{settings['diversity_prompts']} prompts are answered {settings['diversity_samples']} times for diversity. "
        "TPR at FPR alpha is the share of watermarked answers with the exact p-value below alpha (the threshold "
        "comes from the null, never from the answers). Length buckets cut each answer to its first N scored "
        "tokens and leave out shorter answers; intervals are exact (Clopper-Pearson) 95%. greenmark's bias "
        "applies before temperature, transformers' after it. "
        f"Ran in {results['seconds']:g} s. Command: `{results.get('command', 'greenmark eval')}`.",
    ]
    for temperature, block in results["temperatures"].items():
        watermarks = block["watermarks"]
        lines += ["", f"## Temperature {temperature}", "", "### Detection", ""]
        lines += _detection(watermarks, alphas)
        for alpha in alphas:
            lines += ["", f"### TPR at FPR {alpha} by length (scored tokens)", ""]
            lines += _by_length(watermarks, alpha, lengths)
        lines += ["", "### Quality", ""]
        lines += _quality(block)
        if any("attacks" in entry for entry in watermarks.values()):
            lines += ["", "### Paraphrase by the same model, unwatermarked", ""]
            lines += _paraphrase(watermarks)
            lines += ["", "### Model-free attacks: TPR at FPR 1e-4", ""]
            lines += _attacks(watermarks)
    return "\n".join(lines) + "\n"


def quality_detectability_points(results: dict) -> list[dict]:
    """Per temperature and watermark: its perplexity ratio and TPR at FPR 1e-6 when cut to 128 scored tokens.

    >>> block = {"watermarks": {"lefthash delta 2": {"scheme": "lefthash", "delta": 2.0, "quality":
    ...     {"perplexity_ratio": 1.5}, "detection": {"tpr_by_length": {"128": {"1e-06": {"rate": 0.9}}}}}}}
    >>> quality_detectability_points({"temperatures": {"0.7": block}})[0]["tpr"]
    0.9
    """
    return [
        {
            "temperature": temperature,
            "label": label,
            "scheme": entry["scheme"],
            "delta": entry["delta"],
            "perplexity_ratio": entry["quality"]["perplexity_ratio"],
            "tpr": entry["detection"]["tpr_by_length"][QUALITY_PLOT_LENGTH][QUALITY_PLOT_ALPHA]["rate"],
        }
        for temperature, block in results["temperatures"].items()
        for label, entry in block["watermarks"].items()
    ]
