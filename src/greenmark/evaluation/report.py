"""The Markdown report of a suite's results: detection, false positives, attacks, copy-paste,
quality, and the project's goals met or missed.

>>> percent(0.9995), percent(float("nan"))
('99.95%', 'n/a')
"""

from __future__ import annotations

import math

SCHEME_TITLES = {"greenmark": "greenmark", "transformers": "transformers WatermarkingConfig"}
GOALS_ALPHA = "0.0001"


def percent(value: float) -> str:
    """A rate as a percentage with up to two decimals."""
    if value is None or math.isnan(value):
        return "n/a"
    return f"{100 * value:.2f}".rstrip("0").rstrip(".") + "%"


def _tokens(value: float) -> str:
    return "never" if math.isinf(value) else f"{value:g}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def _rates(tpr: dict) -> str:
    return " / ".join(percent(value) for value in tpr.values())


def goals(results: dict) -> list[tuple[str, bool, str]]:
    """The issue's goals for greenmark on the default model: ``(goal, met, measured)``."""
    scheme = results["schemes"]["greenmark"]
    unattacked = scheme["unattacked"]
    speed = unattacked["median_tokens_to_detect"]
    checks = [
        (
            "TPR >= 99.9% at FPR 1e-6, unattacked",
            unattacked["tpr"]["1e-06"] >= 0.999,
            percent(unattacked["tpr"]["1e-06"]),
        ),
        ("median tokens-to-detect <= 25 at p = 0.02", speed["0.02"] <= 25, _tokens(speed["0.02"])),
        ("median tokens-to-detect <= 80 at p = 1e-6", speed["1e-06"] <= 80, _tokens(speed["1e-06"])),
    ]
    for row in scheme["attacks"]:
        if row["family"] == "token substitution (uniform)" and row["strength"] == 0.3:
            value = row["tpr"][GOALS_ALPHA]
            checks.append(("30% token substitution: TPR >= 95% at FPR 1e-4", value >= 0.95, percent(value)))
    for row in scheme["copy_paste"]:
        if row["direction"] == "watermarked into human" and row["fraction"] == 0.25:
            value = row["located_at_1e_4"]
            label = (
                f"copy-paste 25% of {row['length']:g} tokens ({row['num_spans']} span(s)): located and detected >= 95%"
            )
            checks.append((label + " at FPR 1e-4", value >= 0.95, percent(value)))
    return checks


