"""What the API loads once per worker: settings, key store, tokenizer, caches, limiter and (optionally) the model.

``ApiState`` also answers the two per-request lookups that touch the database (the caller's
API key, the tenant's keyring); both are cached for ``settings.cache_seconds`` and run in the
thread pool on a miss, so the event loop never waits on the database. The keyring is the key
store's (``KeyStore.keyring``): keys whose spec needs another tokenizer than the server's are
left out of detection (``skipped_keys``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool

from greenmark.detector_api.cache import TtlCache
from greenmark.detector_api.config import ApiSettings
from greenmark.detector_api.generation import GenerationService
from greenmark.detector_api.problems import ProblemError
from greenmark.detector_api.ratelimit import TokenBucketLimiter
from greenmark.store import ApiKeyInfo, AuthenticationError, KeyStore, TenantKeyring
from greenmark.watermark import TextTokenizer


@dataclass
class ApiState:
    """The loaded service; one per worker process, kept on ``app.state.api``."""

    settings: ApiSettings
    store: KeyStore
    tokenizer: TextTokenizer
    generation: GenerationService | None = None
    limiter: TokenBucketLimiter | None = field(init=False)
    _api_keys: TtlCache = field(init=False)
    _keyrings: TtlCache = field(init=False)

    def __post_init__(self):
        settings = self.settings
        rate = settings.rate_limit_per_second
        self.limiter = TokenBucketLimiter(rate, settings.rate_limit_burst) if rate > 0 else None
        self._api_keys = TtlCache(settings.cache_seconds)
        self._keyrings = TtlCache(settings.cache_seconds)

    async def authenticate(self, token: str) -> ApiKeyInfo:
        """The API key's tenant and scopes; 401 when it is unknown, malformed or revoked."""
        digest = hashlib.sha256(token.encode()).digest()
        info = self._api_keys.get(digest)
        if info is None:
            try:
                info = await run_in_threadpool(self.store.authenticate, token)
            except AuthenticationError:
                raise ProblemError(401, "invalid or revoked API key", {"WWW-Authenticate": "Bearer"}) from None
            self._api_keys.put(digest, info)
        return info

    def check_rate(self, api_key_id: str) -> None:
        """Spend one request of the key's bucket; 429 with ``Retry-After`` when it is empty."""
        wait = self.limiter.acquire(api_key_id) if self.limiter else 0.0
        if wait > 0:
            retry_after = str(max(1, int(wait + 0.999)))
            raise ProblemError(429, "rate limit exceeded for this API key", {"Retry-After": retry_after})

    async def keyring(self, tenant: str) -> TenantKeyring:
        """The tenant's non-retired keys that this server's tokenizer can test."""
        keyring = self._keyrings.get(tenant)
        if keyring is None:
            keyring = await run_in_threadpool(self.store.keyring, tenant, [self.tokenizer])
            self._keyrings.put(tenant, keyring)
        return keyring
