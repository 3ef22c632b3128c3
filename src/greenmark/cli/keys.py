"""``greenmark keys``: create, import, list, rotate and retire watermark keys; print a key's public spec.

A key's spec pins the tokenizer (fingerprint) and vocabulary of the model it is made for: the
embedded default model, or the one given with ``keys create --model``.
"""

from __future__ import annotations

import sys

import click

from greenmark.cli.common import (
    echo_json,
    import_generator,
    json_option,
    model_option,
    new_table,
    stdout_console,
    tenant_option,
)
from greenmark.store import KeyStatus, KeyStore, StoredKey, UnknownKeyError
from greenmark.watermark import WatermarkSpec, default_tokenizer
from greenmark.watermark.schemes import scheme_class, scheme_names
from greenmark.watermark.schemes.imported import import_help, spec_fields


@click.group()
def keys() -> None:
    """Create, list, rotate and retire watermark keys.

    Keys are stored encrypted in the key store; detection tests every non-retired version.
    """


@keys.command()
@click.argument("name")
@tenant_option("Tenant that owns the key.")
@click.option(
    "--gamma",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=None,
    show_default="0.25 for green-list schemes",
    help="Share of the vocabulary that is green in each context.",
)
@click.option(
    "--delta",
    type=click.FloatRange(0, 100),
    default=None,
    show_default="2 for green-list schemes",
    help="Logit bias added to green tokens when generating.",
)
@click.option(
    "--scheme",
    type=click.Choice(scheme_names(imported=False)),
    default="lefthash",
    help="Seeding: lefthash hashes the h preceding tokens; selfhash min-hashes them with the candidate token.",
)
@click.option(
    "--context-width",
    type=click.IntRange(1, 16),
    default=None,
    show_default="1 for lefthash, 4 for selfhash",
    help="Context width h: how many tokens seed each green list.",
)
@model_option("Model the key is for: the spec pins its tokenizer and vocabulary.", default=None)
@json_option
def create(name, tenant, gamma, delta, scheme, context_width, model, as_json) -> None:
    """Create key NAME (version 1, active) with a fresh random secret, for the default model or --model."""
    parameters = {"gamma": gamma, "delta": delta, "scheme": scheme, "context_width": context_width}
    if model is None:
        spec = WatermarkSpec.for_tokenizer(default_tokenizer(), **parameters)
    else:
        spec = import_generator().load_model_spec(model, **parameters)
    with KeyStore.open() as store:
        stored = store.create_key(name, spec=spec, tenant=tenant)
    _show_one(stored, "Created", as_json)


@keys.command(
    name="import",
    epilog="Where each engine keeps the secret and the parameters (they must match the generating "
    "configuration: a mismatch cannot be told from the text, it only finds nothing):\n\n"
    + import_help([scheme_class(name) for name in scheme_names(imported=True)]),
)
@click.argument("name")
@tenant_option("Tenant that owns the key.")
@click.option(
    "--scheme",
    type=click.Choice(scheme_names(imported=True)),
    required=True,
    help="The engine's watermark the secret belongs to.",
)
@click.option(
    "--secret",
    required=True,
    help="The engine's secret: an integer, or a comma-separated list of integers; '-' reads it from standard input.",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A parameter of the generating configuration (repeatable; JSON values), e.g. gamma=0.25.",
)
@model_option("Model the text is generated with: the spec pins its tokenizer and vocabulary.", default=None)
@json_option
def import_(name, tenant, scheme, secret, params, model, as_json) -> None:
    """Import another engine's watermark secret as key NAME, to detect that engine's watermark.

    The secret is stored encrypted like a generated key and tested with the tenant's other keys.
    """
    if secret == "-":
        secret = sys.stdin.readline()
    parameters = {"scheme": scheme, **spec_fields(params)}
    if model is None:
        spec = WatermarkSpec.for_tokenizer(default_tokenizer(), **parameters)
    else:
        spec = import_generator().load_model_spec(model, **parameters)
    with KeyStore.open() as store:
        stored = store.import_key(name, spec=spec, secret=secret, tenant=tenant)
    _show_one(stored, "Imported", as_json)


@keys.command(name="list")
@tenant_option("Only this tenant's keys.", default=None)
@json_option
def list_keys(tenant, as_json) -> None:
    """List every key version (active, verify-only and retired) with its spec."""
    with KeyStore.open() as store:
        stored_keys = store.list_keys(tenant)
    if as_json:
        echo_json([stored.to_dict() for stored in stored_keys])
        return
    if not stored_keys:
        click.echo("No keys yet: create one with `greenmark keys create NAME`.")
        return
    table = new_table("Tenant", "Name", "Version", "Status", "Key id", "Scheme", "gamma", "delta", "h", "Created")
    styles = {KeyStatus.ACTIVE: "green", KeyStatus.VERIFY_ONLY: "yellow", KeyStatus.RETIRED: "dim"}
    for stored in stored_keys:
        spec = stored.spec
        table.add_row(
            stored.tenant,
            stored.name,
            str(stored.version),
            f"[{styles[stored.status]}]{stored.status.value}[/]",
            stored.key_id,
            spec.scheme,
            "-" if spec.gamma is None else f"{spec.gamma:g}",
            "-" if spec.delta is None else f"{spec.delta:g}",
            "-" if spec.context_width is None else str(spec.context_width),
            f"{stored.created_at:%Y-%m-%d %H:%M}",
        )
    stdout_console().print(table)


@keys.command()
@click.argument("name")
@tenant_option("Tenant that owns the key.")
@json_option
def rotate(name, tenant, as_json) -> None:
    """Make a new active version of key NAME; the old versions stay verify-only (still detected)."""
    with KeyStore.open() as store:
        stored = store.rotate(name, tenant)
    _show_one(stored, "Rotated", as_json)


@keys.command()
@click.argument("key_id")
@tenant_option("Only retire the key if it belongs to this tenant.", default=None)
@json_option
def retire(key_id, tenant, as_json) -> None:
    """Retire key version KEY_ID: detection stops testing it (text made with it is no longer found)."""
    with KeyStore.open() as store:
        stored = store.retire(key_id, tenant)
    _show_one(stored, "Retired", as_json)


@keys.command()
@click.argument("name")
@tenant_option("Tenant that owns the key.")
def spec(name, tenant) -> None:
    """Print the public spec (JSON, no secret) of key NAME: its active version, else its newest one."""
    with KeyStore.open() as store:
        versions = [stored for stored in store.list_keys(tenant) if stored.name == name]
    if not versions:
        raise UnknownKeyError(f"tenant {tenant!r} has no key named {name!r}")
    active = [stored for stored in versions if stored.status is KeyStatus.ACTIVE]
    click.echo((active or versions)[-1].spec.to_json())


def _show_one(stored: StoredKey, verb: str, as_json: bool) -> None:
    if as_json:
        echo_json(stored.to_dict())
    else:
        click.echo(
            f"{verb} key {stored.name!r} version {stored.version} ({stored.key_id}) of tenant {stored.tenant!r}: "
            f"{stored.status.value}"
        )
