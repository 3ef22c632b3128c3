"""What the API loads once per worker: settings, key store, tokenizer, caches, limiter and (optionally) the model.

``ApiState`` also answers the two per-request lookups that touch the database: the caller's
API key (cached for ``settings.api_key_cache_seconds``, the most a revocation waits) and the
tenant's keyring (cached for ``settings.cache_seconds``). Both run in the thread pool on a miss,
so the event loop never waits on the database. A client address whose authentications keep
failing is answered 429 without a lookup (``settings.failed_auth_*``). The keyring is the key
store's (``KeyStore.keyring``): keys whose spec needs another tokenizer than the server's are
left out of detection (``skipped_keys``). Detection uses the
embedded model's tokenizer and, once it has loaded, the generation model's.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool

from greenmark.detector_api.audit_log import AuditWriter
from greenmark.detector_api.cache import TtlCache
from greenmark.detector_api.config import ApiSettings
from greenmark.detector_api.generation import GenerationService
from greenmark.detector_api.problems import ProblemError
from greenmark.detector_api.ratelimit import TokenBucketLimiter
from greenmark.receipts import ReceiptSigner
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
    failed_auth: TokenBucketLimiter | None = field(init=False)
    audit: AuditWriter | None = field(init=False)
    _api_keys: TtlCache = field(init=False)
    _keyrings: TtlCache = field(init=False)
    _signer: TtlCache = field(init=False)

    def __post_init__(self):
        settings = self.settings
        rate, failures = settings.rate_limit_per_second, settings.failed_auth_per_second
        self.limiter = TokenBucketLimiter(rate, settings.rate_limit_burst) if rate > 0 else None
        self.failed_auth = TokenBucketLimiter(failures, settings.failed_auth_burst) if failures > 0 else None
        self.audit = (
            AuditWriter(self.store, settings.audit_wait_for_commit, flush_seconds=settings.audit_flush_seconds)
            if settings.audit
            else None
        )
        self._api_keys = TtlCache(settings.api_key_cache_seconds)
        self._keyrings = TtlCache(settings.cache_seconds)
        self._signer = TtlCache(settings.cache_seconds)

    async def authenticate(self, token: str | None, client: str) -> ApiKeyInfo:
        """The API key's tenant and scopes: 401 when it is missing, unknown, malformed or revoked, and
        429 (before any lookup) while the ``client`` address has used up its failed authentications."""
        digest = hashlib.sha256(token.encode()).digest() if token else None
        info = self._api_keys.get(digest) if digest else None
        if info is not None:
            return info
        wait = self.failed_auth.wait(client) if self.failed_auth else 0.0
        if wait > 0:
            raise ProblemError(429, "too many failed authentications from this address", _retry_after(wait))
        try:
            if token is None:
                raise AuthenticationError("send an API key as 'Authorization: Bearer <api key>'")
            info = await run_in_threadpool(self.store.authenticate, token)
        except AuthenticationError as error:
            if self.failed_auth:
                self.failed_auth.acquire(client)
            detail = str(error) if token is None else "invalid or revoked API key"
            raise ProblemError(401, detail, {"WWW-Authenticate": "Bearer"}) from None
        self._api_keys.put(digest, info)
        return info

    @property
    def tokenizers(self) -> list[TextTokenizer]:
        """The tokenizers detection may use: the server's, and the generation model's once it has loaded."""
        loaded = self.generation.tokenizer if self.generation is not None else None
        return [self.tokenizer] if loaded is None else [self.tokenizer, loaded]

    def check_rate(self, api_key_id: str) -> None:
        """Spend one request of the key's bucket; 429 with ``Retry-After`` when it is empty."""
        wait = self.limiter.acquire(api_key_id) if self.limiter else 0.0
        if wait > 0:
            raise ProblemError(429, "rate limit exceeded for this API key", _retry_after(wait))

    async def keyring(self, tenant: str) -> TenantKeyring:
        """The tenant's non-retired keys that this server's tokenizers can test."""
        keyring = self._keyrings.get(tenant)
        if keyring is None:
            keyring = await run_in_threadpool(self.store.keyring, tenant, self.tokenizers)
            self._keyrings.put(tenant, keyring)
        return keyring

    async def receipt_signer(self) -> ReceiptSigner:
        """The store's active receipt-signing key (made on first use; a rotation shows after the cache time)."""
        signer = self._signer.get("active")
        if signer is None:
            signer = await run_in_threadpool(self.store.receipt_signer)
            self._signer.put("active", signer)
        return signer


def _retry_after(wait: float) -> dict[str, str]:
    """A ``Retry-After`` header of whole seconds (at least 1) covering ``wait``."""
    return {"Retry-After": str(max(1, math.ceil(wait)))}
