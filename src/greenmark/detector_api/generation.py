"""Watermarked generation for ``POST /v1/generate``: one model, loaded once, run one request at a time.

The model (``GREENMARK_API_GENERATE_MODEL``: the embedded one by default, ``smollm2``, a
``.gguf`` file or a model directory) loads in the background at start-up (``/readyz`` answers 503 until it is there);
generation is slow CPU/GPU work, so it runs on one dedicated thread (torch's sampling seed is
process-global) behind a bounded queue. Each tenant key gets its own ``WatermarkedGenerator``
over the shared model. Importing this module does not import torch; ``GenerationService`` does.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from greenmark.detector_api.problems import RETRY_LATER, ProblemError
from greenmark.store import KeyStatus, KeyStore, StoredKey
from greenmark.watermark import TextTokenizer, WatermarkKey, WatermarkSpec

logger = logging.getLogger("greenmark.detector_api.generation")


def _log_load(loading: Future) -> None:
    if loading.cancelled() or loading.exception() is not None:
        logger.error(
            "the generation model failed to load", exc_info=None if loading.cancelled() else loading.exception()
        )
    else:
        logger.info("the generation model is loaded")


@dataclass(frozen=True)
class LoadedModel:
    """The model, its tokenizer, and what keys must match: the tokenizer for detection and the logits width."""

    model: object
    tokenizer: object
    text_tokenizer: TextTokenizer
    logits_width: int


def load(model_name: str) -> LoadedModel:
    """Load ``model_name`` (anything ``greenmark.generator.load_model`` takes)."""
    from greenmark.generator import load_model, logits_width  # torch only when generation is enabled

    model, tokenizer = load_model(model_name)
    return LoadedModel(model, tokenizer, TextTokenizer.wrap(tokenizer), logits_width(model))


class GenerationService:
    """A model (loading in the background) and a bounded queue of generation jobs."""

    def __init__(self, max_pending: int, model_name: str = "default"):
        self.max_pending = max_pending
        self._pending = 0
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="greenmark-generate")
        self._model = self._executor.submit(load, model_name)
        self._model.add_done_callback(_log_load)
        self._generators: dict[str, object] = {}

    @property
    def ready(self) -> bool:
        """Whether the model has loaded."""
        return self._model.done() and self._model.exception() is None

    def close(self) -> None:
        """Stop taking jobs; queued ones are cancelled."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    @property
    def tokenizer(self) -> TextTokenizer | None:
        """The loaded model's tokenizer (for detecting its keys' text); ``None`` until it has loaded."""
        return self._model.result().text_tokenizer if self.ready else None

    def fits(self, spec: WatermarkSpec) -> bool:
        """Whether keys of ``spec`` can watermark this model's output (same tokenizer and logits width)."""
        loaded = self._model.result()
        same_tokenizer = spec.tokenizer_fingerprint == loaded.text_tokenizer.fingerprint
        return same_tokenizer and spec.vocab_size == loaded.logits_width

    def choose_key(self, store: KeyStore, tenant: str, name: str | None) -> tuple[WatermarkKey, StoredKey]:
        """The tenant's active key (named ``name``, else the first by name) that fits the model, and its secret.

        503 until the model has loaded; 409 when no key fits.
        """
        if not self.ready:
            raise ProblemError(503, "the model is not loaded (still loading, or failed: see the logs)", RETRY_LATER)
        candidates = [
            stored
            for stored in store.list_keys(tenant, include_retired=False)
            if stored.status is KeyStatus.ACTIVE and (name is None or stored.name == name) and self.fits(stored.spec)
        ]
        if not candidates:
            wanted = f"named {name!r} " if name else ""
            raise ProblemError(409, f"no active watermark key {wanted}fits the loaded model's tokenizer and vocabulary")
        return store.load_key(candidates[0].key_id, tenant), candidates[0]

    async def generate(self, key: WatermarkKey, spec: WatermarkSpec, prompts: list, **sampling) -> list:
        """Run ``WatermarkedGenerator.generate`` (prompts or conversations) on the generation thread; 503 when full."""
        if self._pending >= self.max_pending:
            raise ProblemError(503, "too many generation requests are queued", RETRY_LATER)
        self._pending += 1
        try:
            job = self._executor.submit(self._generate, key, spec, prompts, sampling)
            return await asyncio.wrap_future(job)
        finally:
            self._pending -= 1

    def _generate(self, key: WatermarkKey, spec: WatermarkSpec, prompts: list, sampling: dict) -> list:
        from greenmark.generator import WatermarkedGenerator

        generator = self._generators.get(key.key_id)
        if generator is None:
            loaded = self._model.result()
            generator = WatermarkedGenerator(loaded.model, loaded.tokenizer, key, spec)
            self._generators[key.key_id] = generator
        return generator.generate(prompts, **sampling)
