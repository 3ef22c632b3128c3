"""``greenmark apikeys``: API keys for the detection API (``greenmark serve``); stored hashed, shown once."""

from __future__ import annotations

import click

from greenmark.cli.common import echo_json, json_option, new_table, note, stdout_console, tenant_option
from greenmark.store import API_SCOPES, DEFAULT_SCOPES, ApiKeyInfo, KeyStore


@click.group()
def apikeys() -> None:
    """Create, list and revoke API keys of the detection API."""


@apikeys.command()
@tenant_option("Tenant the API key acts for (it can only test that tenant's keys).")
@click.option(
    "--scope",
    "scopes",
    type=click.Choice(API_SCOPES),
    multiple=True,
    default=DEFAULT_SCOPES,
    help="What the key may do (repeatable); green-marks reveals green lists: trusted callers only.",
)
@json_option
def create(tenant, scopes, as_json) -> None:
    """Create an API key and print it. It is shown this once: only its hash is stored."""
    with KeyStore.open() as store:
        created = store.create_api_key(tenant, scopes=scopes)
    if as_json:
        echo_json({"tenant": created.info.tenant, "api_key": created.api_key, **_info(created.info)})
        return
    click.echo(created.api_key)
    note(
        f"API key {created.info.api_key_id} for tenant {created.info.tenant!r} "
        f"(scopes: {', '.join(created.info.scopes)}); it is shown only this once, store it now."
    )


@apikeys.command(name="list")
@tenant_option("Only this tenant's API keys.", default=None)
@json_option
def list_api_keys(tenant, as_json) -> None:
    """List API keys (ids, tenants, scopes, status); never the keys themselves."""
    with KeyStore.open() as store:
        infos = store.list_api_keys(tenant)
    if as_json:
        echo_json([_info(info) for info in infos])
        return
    if not infos:
        click.echo("No API keys yet: create one with `greenmark apikeys create --tenant T`.")
        return
    table = new_table("API key id", "Tenant", "Scopes", "Created", "Status")
    for info in infos:
        status = f"[dim]revoked {info.revoked_at:%Y-%m-%d %H:%M}[/]" if info.revoked else "[green]active[/]"
        table.add_row(info.api_key_id, info.tenant, ", ".join(info.scopes), f"{info.created_at:%Y-%m-%d %H:%M}", status)
    stdout_console().print(table)


@apikeys.command()
@click.argument("api_key_id")
@tenant_option("Only revoke the API key if it belongs to this tenant.", default=None)
@json_option
def revoke(api_key_id, tenant, as_json) -> None:
    """Revoke API key API_KEY_ID (its id or the whole key).

    Running servers refuse it within GREENMARK_API_API_KEY_CACHE_SECONDS (default 1 s).
    """
    with KeyStore.open() as store:
        info = store.revoke_api_key(api_key_id, tenant)
    if as_json:
        echo_json(_info(info))
    else:
        click.echo(f"Revoked API key {info.api_key_id} of tenant {info.tenant!r}.")


def _info(info: ApiKeyInfo) -> dict:
    return {
        "api_key_id": info.api_key_id,
        "tenant": info.tenant,
        "scopes": list(info.scopes),
        "created_at": info.created_at.isoformat(),
        "revoked_at": info.revoked_at.isoformat() if info.revoked_at else None,
    }
