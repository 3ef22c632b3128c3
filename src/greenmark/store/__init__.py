"""The key store: tenants, versioned watermark keys encrypted at rest, and hashed API keys.

SQLite under ``GREENMARK_HOME`` by default, any SQLite or PostgreSQL database by
``GREENMARK_DB_URL``; see ``greenmark.store.settings`` for the environment variables and
``greenmark.store.migrations`` for schema versions.

>>> import tempfile
>>> from greenmark.store import KeyStore
>>> from greenmark.watermark.spec import WatermarkSpec
>>> with KeyStore.open(home=tempfile.mkdtemp()) as store:
...     stored = store.create_key("news", spec=WatermarkSpec(vocab_size=1000))
...     [metadata.key_id for _, _, metadata in store.keys_for_detection()] == [stored.key_id]
True
"""

from greenmark.store.api_keys import API_SCOPES, DEFAULT_SCOPES, ApiKeyInfo, CreatedApiKey
from greenmark.store.audit import AuditEntry, AuditRecord, ChainCheck
from greenmark.store.errors import (
    AuthenticationError,
    DuplicateKeyError,
    InvalidArgumentError,
    KeyIntegrityError,
    MasterKeyError,
    SchemaVersionError,
    StoreError,
    StoreUnavailableError,
    UnknownApiKeyError,
    UnknownKeyError,
)
from greenmark.store.keyring import TenantKeyring
from greenmark.store.models import KeyStatus
from greenmark.store.receipt_keys import ReceiptPublicKey
from greenmark.store.settings import StoreSettings
from greenmark.store.store import DEFAULT_TENANT, KeyStore
from greenmark.store.stored_key import DetectionKey, StoredKey

__all__ = [
    "API_SCOPES",
    "DEFAULT_SCOPES",
    "DEFAULT_TENANT",
    "ApiKeyInfo",
    "AuditEntry",
    "AuditRecord",
    "AuthenticationError",
    "ChainCheck",
    "CreatedApiKey",
    "DetectionKey",
    "DuplicateKeyError",
    "InvalidArgumentError",
    "KeyIntegrityError",
    "KeyStatus",
    "KeyStore",
    "MasterKeyError",
    "ReceiptPublicKey",
    "SchemaVersionError",
    "StoreError",
    "StoreSettings",
    "StoreUnavailableError",
    "StoredKey",
    "TenantKeyring",
    "UnknownApiKeyError",
    "UnknownKeyError",
]
