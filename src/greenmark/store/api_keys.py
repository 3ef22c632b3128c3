"""API keys for the detection API: the token format, its hash, scopes, and the public views.

A token reads ``gmak_<12 hex>_<43 URL-safe chars>``: the first two parts are the public
``api_key_id`` (for listing, revoking and lookup), the last is 256 random bits. The store keeps
only the SHA-256 of the whole token; with that much entropy a slow password hash adds nothing.

>>> api_key_id, token = new_api_key()
>>> parse_api_key_id(token) == api_key_id, len(hash_api_key(token))
(True, 32)
>>> parse_api_key_id("not a key") is None
True
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from greenmark.store.errors import InvalidArgumentError

API_KEY_PREFIX = "gmak"
API_SCOPES = ("audit", "detect", "generate", "green-marks")
DEFAULT_SCOPES = ("detect", "generate")
_TOKEN = re.compile(rf"^({API_KEY_PREFIX}_[0-9a-f]{{12}})_[A-Za-z0-9_-]{{43}}$")


def new_api_key() -> tuple[str, str]:
    """A fresh ``(api_key_id, token)`` pair; the token contains the id."""
    api_key_id = f"{API_KEY_PREFIX}_{secrets.token_hex(6)}"
    return api_key_id, f"{api_key_id}_{secrets.token_urlsafe(32)}"


def parse_api_key_id(token: str) -> str | None:
    """The public id inside ``token``, or ``None`` when it is not shaped like a greenmark API key."""
    match = _TOKEN.match(token) if isinstance(token, str) else None
    return match.group(1) if match else None


def hash_api_key(token: str) -> bytes:
    """The stored form of a token: SHA-256 of its UTF-8 bytes (domain-separated)."""
    return hashlib.sha256(b"greenmark-api-key/v1\0" + token.encode()).digest()


def check_scopes(scopes) -> tuple[str, ...]:
    """``scopes`` as a sorted, de-duplicated tuple; unknown scopes are an ``InvalidArgumentError``.

    >>> check_scopes(["generate", "detect", "detect"])
    ('detect', 'generate')
    """
    if isinstance(scopes, str):
        raise InvalidArgumentError("scopes must be a list of names, not one string")
    chosen = tuple(sorted(set(scopes)))
    if not chosen:
        raise InvalidArgumentError(f"an API key needs at least one scope of {list(API_SCOPES)}")
    unknown = [scope for scope in chosen if scope not in API_SCOPES]
    if unknown:
        raise InvalidArgumentError(f"unknown API key scopes {unknown}; expected some of {list(API_SCOPES)}")
    return chosen


@dataclass(frozen=True)
class ApiKeyInfo:
    """Public facts about an API key (never the token): id, tenant, scopes, creation and revocation time."""

    api_key_id: str
    tenant: str
    scopes: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def revoked(self) -> bool:
        """Whether the key was revoked (it then fails ``authenticate``)."""
        return self.revoked_at is not None

    def has_scope(self, scope: str) -> bool:
        """Whether the key grants ``scope`` (e.g. ``"green-marks"``)."""
        return scope in self.scopes


@dataclass(frozen=True)
class CreatedApiKey:
    """The result of creating an API key: ``api_key`` is the token, shown this once and never stored."""

    api_key: str
    info: ApiKeyInfo

    def __repr__(self) -> str:
        return f"CreatedApiKey(api_key=<hidden>, info={self.info!r})"
