"""Exceptions raised by the key store; each names one failure and carries a one-line message.

>>> from greenmark.store.errors import StoreError, UnknownKeyError
>>> issubclass(UnknownKeyError, StoreError)
True
"""


class StoreError(Exception):
    """Base class of every error the key store raises."""


class InvalidArgumentError(StoreError, ValueError):
    """A tenant name, key name or API-key scope is malformed."""


class UnknownKeyError(StoreError, LookupError):
    """No watermark key matches the given name or key id (in that tenant)."""


class DuplicateKeyError(StoreError):
    """A watermark key with that name already exists in the tenant."""


class MasterKeyError(StoreError):
    """The master key is missing, malformed, or does not decrypt this key store."""


class KeyIntegrityError(StoreError):
    """A stored secret fails authentication: the row was altered or moved to another row."""


class StoreUnavailableError(StoreError):
    """The database cannot be reached, opened, or is locked by another process."""


class SchemaVersionError(StoreError):
    """The database schema was written by a newer greenmark than this one."""


class UnknownApiKeyError(StoreError, LookupError):
    """No API key has that id (in that tenant)."""


class AuthenticationError(StoreError):
    """An API key is malformed, unknown or revoked (deliberately not saying which)."""
