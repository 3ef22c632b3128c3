"""PNG plots of a suite's results (matplotlib, Agg backend): ROC curves, TPR against attack
strength, and the z-score against the number of tokens observed."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display; chosen before pyplot is imported
import matplotlib.pyplot as plt

PLOT_ALPHA = "0.0001"


def roc_plot(results: dict, path: Path) -> None:
    """ROC curves (watermarked generations against human-dev chunks), FPR on a log axis."""
    figure, axes = plt.subplots(figsize=(6, 4.5))
    for name, curves in results["curves"].items():
        axes.step(curves["roc"]["fpr"], curves["roc"]["tpr"], where="post", label=name)
    axes.set_xscale("symlog", linthresh=1e-4)  # log scale that still shows FPR = 0
    axes.set(xlabel="false-positive rate (human-dev)", ylabel="true-positive rate", xlim=(0, 1), ylim=(0, 1.02))
    axes.set_title("ROC, unattacked")
    axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def attack_plot(results: dict, path: Path) -> None:
    """TPR at FPR 1e-4 against strength, one panel per watermark, one line per attack family with several strengths."""
    schemes = results["schemes"]
    figure, all_axes = plt.subplots(1, len(schemes), figsize=(6 * len(schemes), 4.5), sharey=True, squeeze=False)
    for axes, (name, scheme) in zip(all_axes[0], schemes.items(), strict=True):
        families = defaultdict(list)
        for row in scheme["attacks"]:
            if row["strength"] is not None and not row["family"].startswith("crop"):
                families[row["family"]].append((row["strength"], row["tpr"][PLOT_ALPHA]))
        for family, points in families.items():
            if len(points) > 1:
                strengths, tprs = zip(*sorted(points), strict=True)
                axes.plot(strengths, tprs, marker="o", label=family)
        axes.set(title=name, xlabel="attack rate", ylabel="TPR at FPR 1e-4", ylim=(-0.02, 1.02))
        axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def z_plot(results: dict, path: Path) -> None:
    """Median z-score (with quartiles) of the watermarked generations after each number of tokens."""
    figure, axes = plt.subplots(figsize=(6, 4.5))
    for name, curves in results["curves"].items():
        curve = curves["z_by_tokens"]
        axes.plot(curve["tokens"], curve["median"], label=name)
        axes.fill_between(curve["tokens"], curve["q25"], curve["q75"], alpha=0.2)
    axes.set(xlabel="tokens observed", ylabel="z-score (median, quartiles)", title="Evidence against tokens")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def write_plots(results: dict, directory: Path) -> list[Path]:
    """Write ``roc.png``, ``attacks.png`` and ``z_by_tokens.png`` into ``directory``; return their paths."""
    paths = [directory / "roc.png", directory / "attacks.png", directory / "z_by_tokens.png"]
    for plot, path in zip((roc_plot, attack_plot, z_plot), paths, strict=True):
        plot(results, path)
    return paths


def quality_detectability_plot(results: dict, path: Path) -> None:
    """A model suite's trade-off: TPR at FPR 1e-6 at 128 scored tokens against the oracle perplexity ratio,
    one point per watermark and delta, one colour per scheme, one marker per temperature."""
    from greenmark.evaluation.model_report import quality_detectability_points

    points = quality_detectability_points(results)
    schemes = list(dict.fromkeys(point["scheme"] for point in points))
    temperatures = list(dict.fromkeys(point["temperature"] for point in points))
    colours = dict(zip(schemes, plt.rcParams["axes.prop_cycle"].by_key()["color"], strict=False))
    markers = dict(zip(temperatures, "osD^v", strict=False))
    figure, axes = plt.subplots(figsize=(6.5, 4.5))
    for point in points:
        label = f"{point['scheme']}, T={point['temperature']}"
        axes.scatter(
            point["perplexity_ratio"],
            point["tpr"],
            color=colours[point["scheme"]],
            marker=markers[point["temperature"]],
            label=label if label not in axes.get_legend_handles_labels()[1] else None,
        )
        if point["delta"] is not None:
            axes.annotate(
                f"δ{point['delta']:g}",
                (point["perplexity_ratio"], point["tpr"]),
                fontsize=7,
                xytext=(4, 2),
                textcoords="offset points",
            )
    axes.axvline(1.0, color="grey", linewidth=0.8, linestyle=":")
    axes.set(
        xlabel="oracle perplexity / unwatermarked (lower is better)",
        ylabel="TPR at FPR 1e-6, first 128 scored tokens",
        ylim=(-0.02, 1.02),
        title=f"Quality against detectability: {results['model']}",
    )
    axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
