"""``greenmark generate``: watermarked text from the embedded model or any Hugging Face causal LM.

Needs the ``[generate]`` extra (torch, transformers), imported only when the command runs.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import asdict
from pathlib import Path

import click

from greenmark.cli.common import (
    Document,
    InputError,
    echo_json,
    json_option,
    note,
    quiet_option,
    stderr_console,
    tenant_option,
)
from greenmark.generator.sampling import GREEDY_TEMPERATURE, MAX_SEED, MAX_TEMPERATURE, SamplingParameters
from greenmark.store import DuplicateKeyError, KeyStore, StoredKey
from greenmark.watermark import WatermarkKey, WatermarkSpec

DEFAULT_KEY_NAME = "default"


@click.command()
@click.argument("prompt", required=False)
@click.option("--prompt-file", type=click.Path(path_type=Path), help="Read the prompt from this file (- for stdin).")
@click.option(
    "--key",
    "key_name",
    default=DEFAULT_KEY_NAME,
    help=f"Key to watermark with (its active version); {DEFAULT_KEY_NAME!r} is created on first use.",
)
@tenant_option("Tenant that owns the key.")
@click.option("--model", default=None, show_default="the embedded model", help="Causal LM: local path or hub name.")
@click.option("--max-new-tokens", type=int, default=200, help="Most tokens to generate (>= 1).")
@click.option(
    "--temperature",
    type=float,
    default=1.0,
    help=f"Sampling temperature, 0 to {MAX_TEMPERATURE:g}; {GREEDY_TEMPERATURE:g} or less decodes greedily.",
)
@click.option("--top-k", type=int, default=0, help="Sample among the k likeliest tokens only; 0: all.")
@click.option(
    "--top-p",
    type=float,
    default=1.0,
    help="Nucleus sampling, in (0, 1]: the smallest set of tokens with this much probability.",
)
@click.option("--seed", type=int, default=None, help=f"Random seed (0 to {MAX_SEED}), for reproducible samples.")
@click.option("--no-watermark", is_flag=True, help="Generate without the watermark (for comparison); uses no key.")
@json_option
@quiet_option
def generate(
    prompt,
    prompt_file,
    key_name,
    tenant,
    model,
    max_new_tokens,
    temperature,
    top_k,
    top_p,
    seed,
    no_watermark,
    as_json,
    quiet,
) -> None:
    """Generate watermarked text from a prompt.

    Continues PROMPT (or --prompt-file) with the model, watermarked with the active version
    of a key of the tenant. Prints the continuation; --json adds the key id and token ids.
    """
    if (prompt is None) == (prompt_file is None):
        raise click.UsageError("give either PROMPT or --prompt-file")
    sampling = SamplingParameters(max_new_tokens, temperature, top_k, top_p, seed)  # before the slow model load
    prompt = prompt if prompt_file is None else Document.from_path(prompt_file).text
    try:
        from greenmark.generator import WatermarkedGenerator, load_default_model, load_model
        from greenmark.generator.generator import logits_width
    except ImportError as error:
        raise InputError(f"generate needs the [generate] extra (pip install 'greenmark[generate]'): {error}") from None

    with KeyStore.open() as store:
        stored = None if no_watermark else _existing_key(store, key_name, tenant)
        with nullcontext() if quiet else stderr_console().status("Loading the model"):
            language_model, tokenizer = load_default_model() if model is None else load_model(model)
        if not no_watermark and stored is None:
            spec = WatermarkSpec.for_tokenizer(tokenizer, vocab_size=logits_width(language_model))
            stored = _create_default_key(store, tenant, spec)
        # --no-watermark: the generator still wants a key; a throwaway one is never stored nor applied
        key = WatermarkKey.generate() if stored is None else store.load_key(stored.key_id)

    generator = WatermarkedGenerator(language_model, tokenizer, key, None if stored is None else stored.spec)
    with nullcontext() if quiet else stderr_console().status("Generating"):
        (output,) = generator.generate([prompt], **asdict(sampling), watermark=not no_watermark)
    if as_json:
        echo_json(
            {
                "text": output.text,
                "prompt": prompt,
                "watermarked": not no_watermark,
                "key_id": output.key_id,
                "key_name": stored.name if stored else None,
                "key_version": stored.version if stored else None,
                "tenant": tenant if stored else None,
                "model": model or "default",
                "token_ids": output.token_ids,
                "prompt_length": output.prompt_length,
            }
        )
        return
    click.echo(output.text)
    if stored is None:
        note("not watermarked (--no-watermark)", quiet)
    else:
        note(f"watermarked with key {stored.name!r} v{stored.version} ({stored.key_id}) of tenant {tenant!r}", quiet)


def _existing_key(store: KeyStore, name: str, tenant: str) -> StoredKey | None:
    """The active version of key ``name``; ``None`` when it is the default key and does not exist yet."""
    if not any(stored.name == name for stored in store.list_keys(tenant)):
        if name == DEFAULT_KEY_NAME:
            return None
        hint = f"create it with `greenmark keys create {name} --tenant {tenant}`"
        raise InputError(f"tenant {tenant!r} has no key named {name!r}: {hint}")
    return store.get_active(name, tenant)


def _create_default_key(store: KeyStore, tenant: str, spec: WatermarkSpec) -> StoredKey:
    try:
        stored = store.create_key(DEFAULT_KEY_NAME, spec=spec, tenant=tenant)
    except DuplicateKeyError:  # another process created it meanwhile
        return store.get_active(DEFAULT_KEY_NAME, tenant)
    click.echo(f"Created watermark key {DEFAULT_KEY_NAME!r} ({stored.key_id}) for tenant {tenant!r}.", err=True)
    return stored