def markdown_report(results: dict) -> str:
    """The whole report as Markdown."""
    settings = results["settings"]
    schemes = results["schemes"]
    lines = [
        f"# greenmark evaluation: suite `{results['suite']}`, seed {results['seed']}",
        "",
        f"Default model, {settings['num_prompts']} prompts from human-dev, {settings['max_new_tokens']} new tokens "
        f"(temperature 1, no top-k/top-p), gamma {settings['gamma']}, delta {settings['delta']}, "
        f"{settings['scheme']} h = {settings['context_width']}; {settings['num_human_chunks_used']} human-dev chunks "
        f"of {settings['max_new_tokens']} tokens for false positives. Both watermarks are scored by the same exact "
        f"binomial test on distinct (context, token) pairs; TPR at FPR alpha is the share with p < alpha. "
        f"Ran in {results['seconds']:g} s. "
        f"Reproduce: `greenmark eval --suite {results['suite']} --seed {results['seed']}`.",
        "",
        "## Detection, unattacked",
        "",
    ]
    rows = []
    for name, scheme in schemes.items():
        unattacked = scheme["unattacked"]
        speed = unattacked["median_tokens_to_detect"]
        rows.append(
            [
                SCHEME_TITLES.get(name, name),
                _rates(unattacked["tpr"]),
                f"{unattacked['auc_vs_human']:.4f}",
                f"{unattacked['auc_vs_unwatermarked']:.4f}",
                f"{unattacked['median_z']:.2f}",
                f"{unattacked['median_scored_tokens']:g}",
                _tokens(speed["0.02"]),
                _tokens(speed["1e-06"]),
            ]
        )
    lines += _table(
        [
            "watermark",
            "TPR at FPR 1e-2 / 1e-4 / 1e-6",
            "AUC vs human",
            "AUC vs unwatermarked",
            "median z",
            "median scored tokens",
            "median tokens to p<0.02",
            "to p<1e-6",
        ],
        rows,
    )
    lines += ["", "## False positives (exact 95% Clopper-Pearson intervals)", ""]
    rows = []
    for name, scheme in schemes.items():
        for source, key in (
            ("human-dev", "false_positives_human"),
            ("unwatermarked generations", "false_positives_unwatermarked"),
        ):
            for alpha, estimate in scheme[key].items():
                rows.append(
                    [
                        SCHEME_TITLES.get(name, name),
                        source,
                        alpha,
                        f"{estimate['count']}/{estimate['trials']}",
                        f"{estimate['rate']:.2g} [{estimate['low']:.2g}, {estimate['high']:.2g}]",
                    ]
                )
    lines += _table(["watermark", "negatives", "alpha", "flagged", "rate [95% CI]"], rows)
    lines += ["", "## Attacks: TPR at FPR 1e-2 / 1e-4 / 1e-6", ""]
    names = list(schemes)
    by_label = [{row["label"]: row for row in schemes[name]["attacks"]} for name in names]
    rows = [
        [label, *(f"{_rates(table[label]['tpr'])} (z {table[label]['median_z']:.1f})" for table in by_label)]
        for label in by_label[0]
    ]
    lines += _table(["attack", *(f"{SCHEME_TITLES.get(n, n)} (median z)" for n in names)], rows)
    lines += [
        "",
        "## Copy-paste: detected at FPR 1e-2 / 1e-4 / 1e-6",
        "",
        "greenmark searches windows (p corrected for every window) and reports spans; 'located' means detected "
        "at 1e-4 with span IoU >= 0.5 against the watermarked tokens. transformers scores the whole text.",
        "",
    ]
    rows = []
    for index, row in enumerate(schemes["greenmark"]["copy_paste"]):
        others = [_rates(schemes[name]["copy_paste"][index]["detected"]) for name in names[1:]]
        rows.append(
            [
                row["direction"],
                f"{row['fraction']:g} of {row['length']:g}",
                str(row["num_spans"]),
                percent(row["watermarked_share"]),
                _rates(row["detected"]),
                percent(row["located_at_1e_4"]),
                f"{row['median_iou']:.2f}",
                *others,
            ]
        )
    lines += _table(
        [
            "pasted",
            "fraction of tokens",
            "spans",
            "watermarked share",
            "greenmark detected",
            "greenmark located",
            "median IoU",
            *(f"{SCHEME_TITLES.get(n, n)} detected" for n in names[1:]),
        ],
        rows,
    )
    lines += ["", "## Quality of the generations", ""]
    oracle = settings.get("oracle_model")
    rows = []
    for name, quality in results["quality"].items():
        rows.append(
            [
                SCHEME_TITLES.get(name, name),
                f"{quality['perplexity']:.2f}",
                *([f"{quality['oracle_perplexity']:.2f}"] if oracle else []),
                f"{quality['distinct_2']:.3f}",
                f"{quality['distinct_3']:.3f}",
                f"{quality['repetition_rate_4']:.3f}",
                f"{quality['mean_tokens']:.1f}",
            ]
        )
    lines += _table(
        [
            "generation",
            "median perplexity (default model)",
            *([f"median perplexity ({oracle})"] if oracle else []),
            "distinct-2",
            "distinct-3",
            "repeated 4-grams",
            "mean tokens",
        ],
        rows,
    )
    lines += ["", "## Goals (greenmark, default model)", ""]
    lines += _table(
        ["goal", "met", "measured"], [[goal, "yes" if met else "**no**", value] for goal, met, value in goals(results)]
    )
    return "\n".join(lines) + "\n"
