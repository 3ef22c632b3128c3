"""``greenmark audit``: read, export, verify and prune the hash-chained detection log in the key store.

API detections are always logged; ``greenmark detect --audit`` logs CLI ones. ``--since`` takes
an ISO 8601 date or time (UTC unless it names a zone) or an age such as ``90m``, ``12h``, ``7d``.

>>> parse_since("2026-12-01").isoformat()
'2026-12-01T00:00:00+00:00'
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from greenmark.cli.common import InputError, echo_json, json_option, new_table, stdout_console, tenant_option
from greenmark.store import KeyStore

_AGE = re.compile(r"^(\d+(?:\.\d+)?)([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
VERIFY_EXIT_STATUS = """\b
Exit status:
  0  every chain checked is intact
  1  a chain is broken (records edited, deleted or cut off): one line per chain says where
  2  usage or key store error
"""


def parse_since(value: str | None) -> datetime | None:
    """``--since``: an ISO 8601 date or time (naive means UTC) or an age (``7d``) before now."""
    if value is None:
        return None
    age = _AGE.match(value.strip())
    if age:
        return datetime.now(UTC) - timedelta(**{_UNITS[age.group(2)]: float(age.group(1))})
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"--since {value!r} is neither an ISO 8601 date/time nor an age like 7d, 12h or 90m") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


since_option = click.option("--since", help="Only records from this time: ISO 8601 (UTC) or an age like 7d, 12h.")


@click.group()
def audit() -> None:
    """The audit log: one hash-chained record per detection (never the text)."""


@audit.command(name="list")
@since_option
@tenant_option("Only this tenant's records.", default=None)
@click.option("--limit", type=click.IntRange(min=1), default=50, help="At most this many records (the oldest first).")
@json_option
def list_records(since, tenant, limit, as_json) -> None:
    """Show audit records, oldest first."""
    with KeyStore.open() as store:
        records = store.audit_records(tenant, since=parse_since(since), limit=limit)
    if as_json:
        echo_json([record.to_dict() for record in records])
        return
    if not records:
        click.echo("No audit records.")
        return
    table = new_table("Tenant", "#", "Time (UTC)", "Source", "API key", "Decision", "p-value", "Key", "Receipt")
    for r in records:
        table.add_row(
            r.tenant,
            str(r.sequence),
            f"{r.recorded_at:%Y-%m-%d %H:%M:%S}",
            r.source,
            r.api_key_id or "-",
            r.decision.replace("_", " "),
            f"{r.p_value:.3g}",
            r.key_id or "-",
            r.receipt_id or "-",
        )
    stdout_console().print(table)


@audit.command()
@since_option
@tenant_option("Only this tenant's records.", default=None)
@click.option("-o", "--out", type=click.Path(path_type=Path), help="Write to this file instead of stdout.")
def export(since, tenant, out) -> None:
    """Write audit records as JSON lines (every field, hashes included), oldest first."""
    with KeyStore.open() as store:
        records = store.iter_audit(tenant, since=parse_since(since))
        try:
            with click.open_file(str(out) if out else "-", "w", encoding="utf-8") as stream:
                for record in records:
                    stream.write(json.dumps(record.to_dict()) + "\n")
        except OSError as error:
            raise InputError(f"cannot write {out}: {error.strerror or error}") from None


@audit.command(epilog=VERIFY_EXIT_STATUS)
@tenant_option("Only this tenant's chain.", default=None)
@json_option
def verify(tenant, as_json) -> None:
    """Check the hash chains: every record unedited, none deleted, none cut off the end."""
    with KeyStore.open() as store:
        checks = store.verify_audit(tenant)
    if as_json:
        echo_json([{**asdict(check), "intact": check.intact} for check in checks])
    elif not checks:
        click.echo("No audit records.")
    else:
        for check in checks:
            if check.intact:
                head = f"head #{check.head_sequence} {check.head_hash[:16]}"
                click.echo(f"{check.tenant}: intact, {check.records_checked} records checked, {head}")
            else:
                click.echo(f"{check.tenant}: BROKEN: {check.problem}", err=True)
    if not all(check.intact for check in checks):
        click.get_current_context().exit(1)


@audit.command()
@click.option(
    "--older-than",
    "older_than_days",
    type=click.FloatRange(min=0, min_open=True),
    help="Days to keep (default: GREENMARK_AUDIT_RETENTION_DAYS).",
)
def prune(older_than_days) -> None:
    """Delete audit records older than the retention period; the chains still verify afterwards."""
    with KeyStore.open() as store:
        days = older_than_days or store.audit_retention_days
        if days is None:
            raise click.UsageError("give --older-than DAYS or set GREENMARK_AUDIT_RETENTION_DAYS")
        removed = store.prune_audit(datetime.now(UTC) - timedelta(days=days))
    click.echo(f"Removed {removed} audit records older than {days:g} days.")
