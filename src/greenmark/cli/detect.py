"""``greenmark detect``: test files, directories, stdin or strings for the watermark of a tenant's keys."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

import click

from greenmark import __version__
from greenmark.cli.common import (
    Document,
    InputError,
    echo_json,
    import_generator,
    input_name,
    is_binary,
    max_input_bytes_option,
    new_table,
    note,
    progress_bar,
    quiet_option,
    read_input,
    stdout_console,
    tenant_keyring,
    tenant_option,
)
from greenmark.receipts import issue_receipts, text_sha256
from greenmark.store import AuditEntry, KeyStore, TenantKeyring
from greenmark.watermark import DEFAULT_ALPHA, DetectionResult, TextTokenizer, default_tokenizer

BATCH_SIZE = 32
BATCH_CHARS = 2_000_000  # a batch also ends before its texts pass this length (a longer text is a batch alone)
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
@click.option(
    "--model",
    "models",
    multiple=True,
    help="Model (alias, .gguf file, model directory or cached hub name) whose tokenizer keys made for it need "
    "(repeatable).",
)
@click.option(
    "--receipt",
    "receipt_format",
    flag_value="json",
    default=None,
    help="Add a signed receipt to each result (needs --json or --jsonl; verify with `greenmark receipts verify`).",
)
@click.option("--receipt-dsse", "receipt_format", flag_value="dsse", help="Like --receipt, as a DSSE envelope.")
@click.option("--audit", "audit", is_flag=True, help="Append one record per input to the key store's audit log.")
@max_input_bytes_option("a larger input is an error (exit status 2)")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when a watermark is found (errors still exit 2).")
@quiet_option
def detect(
    paths,
    texts,
    as_json,
    as_jsonl,
    alpha,
    spans,
    tenant,
    tokenizer_paths,
    models,
    receipt_format,
    audit,
    max_input_bytes,
    exit_zero,
    quiet,
) -> None:
    """Test files, directories, stdin or strings for a watermark.

    PATHs are files, directories (searched recursively) or - for stdin; with no PATH and no
    --text, reads stdin. Each input is tested against every active and verify-only key
    of the tenant; its p-value is corrected for all of them. Directories yield their text files
    (hidden and binary files are skipped); a named file must be UTF-8 text.
    """
    if as_json and as_jsonl:
        raise click.UsageError("--json and --jsonl exclude each other")
    if receipt_format and not (as_json or as_jsonl):
        raise click.UsageError("receipts are JSON: add --json or --jsonl")
    documents = _read_inputs(paths, texts, max_input_bytes, quiet)
    tokenizers = [default_tokenizer(), *(TextTokenizer.wrap(path) for path in tokenizer_paths)]
    tokenizers += [TextTokenizer.wrap(import_generator().load_tokenizer(model)) for model in models]
    keyring = tenant_keyring(tenant, tokenizers)

    results = []
    with progress_bar(len(documents), quiet) as progress:
        task = progress.add_task("Detecting", total=len(documents))
        for batch in _batches(documents):
            results += keyring.detect_many([d.text for d in batch], spans=spans, alpha=alpha)
            progress.advance(task, len(batch))

    records = [_record(d, r, keyring) for d, r in zip(documents, results, strict=True)]
    if receipt_format or audit:
        _attest(documents, results, records, keyring, tenant, receipt_format, audit)
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


def _read_inputs(paths: tuple[Path, ...], texts: tuple[str, ...], max_bytes: int, quiet: bool) -> list[Document]:
    if not paths and not texts:
        if sys.stdin is not None and sys.stdin.isatty():
            raise click.UsageError("no input: give PATHs, - for stdin, or --text")
        paths = (Path("-"),)
    if sum(str(path) == "-" for path in paths) > 1:
        raise click.UsageError("stdin (-) can be read only once")
    documents = []
    for path in paths:
        if str(path) != "-" and path.is_dir():
            found = _directory_documents(path, max_bytes, quiet)
            if not found:
                raise InputError(f"{path} holds no text file")
            documents += found
        else:
            documents.append(Document.from_path(path, max_bytes))
    for number, text in enumerate(texts, start=1):
        if not text.strip():
            raise InputError(f"--text #{number} is empty")
        documents.append(Document(f"--text #{number}", text))
    return documents


def _directory_documents(directory: Path, max_bytes: int, quiet: bool) -> list[Document]:
    """Every non-hidden text file under ``directory``, sorted; binary files are skipped with a note."""
    documents = []
    for path in sorted(directory.rglob("*")):
        if any(part.startswith(".") for part in path.relative_to(directory).parts) or not path.is_file():
            continue
        data = read_input(path, max_bytes)
        if is_binary(data):
            note(f"skipped binary file {input_name(path)}", quiet)
            continue
        documents.append(Document.from_bytes(input_name(path), data))
    return documents


def _batches(documents: list[Document]) -> list[list[Document]]:
    """Consecutive batches of at most ``BATCH_SIZE`` documents and ``BATCH_CHARS`` characters (memory follows them)."""
    batches: list[list[Document]] = []
    characters = 0
    for document in documents:
        if not batches or len(batches[-1]) == BATCH_SIZE or characters + len(document.text) > BATCH_CHARS:
            batches.append([])
            characters = 0
        batches[-1].append(document)
        characters += len(document.text)
    return batches


def _attest(documents, results, records, keyring: TenantKeyring, tenant: str, receipt_format, audit: bool) -> None:
    """Sign a receipt per result into its record and/or log one audit record per input (one transaction)."""
    hashes = [text_sha256(document.text) for document in documents]
    with KeyStore.open() as store:
        receipts = [None] * len(results)
        if receipt_format:
            issued = issue_receipts(
                results,
                hashes,
                tenant=tenant,
                keys_tested=keyring.tested_keys,
                signer=store.receipt_signer(),
                form=receipt_format,
            )
            receipts = [receipt.receipt_id for receipt in issued]
            for record, receipt in zip(records, issued, strict=True):
                record["receipt"] = receipt.document
        if audit:
            request_id = f"cli-{uuid.uuid4().hex}"
            store.append_audit(
                [
                    AuditEntry.of(
                        result,
                        tenant=tenant,
                        text_sha256=text_hash,
                        receipt_id=receipt_id,
                        request_id=request_id,
                        source="cli",
                    )
                    for result, text_hash, receipt_id in zip(results, hashes, receipts, strict=True)
                ]
            )


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
        notes += [f"warning: {result.key_warning}"] if result.key_warning else []
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
            f"{keyring.label(result.key_id)}\n{result.scheme}" if result.key_id else "-",
            "\n".join(notes),
        )
    stdout_console().print(table)
