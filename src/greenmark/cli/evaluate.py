"""``greenmark eval``: run the evaluation suite and write results.json, report.md and PNG plots.

Needs the ``[generate]`` extra (torch, transformers) and matplotlib, imported only when the
command runs, and the corpus's ``human-dev`` books (``GREENMARK_CORPUS`` or ``../shared/corpus``).
"""

from __future__ import annotations

import json
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

SUITE_NAMES = ("quick", "full")


@click.command("eval")
@click.option("--suite", type=click.Choice(SUITE_NAMES), default="quick", help="quick: <= 5 minutes on 2 cores.")
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
def evaluate(suite, out, seed, oracle_model, as_json, quiet) -> None:
    """Measure detection power, false positives, robustness to attacks and text quality.

    Generates with the embedded model (greenmark's watermark, none, and transformers' built-in
    one with the same gamma and delta), attacks and detects, and prints the Markdown report
    (--json: the results). The same suite and seed give the same numbers.
    """
    try:
        from transformers.utils import logging as transformers_logging

        from greenmark.evaluation.plots import write_plots
        from greenmark.evaluation.report import markdown_report
        from greenmark.evaluation.suite import run_suite
    except ImportError as error:
        raise InputError(f"eval needs the [generate] extra and matplotlib: {error}") from None
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
            results = run_suite(suite, seed=seed, oracle_model=oracle_model, track=track)
        except FileNotFoundError as error:
            raise InputError(f"eval needs the human-dev corpus: {error}") from None
        except ValueError as error:  # a corpus too small for the suite
            raise InputError(str(error)) from None

    report = markdown_report(results)
    (out / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    (out / "report.md").write_text(report, encoding="utf-8")
    plots = write_plots(results, out)
    if as_json:
        echo_json({name: value for name, value in results.items() if name != "curves"})
    else:
        click.echo(report, nl=False)
    written = ", ".join(str(path) for path in [out / "results.json", out / "report.md", *plots])
    note(f"wrote {written} in {results['seconds']:g} s", quiet)
