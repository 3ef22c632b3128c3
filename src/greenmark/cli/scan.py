"""``greenmark scan``: scan a corpus (text files, JSONL, Parquet) for a tenant's watermarks, locally or on Ray."""

from __future__ import annotations

import os
from pathlib import Path

import click

from greenmark import __version__
from greenmark.cli.common import (
    InputError,
    check_output_path,
    echo_json,
    max_input_bytes_option,
    new_table,
    progress_bar,
    quiet_option,
    stdout_console,
    tenant_keyring,
)
from greenmark.display_names import display_name
from greenmark.store import DEFAULT_TENANT, StoreError
from greenmark.watermark import DEFAULT_ALPHA, WatermarkError

EXIT_STATUS = """\b
Exit status:
  0  the scan finished (bad documents are reported in the output's error column)
  2  usage or input error (no input file, unknown column, no key to test, missing extra)
"""


@click.command(epilog=EXIT_STATUS)
@click.argument("inputs", metavar="INPUT...", nargs=-1, required=True)
@click.option(
    "--out",
    "output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Results, one row per document: .parquet or .jsonl.",
)
@click.option("--tenant", default=DEFAULT_TENANT, help="Tenant whose keys are tested (every non-retired version).")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", help="Process pool here, or Ray Data.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes (local) or actors (ray).  [default: every CPU]",
)
@click.option("--text-column", default="text", help="Column (Parquet) or field (JSONL) holding the text.")
@click.option("--id-column", default="id", help="Column (Parquet) or field (JSONL) holding the document id.")
@click.option(
    "--alpha",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=DEFAULT_ALPHA,
    help="Family-wise false-positive rate per document, over every key tested.",
)
@click.option("--batch-rows", type=click.IntRange(min=1), default=256, help="Documents per batch (and resume unit).")
@max_input_bytes_option("a larger text file, JSONL line or Parquet text gets an error row")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@quiet_option
def scan(
    inputs, output, tenant, engine, workers, text_column, id_column, alpha, batch_rows, max_input_bytes, as_json, quiet
) -> None:
    """Scan a corpus for the watermarks of a tenant's keys and write one result row per document.

    INPUT: a directory of text files, a JSONL file, a Parquet file or directory, or a glob of
    them (quote it). Each document is tested against every active and verify-only key of the
    tenant. The local engine is resumable: rerun an interrupted scan with the same --out and
    it skips the finished batches (kept in OUTPUT.parts until the output is complete). The
    ray engine joins the cluster at $RAY_ADDRESS, or starts Ray on this machine.
    """
    try:
        from greenmark import scanning
    except ImportError:
        raise InputError("greenmark scan needs pyarrow: pip install 'greenmark[scan]'") from None
    try:
        sources = scanning.find_sources(inputs)
        scanning.output_format(check_output_path(output))
        keyring = tenant_keyring(tenant, quiet=quiet)
        options = {
            "workers": workers,
            "alpha": alpha,
            "id_column": id_column,
            "text_column": text_column,
            "batch_rows": batch_rows,
            "max_text_bytes": max_input_bytes,
        }
        total = scanning.count_rows(sources, max_input_bytes)
        with progress_bar(total, quiet) as progress:
            task = progress.add_task("Scanning", total=total)
            options["on_progress"] = lambda rows: progress.advance(task, rows)
            if engine == "local":
                summary = scanning.scan_local(sources, keyring, output, **options)
            else:
                summary = _ray_engine()(sources, keyring, output, **options)
    except (StoreError, WatermarkError) as error:
        raise InputError(" ".join(str(error).split())) from None
    except OSError as error:
        raise InputError(f"{getattr(error, 'filename', None) or output}: {error.strerror or error}") from None

    names = {key_id: f"{stored.name} v{stored.version}" for key_id, stored in keyring.stored.items()}
    if as_json:
        echo_json(
            {
                "greenmark_version": __version__,
                "tenant": tenant,
                "engine": engine,
                "workers": workers or os.cpu_count(),
                "alpha": alpha,
                "output": display_name(str(output)),
                "keys_tested": keyring.key_ids,
                **summary.to_dict(),
            }
        )
    elif not quiet:
        _print_summary(summary, names, output)


def _ray_engine():
    try:
        from greenmark.scanning.ray_data import scan_with_ray
    except ImportError:
        raise InputError("--engine ray needs Ray Data: pip install 'greenmark[ray]'") from None
    return scan_with_ray


def _print_summary(summary, names: dict[str, str], output: Path) -> None:
    table = new_table("Documents", "Scored tokens", "Watermarked", "Not watermarked", "Insufficient", "Errors")
    table.add_row(
        str(summary.documents),
        str(summary.scored_tokens),
        str(summary.watermarked),
        str(summary.decisions.get("not_watermarked", 0)),
        str(summary.decisions.get("insufficient_evidence", 0)),
        str(summary.errors),
    )
    console = stdout_console()
    console.print(table)
    for key_id, count in summary.watermarked_per_key.items():
        console.print(f"  {count} watermarked with {names.get(key_id, '?')} ({key_id})")
    resumed = summary.documents - summary.documents_scanned
    console.print(
        f"Scanned {summary.documents_scanned} documents in {summary.seconds:.1f} s: "
        f"{summary.documents_per_second:.0f} documents/s, {summary.tokens_per_second:.0f} tokens/s"
        + (f" ({resumed} done by an earlier run)" if resumed else "")
        + f". Results: {display_name(str(output))}"
    )
