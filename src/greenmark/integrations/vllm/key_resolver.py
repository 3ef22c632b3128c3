"""Resolve a request's key name to its active key version, from greenmark's key store, with a cache.

The store is the one every greenmark shell uses (``GREENMARK_DB_URL`` or SQLite under
``GREENMARK_HOME``, master key from ``GREENMARK_MASTER_KEY`` or the key file), opened on the first
request that names a key, in each process that asks: vLLM's API server (validation) and its
engine (generation). A name's active version is looked up again after ``NAME_CACHE_SECONDS``,
so a rotation reaches new requests within that time; a version's secret is decrypted once.

>>> import tempfile
>>> from greenmark.store import KeyStore
>>> from greenmark.watermark import WatermarkSpec
>>> home = tempfile.mkdtemp()
>>> with KeyStore.open(home=home) as store:
...     created = store.create_key("news", spec=WatermarkSpec(vocab_size=1000), tenant="acme")
>>> resolver = KeyResolver(lambda: KeyStore.open(home=home))
>>> resolver.resolve(RequestKey("acme", "news")).metadata.key_id == created.key_id
True
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import cache

from greenmark.integrations.vllm.request_key import RequestKey, RequestKeyError
from greenmark.store import DetectionKey, KeyStore, StoredKey, UnknownKeyError
from greenmark.watermark.key import WatermarkKey

NAME_CACHE_SECONDS = 60.0


class KeyResolver:
    """Active key versions by (tenant, name), from the store that ``open_store`` opens (once, lazily)."""

    def __init__(self, open_store: Callable[[], KeyStore] = KeyStore.open, clock: Callable[[], float] = time.monotonic):
        self._open_store = open_store
        self._clock = clock
        self._store: KeyStore | None = None
        self._lock = threading.Lock()
        self._active: dict[RequestKey, tuple[float, StoredKey]] = {}
        self._secrets: dict[str, WatermarkKey] = {}

    def resolve(self, requested: RequestKey) -> DetectionKey:
        """The active version of ``requested`` as ``(key, spec, metadata)``; ``RequestKeyError`` if there is none."""
        with self._lock:
            if self._store is None:
                self._store = self._open_store()
            looked_up = self._active.get(requested)
            if looked_up is None or self._clock() - looked_up[0] > NAME_CACHE_SECONDS:
                try:
                    stored = self._store.get_active(requested.name, requested.tenant)
                except UnknownKeyError as error:
                    raise RequestKeyError(f"greenmark: {error}") from error
                self._active[requested] = looked_up = (self._clock(), stored)
            stored = looked_up[1]
            if stored.key_id not in self._secrets:
                self._secrets[stored.key_id] = self._store.load_key(stored.key_id)
            return DetectionKey(self._secrets[stored.key_id], stored.spec, stored)


@cache
def shared_resolver() -> KeyResolver:
    """The process's resolver over the store the environment names."""
    return KeyResolver()
