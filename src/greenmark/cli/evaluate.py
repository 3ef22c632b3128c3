"""``greenmark eval``: run an evaluation suite and write results.json, report.md and PNG plots.

Without ``--model``: the robustness suite on the embedded model, prompted with the corpus's
``human-dev`` books (``GREENMARK_CORPUS`` or ``../shared/corpus``). With ``--model``: the model
suite, every watermark of the catalog side by side on that model answering chat prompts.
Needs the ``[eval]`` extra (torch, transformers, matplotlib, the MiniLM sentence encoder),
imported only when the command runs.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import replace
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from greenmark.cli.common import (
    InputError,
    check_output_path,
    echo_json,
    json_option,
    note,
    quiet_option,
    stderr_console,
)
from greenmark.evaluation.scheme_catalog import SCHEME_CATALOG

SUITE_NAMES = ("quick", "full")


@click.command("eval")
@click.option("--suite", type=click.Choice(SUITE_NAMES), default="quick", help="quick: <= 5 minutes on 2 cores.")
@click.option(
    "--model",
    "model_name",
    default=None,
    help="Run the model suite on this model: 'default' (the embedded one), smollm2, a .gguf file or a model "
    "directory. Without it: the robustness suite on the embedded model.",
)
@click.option(
    "--temperature",
    "temperatures",
    type=click.FloatRange(min=0, min_open=True),
    multiple=True,
    help="[--model] Sampling temperature; repeat for several (suite default: 0.7 and 1.0).",
)
@click.option("--max-new-tokens", type=click.IntRange(1), default=None, help="[--model] Longest answer, in tokens.")
@click.option("--prompts", "num_prompts", type=click.IntRange(1), default=None, help="[--model] Number of prompts.")
@click.option(
    "--scheme",
    "schemes",
    type=click.Choice(list(SCHEME_CATALOG)),
    multiple=True,
    help="[--model] Watermark scheme to compare; repeat for several (default: all).",
)
@click.option(
    "--delta",
    "deltas",
    type=click.FloatRange(min=0, min_open=True),
    multiple=True,
    help="[--model] Green-list bias; repeat for several (default: 1, 2 and 4).",
)
@click.option(
    "--diversity-prompts",
    type=click.IntRange(0),
    default=None,
    help="[--model] Prompts answered 5 times for distinct-2 across samples.",
)
@click.option(
    "--paraphrases",
    type=click.IntRange(0),
    default=None,
    help="[--model] Watermarked answers per watermark the model paraphrases (0: no paraphrase attack).",
)
@click.option(
    "--threads",
    type=click.IntRange(1),
    default=None,
    help="torch CPU threads (1 is much faster on a busy machine); default: torch's choice.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("eval-results"),
    help="Directory for results.json, report.md and the plots (created if missing; its parent must exist).",
)
@click.option("--seed", type=int, default=0, help="Seeds the key, prompts, sampling and attacks.")
@click.option("--oracle-model", default=None, help="Also measure perplexity under this causal LM (path or hub name).")
@json_option
@quiet_option
def evaluate(suite, model_name, out, seed, oracle_model, threads, as_json, quiet, **model_settings) -> None:
    """Measure detection power, false positives, robustness to attacks and text quality.

    Without --model: generates with the embedded model (greenmark's watermark, none, and
    transformers' built-in one with the same gamma and delta) from human-dev openings, attacks
    and detects. With --model: that model answers chat prompts with every watermark of the
    catalog at every delta, and its answers are measured side by side. Prints the Markdown report
    (--json: the results). The same suite, settings and seed give the same numbers.
    """
    overrides = {name: value for name, value in model_settings.items() if value not in (None, ())}
    if overrides and model_name is None:
        options = {param.name: param.opts[0] for param in click.get_current_context().command.params}
        raise InputError(f"{options[next(iter(overrides))]} applies to the model suite: add --model")
    try:
        import torch
        from transformers.utils import logging as transformers_logging

        from greenmark.evaluation.model_report import model_report
        from greenmark.evaluation.model_suite import MODEL_SUITES, run_model_suite
        from greenmark.evaluation.plots import quality_detectability_plot, write_plots
        from greenmark.evaluation.report import markdown_report
        from greenmark.evaluation.suite import run_suite
        from greenmark.generator import GenerationError
    except ImportError as error:
        raise InputError(f"eval needs the [eval] extra: {error}") from None
    if oracle_model is not None and model_name is not None:
        raise InputError("--oracle-model applies without --model (the model suite's oracle is the model itself)")
    if threads:
        torch.set_num_threads(threads)
    if model_name is not None:
        try:
            config = replace(MODEL_SUITES[suite], **overrides)
        except ValueError as error:
            raise InputError(str(error)) from None
    transformers_logging.disable_progress_bar()  # our progress bars replace its weight-loading bar
    try:
        check_output_path(out).mkdir(exist_ok=True)
    except OSError as error:
        raise InputError(f"cannot create {out}: {error.strerror or error}") from None

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr_console(),
        disable=quiet,
    )
    tasks: dict[str, int] = {}

    def track(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = progress.add_task(stage, total=total)
        progress.update(tasks[stage], completed=done, total=total)

    with progress:
        try:
            if model_name is None:
                results = run_suite(suite, seed=seed, oracle_model=oracle_model, track=track)
            else:
                results = run_model_suite(model_name, config, seed=seed, track=track)
        except FileNotFoundError as error:
            raise InputError(f"eval needs the human-dev corpus: {error}") from None
        except (ValueError, GenerationError) as error:  # a corpus too small for the suite, a model that won't load
            raise InputError(str(error)) from None

    if model_name is None:
        report = markdown_report(results)
        plots = write_plots(results, out)
    else:
        results["command"] = _command_line(click.get_current_context())
        report = model_report(results)
        plots = [out / "quality_detectability.png"]
        quality_detectability_plot(results, plots[0])
    (out / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    (out / "report.md").write_text(report, encoding="utf-8")
    if as_json:
        echo_json({name: value for name, value in results.items() if name != "curves"})
    else:
        click.echo(report, nl=False)
    written = ", ".join(str(path) for path in [out / "results.json", out / "report.md", *plots])
    note(f"wrote {written} in {results['seconds']:g} s", quiet)


def _command_line(context: click.Context) -> str:
    """The ``greenmark eval`` command that reproduces this run: every option that differs from its default."""
    words = ["greenmark", "eval"]
    for param in context.command.params:
        value = context.params[param.name]
        if value in (param.default, (), None) or param.name in ("quiet", "as_json"):
            continue
        for item in value if param.multiple else [value]:
            words += (
                [param.opts[0]]
                if param.is_flag
                else [param.opts[0], f"{item:g}" if isinstance(item, float) else str(item)]
            )
    return shlex.join(words)
