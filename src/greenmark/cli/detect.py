"""``greenmark detect``: test files, directories, stdin or strings for the watermark of a tenant's keys."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from greenmark import __version__
from greenmark.cli.common import (
    Document,
    InputError,
    echo_json,
    is_binary,
    new_table,
    note,
    progress_bar,
    quiet_option,
    stdout_console,
    tenant_keyring,
    tenant_option,
)
from greenmark.store import TenantKeyring
from greenmark.watermark import DEFAULT_ALPHA, DetectionResult, TextTokenizer, default_tokenizer

BATCH_SIZE = 32
EXIT_STATUS = """\b
Exit status:
  0  no watermark found in any input (or --exit-zero)
  1  a watermark found in at least one input
  2  usage or input error (unreadable, binary or empty input; unknown tenant key; key store error)
"""


@click.command(epilog=EXIT_STATUS)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--text", "texts", multiple=True, help="A text to test (repeatable), besides any PATH.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document with every result.")
@click.option("--jsonl", "as_jsonl", is_flag=True, help="Print one JSON object per input and line.")
@click.option(
    "--alpha",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=DEFAULT_ALPHA,
    help="Family-wise false-positive rate per input, over every key (and window) tested.",
)
@click.option(
    "--spans",
    is_flag=True,
    help="Also locate watermarked stretches pasted into longer text (more tests to correct for).",
)
@tenant_option("Tenant whose keys are tested (every non-retired version).")
@click.option(
    "--tokenizer",
    "tokenizer_paths",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Tokenizer (tokenizer.json or a model directory) for keys made for another model than the default one.",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when a watermark is found (errors still exit 2).")
@quiet_option
def detect(paths, texts, as_json, as_jsonl, alpha, spans, tenant, tokenizer_paths, exit_zero, quiet) -> None:
    """Test files, directories, stdin or strings for a watermark.

    PATHs are files, directories (searched recursively) or - for stdin; with no PATH and no
    --text, reads stdin. Each input is tested against every active and verify-only key
    of the tenant; its p-value is corrected for all of them. Directories yield their text files
    (hidden and binary files are skipped); a named file must be UTF-8 text.
    """
    if as_json and as_jsonl:
        raise click.UsageError("--json and --jsonl exclude each other")
    documents = _read_inputs(paths, texts, quiet)
    tokenizers = [default_tokenizer(), *(TextTokenizer.wrap(path) for path in tokenizer_paths)]
    keyring = tenant_keyring(tenant, tokenizers)

    results = []
    with progress_bar(len(documents), quiet) as progress:
        task = progress.add_task("Detecting", total=len(documents))
        for start in range(0, len(documents), BATCH_SIZE):
            batch = documents[start : start + BATCH_SIZE]
            results += keyring.detect_many([d.text for d in batch], spans=spans, alpha=alpha)
            progress.advance(task, len(batch))

    records = [_record(d, r, keyring) for d, r in zip(documents, results, strict=True)]
    if as_json:
        summary = {"greenmark_version": __version__, "tenant": tenant, "alpha": alpha, "keys_tested": keyring.key_ids}
        echo_json({**summary, "results": records})
    elif as_jsonl:
        for record in records:
            click.echo(json.dumps(record))
    elif not quiet:
        _print_table(documents, results, keyring, alpha)
    if any(result.is_watermarked for result in results) and not exit_zero:
        click.get_current_context().exit(1)


def _read_inputs(paths: tuple[Path, ...], texts: tuple[str, ...], quiet: bool) -> list[Document]:
    if not paths and not texts:
        if sys.stdin.isatty():
            raise click.UsageError("no input: give PATHs, - for stdin, or --text")
        paths = (Path("-"),)
    if sum(str(path) == "-" for path in paths) > 1:
        raise click.UsageError("stdin (-) can be read only once")
    documents = []
    for path in paths:
        if str(path) != "-" and path.is_dir():
            found = _directory_documents(path, quiet)
            if not found:
                raise InputError(f"{path} holds no text file")
            documents += found
        else:
            documents.append(Document.from_path(path))
    for number, text in enumerate(texts, start=1):
        if not text.strip():
            raise InputError(f"--text #{number} is empty")
        documents.append(Document(f"--text #{number}", text))
    return documents


def _directory_documents(directory: Path, quiet: bool) -> list[Document]:
    """Every non-hidden text file under ``directory``, sorted; binary files are skipped with a note."""
    documents = []
    for path in sorted(directory.rglob("*")):
        if any(part.startswith(".") for part in path.relative_to(directory).parts) or not path.is_file():
            continue
        try:
            data = path.read_bytes()
        except OSError as error:
            raise InputError(f"cannot read {path}: {error.strerror or error}") from None
        if is_binary(data):
            note(f"skipped binary file {path}", quiet)
            continue
        documents.append(Document.from_bytes(str(path), data))
    return documents


def _record(document: Document, result: DetectionResult, keyring: TenantKeyring) -> dict:
    stored = keyring.stored.get(result.key_id)
    return {
        "input": document.name,
        **result.to_dict(),
        "key_name": stored.name if stored else None,
        "key_version": stored.version if stored else None,
    }


def _print_table(documents, results, keyring: TenantKeyring, alpha: float) -> None:
    table = new_table(
        "Input",
        "Verdict",
        "p-value",
        "z",
        "Scored",
        "Green",
        "Key",
        "Notes",
        caption=f"{len(keyring.key_ids)} key(s) tested; p-values corrected for every test; alpha = {alpha:g} per input",
    )
    styles = {"watermarked": "bold red", "not_watermarked": "green", "insufficient_evidence": "yellow"}
    for document, result in zip(documents, results, strict=True):
        notes = [f"normalised: {', '.join(result.normalizations)}"] if result.normalizations else []
        notes += [
            f"span chars {span.start_char}-{span.end_char} p={span.p_value:.2g} ({keyring.stored[span.key_id].name})"
            for span in result.spans
        ]
        table.add_row(
            document.name,
            f"[{styles[result.decision]}]{result.decision.replace('_', ' ')}[/]",
            f"{result.p_value:.3g}",
            f"{result.z_score:.2f}",
            str(result.num_scored_tokens),
            f"{result.green_fraction:.0%}",
            keyring.label(result.key_id) if result.key_id else "-",
            "\n".join(notes),
        )
    stdout_console().print(table)
