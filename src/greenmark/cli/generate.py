"""``greenmark generate``: watermarked text from the embedded model, SmolLM2 or any local causal LM.

Continues a prompt, or answers a chat message through the model's chat template (``--chat``).
Needs the ``[generate]`` extra (torch, transformers; ``[gguf]`` for .gguf files), imported only
when the command runs.
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
    import_generator,
    json_option,
    model_option,
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
    "--chat",
    "chat_message",
    metavar="MESSAGE",
    help="Answer MESSAGE as the user's turn of a chat (rendered with the model's chat template).",
)
@click.option(
    "--key",
    "key_name",
    default=DEFAULT_KEY_NAME,
    help=f"Key to watermark with (its active version); {DEFAULT_KEY_NAME!r} is created on first use.",
)
@tenant_option("Tenant that owns the key.")
@model_option("Causal LM to generate with.", default="default")
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
    chat_message,
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
    """Generate watermarked text from a prompt or a chat message.

    Continues PROMPT (or --prompt-file), or answers --chat MESSAGE, with the model, watermarked
    with the active version of a key of the tenant (the key must have been made for the model:
    `greenmark keys create NAME --model ...`). Prints the continuation; --json adds the key id
    and token ids (prompt_length counts the rendered prompt).
    """
    if sum(given is not None for given in (prompt, prompt_file, chat_message)) != 1:
        raise click.UsageError("give exactly one of PROMPT, --prompt-file and --chat")
    sampling = SamplingParameters(max_new_tokens, temperature, top_k, top_p, seed)  # before the slow model load
    if chat_message is not None:
        if not chat_message.strip():
            raise InputError("the --chat message is empty")
        prompt = [{"role": "user", "content": chat_message}]
    elif prompt_file is not None:
        prompt = Document.from_path(prompt_file).text
    generator_module = import_generator()

    with KeyStore.open() as store:
        stored = None if no_watermark else _existing_key(store, key_name, tenant)
        with nullcontext() if quiet else stderr_console().status("Loading the model"):
            language_model, tokenizer = generator_module.load_model(model)
        generator_module.render_prompt(tokenizer, prompt)  # a chat message needs a chat template: fail before any key
        if not no_watermark and stored is None:
            spec = WatermarkSpec.for_tokenizer(tokenizer, vocab_size=generator_module.logits_width(language_model))
            stored = _create_default_key(store, tenant, spec)
        # --no-watermark: the generator still wants a key; a throwaway one is never stored nor applied
        key = WatermarkKey.generate() if stored is None else store.load_key(stored.key_id)

    try:
        generator = generator_module.WatermarkedGenerator(
            language_model, tokenizer, key, None if stored is None else stored.spec
        )
    except generator_module.GenerationError as error:
        hint = f"make one for it with `greenmark keys create NAME --model {model}`, then --key NAME"
        raise InputError(f"key {stored.name!r} does not fit model {model!r} ({error}): {hint}") from None
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
                "model": model,
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
