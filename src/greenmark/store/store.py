"""``KeyStore``: tenants, versioned encrypted watermark keys and hashed API keys in one database.

>>> import tempfile
>>> from greenmark.watermark.spec import WatermarkSpec
>>> store = KeyStore.open(home=tempfile.mkdtemp())
>>> first = store.create_key("news", spec=WatermarkSpec(vocab_size=1000))
>>> second = store.rotate("news")
>>> [(key.version, key.status.value) for key in store.list_keys()]
[(1, 'verify-only'), (2, 'active')]
>>> store.load_key(second.key_id).key_id == second.key_id
True
>>> store.close()
"""

from __future__ import annotations

import hmac
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta
from pathlib import Path

from cryptography.exceptions import InvalidTag
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from greenmark.receipts import ReceiptSigner
from greenmark.store import audit, migrations, receipt_keys
from greenmark.store.api_keys import (
    DEFAULT_SCOPES,
    ApiKeyInfo,
    CreatedApiKey,
    check_scopes,
    hash_api_key,
    new_api_key,
    parse_api_key_id,
)
from greenmark.store.audit import AuditEntry, AuditRecord, ChainCheck
from greenmark.store.crypto import (
    MASTER_KEY_CHECK_ASSOCIATED_DATA,
    MASTER_KEY_CHECK_PLAINTEXT,
    SecretBox,
    key_associated_data,
)
from greenmark.store.database import WRITE_OPTION, create_store_engine, translate_errors
from greenmark.store.errors import (
    AuthenticationError,
    DuplicateKeyError,
    InvalidArgumentError,
    KeyIntegrityError,
    MasterKeyError,
    StoreUnavailableError,
    UnknownApiKeyError,
    UnknownKeyError,
)
from greenmark.store.keyring import TenantKeyring
from greenmark.store.master_key import parse_master_key, read_key_file, read_or_create_key_file
from greenmark.store.models import ApiKeyRecord, KeyStatus, StoreInfo, Tenant, WatermarkKeyRecord, utc_now
from greenmark.store.receipt_keys import ReceiptPublicKey
from greenmark.store.settings import StoreSettings, load_settings
from greenmark.store.stored_key import DetectionKey, StoredKey
from greenmark.watermark.detector import MIN_SCORED_TOKENS
from greenmark.watermark.errors import InvalidKeyError
from greenmark.watermark.imported_key import ImportedKey
from greenmark.watermark.key import WatermarkKey
from greenmark.watermark.spec import WatermarkSpec
from greenmark.watermark.tokenizer import default_tokenizer

DEFAULT_TENANT = "default"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_NO_MATCH_HASH = hash_api_key("")


def check_name(kind: str, value: str) -> str:
    """``value`` if it is a valid tenant or key name (1-64 of ``A-Z a-z 0-9 . _ -``, starting alphanumeric).

    >>> check_name("key name", "news-2025")
    'news-2025'
    """
    if not isinstance(value, str) or not _NAME.match(value):
        raise InvalidArgumentError(f"invalid {kind} {value!r}: use 1-64 letters, digits, '.', '_' or '-'")
    return value


class KeyStore:
    """The key store behind one database; open it with ``KeyStore.open()`` and close it (or use ``with``).

    Every method runs in its own transaction, so one store may be shared by threads. Methods
    taking ``tenant=None`` search all tenants; a tenant given restricts them to that tenant's keys.
    """

    def __init__(self, engine: Engine, box: SecretBox, audit_retention_days: float | None = None):
        self._engine = engine
        self._write_engine = engine.execution_options(**{WRITE_OPTION: True})
        self._box = box
        self.audit_retention_days = audit_retention_days

    @classmethod
    def open(
        cls, url: str | None = None, home: str | os.PathLike | None = None, master_key: str | bytes | None = None
    ) -> KeyStore:
        """Open (creating or migrating as needed) the store at ``url``, else ``GREENMARK_DB_URL``, else SQLite in home.

        ``home`` replaces ``GREENMARK_HOME``; ``master_key`` (32 bytes, hex or base64) replaces
        ``GREENMARK_MASTER_KEY`` and the key file ``home/master.key``, which is created on first use.
        Raises ``MasterKeyError`` when the master key does not decrypt this store,
        ``StoreUnavailableError`` when the database cannot be reached or is locked, and
        ``SchemaVersionError`` when a newer greenmark wrote it.

        >>> import tempfile
        >>> with KeyStore.open(home=tempfile.mkdtemp()) as store:
        ...     store.list_keys()
        []
        """
        settings = load_settings(**({} if home is None else {"home": Path(home)}))
        engine = create_store_engine(url or settings.database_url, settings.db_timeout)
        try:
            with translate_errors(engine):
                if engine.dialect.name == "sqlite":
                    _create_private_file(engine.url.database)
                with engine.connect() as connection:
                    up_to_date = migrations.current_revision(connection) == migrations.head_revision()
                if not up_to_date:
                    with engine.execution_options(**{WRITE_OPTION: True}).begin() as connection:
                        migrations.upgrade(connection)
                return cls(engine, _unlock(engine, settings, master_key), settings.audit_retention_days)
        except BaseException:
            engine.dispose()
            raise

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    def __enter__(self) -> KeyStore:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"KeyStore({self.url!r})"

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self._engine.url.render_as_string(hide_password=True)

    @property
    def schema_revision(self) -> str | None:
        """The database's schema revision (see ``greenmark.store.migrations``)."""
        with translate_errors(self._engine), self._engine.connect() as connection:
            return migrations.current_revision(connection)

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with translate_errors(self._engine), _session(self._engine) as session:
            yield session

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with translate_errors(self._engine), _session(self._write_engine) as session:
            yield session

    def list_tenants(self) -> list[str]:
        """Names of all tenants, sorted; a tenant exists once it has a key or an API key."""
        with self._read() as session:
            return list(session.scalars(select(Tenant.name).order_by(Tenant.name)))

    def create_key(self, name: str, *, spec: WatermarkSpec, tenant: str = DEFAULT_TENANT) -> StoredKey:
        """Generate a random watermark key called ``name`` (version 1, active) in ``tenant``.

        Raises ``DuplicateKeyError`` when the tenant already has a key of that name.

        >>> import tempfile
        >>> with KeyStore.open(home=tempfile.mkdtemp()) as store:
        ...     store.create_key("news", spec=WatermarkSpec(vocab_size=1000), tenant="acme").version
        1
        """
        if _check_new_key(name, tenant, spec).imported:
            raise InvalidArgumentError(
                f"{spec.scheme} keys come from another engine: import the secret with `greenmark keys import`"
            )
        return self._insert_first_version(name, tenant, spec, WatermarkKey.generate())

    def import_key(self, name: str, *, spec: WatermarkSpec, secret: str, tenant: str = DEFAULT_TENANT) -> StoredKey:
        """Store another engine's watermark secret as key ``name`` (version 1, active) of ``tenant``.

        ``spec`` names an imported scheme (``greenmark.watermark.schemes.imported``) with the
        parameters of the generating configuration; ``secret`` is its text (``"42"``, ``"654,400,836"``),
        checked and made canonical by the scheme. It is encrypted exactly like a generated key.
        Raises ``InvalidArgumentError`` for a native scheme, ``InvalidKeyError`` for a malformed secret.
        """
        scheme = _check_new_key(name, tenant, spec)
        if not scheme.imported:
            raise InvalidArgumentError(f"{spec.scheme} keys are generated by greenmark: use `greenmark keys create`")
        return self._insert_first_version(name, tenant, spec, ImportedKey.create(scheme.canonical_secret(secret)))

    def _insert_first_version(self, name: str, tenant: str, spec: WatermarkSpec, key: WatermarkKey) -> StoredKey:
        with self._write() as session:
            owner = _lock_tenant(session, tenant, create=True)
            if _versions(session, owner, name):
                raise DuplicateKeyError(f"tenant {tenant!r} already has a key named {name!r}; rotate it instead")
            return _stored(self._add_version(session, owner, name, 1, spec, key))

    def rotate(self, name: str, tenant: str = DEFAULT_TENANT, *, spec: WatermarkSpec | None = None) -> StoredKey:
        """Make a new random active version of key ``name``; the previously active one becomes verify-only.

        Both changes happen in one transaction. The new version keeps the latest version's spec
        unless ``spec`` is given. Returns the new version.

        >>> import tempfile
        >>> with KeyStore.open(home=tempfile.mkdtemp()) as store:
        ...     _ = store.create_key("news", spec=WatermarkSpec(vocab_size=1000))
        ...     store.rotate("news").version
        2
        """
        if spec is not None and not isinstance(spec, WatermarkSpec):
            raise InvalidArgumentError(f"spec must be a WatermarkSpec, got {type(spec).__name__}")
        with self._write() as session:
            owner = _lock_tenant(session, tenant, create=False)
            versions = _versions(session, owner, name) if owner else []
            if not versions:
                raise UnknownKeyError(f"tenant {tenant!r} has no key named {name!r}")
            for record in versions:
                if record.status is KeyStatus.ACTIVE:
                    record.status = KeyStatus.VERIFY_ONLY
            session.flush()  # the old version stops being active before the new one is inserted
            latest = versions[-1]
            new_spec = spec or WatermarkSpec.from_json(latest.spec_json)
            if new_spec.watermark_scheme.imported:
                raise InvalidArgumentError(
                    f"key {name!r} is imported ({new_spec.scheme}): import the engine's new secret under a new name"
                )
            return _stored(
                self._add_version(session, owner, name, latest.version + 1, new_spec, WatermarkKey.generate())
            )

    def retire(self, key_id: str, tenant: str | None = None) -> StoredKey:
        """Retire the key version ``key_id``: detection stops testing it. Retiring twice is harmless.

        Retiring the active version leaves the name without one until the next ``rotate``.

        >>> import tempfile
        >>> with KeyStore.open(home=tempfile.mkdtemp()) as store:
        ...     key = store.create_key("news", spec=WatermarkSpec(vocab_size=1000))
        ...     store.retire(key.key_id).status.value
        'retired'
        """
        with self._write() as session:
            record = _find(session, key_id, tenant, for_update=True)
            record.status = KeyStatus.RETIRED
            return _stored(record)

    def list_keys(self, tenant: str | None = None, *, include_retired: bool = True) -> list[StoredKey]:
        """Every key version (of ``tenant``, or of all tenants), ordered by tenant, name and version."""
        statement = select(WatermarkKeyRecord).join(WatermarkKeyRecord.tenant)
        if tenant is not None:
            statement = statement.where(Tenant.name == tenant)
        if not include_retired:
            statement = statement.where(WatermarkKeyRecord.status != KeyStatus.RETIRED)
        statement = statement.order_by(Tenant.name, WatermarkKeyRecord.name, WatermarkKeyRecord.version)
        with self._read() as session:
            return [_stored(record) for record in session.scalars(statement)]

    def get_key(self, key_id: str, tenant: str | None = None) -> StoredKey:
        """The public metadata of key version ``key_id``; ``UnknownKeyError`` if it is not there."""
        with self._read() as session:
            return _stored(_find(session, key_id, tenant))

    def get_active(self, name: str, tenant: str = DEFAULT_TENANT) -> StoredKey:
        """The active version of key ``name``: the one to generate with.

        >>> import tempfile
        >>> with KeyStore.open(home=tempfile.mkdtemp()) as store:
        ...     created = store.create_key("news", spec=WatermarkSpec(vocab_size=1000))
        ...     store.get_active("news") == created
        True
        """
        statement = (
            select(WatermarkKeyRecord)
            .join(WatermarkKeyRecord.tenant)
            .where(Tenant.name == tenant, WatermarkKeyRecord.name == name)
            .order_by(WatermarkKeyRecord.version)
        )
        with self._read() as session:
            versions = list(session.scalars(statement))
        if not versions:
            raise UnknownKeyError(f"tenant {tenant!r} has no key named {name!r}")
        active = [record for record in versions if record.status is KeyStatus.ACTIVE]
        if not active:
            raise UnknownKeyError(f"key {name!r} of tenant {tenant!r} has no active version; rotate it to make one")
        return _stored(active[0])

    def load_key(self, key_id: str, tenant: str | None = None) -> WatermarkKey:
        """Decrypt the secret of key version ``key_id``; ``KeyIntegrityError`` if its row was tampered with.

        >>> import tempfile
        >>> with KeyStore.open(home=tempfile.mkdtemp()) as store:
        ...     key_id = store.create_key("news", spec=WatermarkSpec(vocab_size=1000)).key_id
        ...     store.load_key(key_id).key_id == key_id
        True
        """
        with self._read() as session:
            return self._decrypt(_find(session, key_id, tenant))

    def keys_for_detection(self, tenant: str = DEFAULT_TENANT) -> list[DetectionKey]:
        """Every non-retired version of every key of ``tenant`` as ``(key, spec, metadata)`` triples.

        Detection tests all of them (and corrects for testing several). An unknown tenant has none.

        >>> import tempfile
        >>> with KeyStore.open(home=tempfile.mkdtemp()) as store:
        ...     _ = store.create_key("news", spec=WatermarkSpec(vocab_size=1000))
        ...     _ = store.rotate("news")
        ...     [metadata.version for key, spec, metadata in store.keys_for_detection()]
        [1, 2]
        """
        statement = (
            select(WatermarkKeyRecord)
            .join(WatermarkKeyRecord.tenant)
            .where(Tenant.name == tenant, WatermarkKeyRecord.status != KeyStatus.RETIRED)
            .order_by(WatermarkKeyRecord.name, WatermarkKeyRecord.version)
        )
        detection_keys = []
        with self._read() as session:
            for record in session.scalars(statement):
                stored = _stored(record)
                detection_keys.append(DetectionKey(self._decrypt(record), stored.spec, stored))
        return detection_keys

    def keyring(
        self, tenant: str = DEFAULT_TENANT, tokenizers=None, *, min_scored_tokens: int = MIN_SCORED_TOKENS
    ) -> TenantKeyring:
        """The keyring detection uses for ``tenant``: every non-retired key version, of any scheme.

        ``tokenizers`` (default: the embedded model's) are those detection may use; keys made for
        another are left out (``skipped_keys``). An unknown tenant gives an empty keyring.

        >>> import tempfile
        >>> with KeyStore.open(home=tempfile.mkdtemp()) as store:
        ...     store.keyring("nobody").key_ids
        []
        """
        tokenizers = [default_tokenizer()] if tokenizers is None else tokenizers
        keys = self.keys_for_detection(tenant)
        return TenantKeyring(tenant, keys, tokenizers, min_scored_tokens=min_scored_tokens)

    def create_api_key(self, tenant: str = DEFAULT_TENANT, *, scopes=DEFAULT_SCOPES) -> CreatedApiKey:
        """A new API key for ``tenant``; ``.api_key`` holds the token, which is shown this once and never stored.

        >>> import tempfile
        >>> with KeyStore.open(home=tempfile.mkdtemp()) as store:
        ...     created = store.create_api_key("acme", scopes=["detect"])
        ...     store.authenticate(created.api_key).tenant
        'acme'
        """
        check_name("tenant", tenant)
        chosen_scopes = check_scopes(scopes)
        api_key_id, token = new_api_key()
        with self._write() as session:
            owner = _lock_tenant(session, tenant, create=True)
            record = ApiKeyRecord(
                tenant=owner,
                api_key_id=api_key_id,
                token_hash=hash_api_key(token),
                scopes=list(chosen_scopes),
                created_at=utc_now(),
            )
            session.add(record)
            session.flush()
            return CreatedApiKey(api_key=token, info=_api_key_info(record))

    def list_api_keys(self, tenant: str | None = None, *, include_revoked: bool = True) -> list[ApiKeyInfo]:
        """Public facts of every API key (of ``tenant``, or of all tenants), oldest first; never the tokens."""
        statement = select(ApiKeyRecord).join(ApiKeyRecord.tenant)
        if tenant is not None:
            statement = statement.where(Tenant.name == tenant)
        if not include_revoked:
            statement = statement.where(ApiKeyRecord.revoked_at.is_(None))
        statement = statement.order_by(ApiKeyRecord.created_at, ApiKeyRecord.id)
        with self._read() as session:
            return [_api_key_info(record) for record in session.scalars(statement)]

    def revoke_api_key(self, api_key_id: str, tenant: str | None = None) -> ApiKeyInfo:
        """Revoke an API key by its id (or its full token); it fails ``authenticate`` from now on.

        >>> import tempfile
        >>> with KeyStore.open(home=tempfile.mkdtemp()) as store:
        ...     created = store.create_api_key("acme")
        ...     store.revoke_api_key(created.info.api_key_id).revoked
        True
        """
        api_key_id = parse_api_key_id(api_key_id) or api_key_id
        statement = select(ApiKeyRecord).join(ApiKeyRecord.tenant).where(ApiKeyRecord.api_key_id == api_key_id)
        if tenant is not None:
            statement = statement.where(Tenant.name == tenant)
        with self._write() as session:
            record = session.scalars(statement.with_for_update(of=ApiKeyRecord)).one_or_none()
            if record is None:
                raise UnknownApiKeyError(f"no API key {api_key_id!r}" + (f" in tenant {tenant!r}" if tenant else ""))
            if record.revoked_at is None:
                record.revoked_at = utc_now()
            return _api_key_info(record)

    def authenticate(self, api_key: str) -> ApiKeyInfo:
        """The API key's tenant and scopes; ``AuthenticationError`` if it is malformed, unknown or revoked.

        The token's hash is compared in constant time.

        >>> import tempfile
        >>> with KeyStore.open(home=tempfile.mkdtemp()) as store:
        ...     store.authenticate("gmak_000000000000_" + "x" * 43)
        Traceback (most recent call last):
        greenmark.store.errors.AuthenticationError: invalid or revoked API key
        """
        api_key_id = parse_api_key_id(api_key)
        record = None
        if api_key_id is not None:
            with self._read() as session:
                record = session.scalars(
                    select(ApiKeyRecord).where(ApiKeyRecord.api_key_id == api_key_id)
                ).one_or_none()
        expected = record.token_hash if record is not None else _NO_MATCH_HASH
        matches = hmac.compare_digest(hash_api_key(api_key if isinstance(api_key, str) else ""), expected)
        if record is None or not matches or record.revoked_at is not None:
            raise AuthenticationError("invalid or revoked API key")
        return _api_key_info(record)

    # -- receipt signing keys ----------------------------------------------------------------
    def receipt_signer(self) -> ReceiptSigner:
        """The active receipt-signing key, generated (and stored sealed under the master key) on first use.

        >>> import tempfile
        >>> with KeyStore.open(home=tempfile.mkdtemp()) as store:
        ...     store.receipt_signer().kid == store.receipt_signer().kid
        True
        """
        with self._read() as session:
            record = receipt_keys.active_record(session)
        if record is None:
            try:
                with self._write() as session:
                    record = receipt_keys.active_record(session, for_update=True) or receipt_keys.add_signing_key(
                        session, self._box
                    )
            except IntegrityError:  # a concurrent first use made one (one active key: a unique index)
                with self._read() as session:
                    record = receipt_keys.active_record(session)
        return receipt_keys.open_signer(record, self._box)

    def rotate_receipt_key(self) -> ReceiptPublicKey:
        """Retire the active receipt-signing key (its public key stays published) and make a new one.

        >>> import tempfile
        >>> with KeyStore.open(home=tempfile.mkdtemp()) as store:
        ...     old = store.receipt_signer().kid
        ...     new = store.rotate_receipt_key().kid
        ...     [(key.kid == new, key.active) for key in store.receipt_public_keys()]
        [(False, False), (True, True)]
        """
        with self._write() as session:
            current = receipt_keys.active_record(session, for_update=True)
            if current is not None:
                current.active, current.retired_at = False, utc_now()
                session.flush()  # the old key stops being active before the new one is inserted
            record = receipt_keys.add_signing_key(session, self._box)
        return next(key for key in self.receipt_public_keys() if key.kid == record.kid)

    def receipt_public_keys(self) -> list[ReceiptPublicKey]:
        """Every receipt-signing key's public half (active and retired), oldest first."""
        with self._read() as session:
            return receipt_keys.public_keys(session)

    # -- audit log -------------------------------------------------------------------------
    def append_audit(self, entries: list[AuditEntry]) -> list[AuditRecord]:
        """Append ``entries`` to their tenants' hash chains in one transaction; returns the records.

        >>> import tempfile
        >>> with KeyStore.open(home=tempfile.mkdtemp()) as store:
        ...     records = store.append_audit([AuditEntry("acme", "ab" * 32, "not_watermarked", 0.5)] * 2)
        ...     [record.sequence for record in records], store.verify_audit()[0].intact
        ([1, 2], True)
        """
        if not entries:
            return []
        with translate_errors(self._engine), self._write_engine.begin() as connection:
            return audit.append(connection, list(entries))

    def audit_records(
        self,
        tenant: str | None = None,
        *,
        since: datetime | None = None,
        after_sequence: int = 0,
        limit: int | None = None,
    ) -> list[AuditRecord]:
        """Audit records (of ``tenant``, or all), oldest first, from ``since`` and after ``after_sequence``."""
        return list(self.iter_audit(tenant, since=since, after_sequence=after_sequence, limit=limit))

    def iter_audit(
        self,
        tenant: str | None = None,
        *,
        since: datetime | None = None,
        after_sequence: int = 0,
        limit: int | None = None,
    ) -> Iterator[AuditRecord]:
        """Like ``audit_records``, streamed from one read transaction (for exports of any size)."""
        with translate_errors(self._engine), self._engine.connect() as connection:
            yield from audit.records(connection, tenant=tenant, since=since, after_sequence=after_sequence, limit=limit)

    def verify_audit(self, tenant: str | None = None) -> list[ChainCheck]:
        """Check the hash chain of ``tenant`` (or of every tenant with one): edits, deletions, a cut-off end."""
        with translate_errors(self._engine), self._engine.connect() as connection:
            return [audit.verify(connection, name) for name in ([tenant] if tenant else audit.tenants(connection))]

    def prune_audit(self, before: datetime | None = None) -> int:
        """Delete audit records older than ``before`` (default: the retention setting; none set: nothing).

        Returns how many records went; the chains still verify from their first remaining record.
        """
        if before is None:
            if self.audit_retention_days is None:
                return 0
            before = utc_now() - timedelta(days=self.audit_retention_days)
        with translate_errors(self._engine), self._write_engine.begin() as connection:
            return audit.prune(connection, before)

    def _add_version(
        self, session: Session, tenant: Tenant, name: str, version: int, spec: WatermarkSpec, key: WatermarkKey
    ) -> WatermarkKeyRecord:
        nonce, ciphertext = self._box.seal(
            key.secret_bytes(), key_associated_data(tenant.name, name, key.key_id, version)
        )
        record = WatermarkKeyRecord(
            tenant=tenant,
            name=name,
            version=version,
            status=KeyStatus.ACTIVE,
            key_id=key.key_id,
            spec_json=spec.to_json(),
            secret_nonce=nonce,
            secret_ciphertext=ciphertext,
            created_at=utc_now(),
        )
        session.add(record)
        session.flush()
        return record

    def _decrypt(self, record: WatermarkKeyRecord) -> WatermarkKey:
        associated_data = key_associated_data(record.tenant.name, record.name, record.key_id, record.version)
        try:
            secret = self._box.open(record.secret_nonce, record.secret_ciphertext, associated_data)
            key = WatermarkSpec.from_json(record.spec_json).watermark_scheme.key_class(secret)
        except (InvalidTag, InvalidKeyError):
            key = None
        if key is None or key.key_id != record.key_id:
            raise KeyIntegrityError(
                f"the stored secret of key {record.key_id} fails authentication: its row was altered or moved"
            )
        return key


@contextmanager
def _session(engine: Engine) -> Iterator[Session]:
    # One transaction; loaded rows stay readable after it commits (they are turned into dataclasses).
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


def _create_private_file(path: str | None) -> None:
    # A new SQLite database file is created 0600 in a 0700 directory (SQLite's -wal/-shm copy the mode).
    if not path or path == ":memory:" or path.startswith("file:") or os.path.exists(path):
        return
    try:
        os.makedirs(os.path.dirname(os.path.abspath(path)), mode=0o700, exist_ok=True)
        with suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as error:
        raise StoreUnavailableError(f"cannot create the key store database {path}: {error.strerror}") from error


def _unlock(engine: Engine, settings: StoreSettings, master_key: str | bytes | None) -> SecretBox:
    """The ``SecretBox`` of the master key that opens this store's check value (stored on first open)."""
    if master_key is None and settings.master_key is not None:
        master_key = settings.master_key.get_secret_value()
    with _session(engine) as session:
        info = session.get(StoreInfo, 1)
    if master_key is not None:
        box = SecretBox(parse_master_key(master_key))
    elif info is None:
        box = SecretBox(read_or_create_key_file(settings.master_key_file))
    elif settings.master_key_file.exists():
        box = SecretBox(read_key_file(settings.master_key_file))
    else:
        raise MasterKeyError(
            f"no master key for this key store: set GREENMARK_MASTER_KEY or restore {settings.master_key_file}"
        )
    if info is None:
        info = _store_check_value(engine, box)
    try:
        box.open(info.master_key_check_nonce, info.master_key_check_ciphertext, MASTER_KEY_CHECK_ASSOCIATED_DATA)
    except InvalidTag:
        raise MasterKeyError("the master key does not decrypt this key store") from None
    return box


def _store_check_value(engine: Engine, box: SecretBox) -> StoreInfo:
    """Record a value sealed under the master key, unless a concurrent first open did so first."""
    nonce, ciphertext = box.seal(MASTER_KEY_CHECK_PLAINTEXT, MASTER_KEY_CHECK_ASSOCIATED_DATA)
    try:
        with _session(engine.execution_options(**{WRITE_OPTION: True})) as session:
            if session.get(StoreInfo, 1) is None:
                session.add(
                    StoreInfo(
                        id=1, master_key_check_nonce=nonce, master_key_check_ciphertext=ciphertext, created_at=utc_now()
                    )
                )
    except IntegrityError:
        pass
    with _session(engine) as session:
        info = session.get(StoreInfo, 1)
    if info is None:
        raise StoreUnavailableError("the key store could not record its master key check value")
    return info


def _check_new_key(name: str, tenant: str, spec: WatermarkSpec):
    """The scheme of a new key's ``spec``, once the names and the spec are checked."""
    check_name("key name", name)
    check_name("tenant", tenant)
    if not isinstance(spec, WatermarkSpec):
        raise InvalidArgumentError(f"spec must be a WatermarkSpec, got {type(spec).__name__}")
    return spec.watermark_scheme


def _lock_tenant(session: Session, name: str, *, create: bool) -> Tenant | None:
    """The tenant row, locked for this transaction (serialises key writes per tenant); created if asked."""
    statement = select(Tenant).where(Tenant.name == name).with_for_update()
    tenant = session.scalars(statement).one_or_none()
    if tenant is None and create:
        try:
            with session.begin_nested():
                tenant = Tenant(name=name, created_at=utc_now())
                session.add(tenant)
        except IntegrityError:  # created concurrently by another transaction, which has committed
            tenant = session.scalars(statement).one()
    return tenant


def _versions(session: Session, tenant: Tenant, name: str) -> list[WatermarkKeyRecord]:
    statement = (
        select(WatermarkKeyRecord)
        .where(WatermarkKeyRecord.tenant_id == tenant.id, WatermarkKeyRecord.name == name)
        .order_by(WatermarkKeyRecord.version)
        .with_for_update(of=WatermarkKeyRecord)
    )
    return list(session.scalars(statement))


def _find(session: Session, key_id: str, tenant: str | None, *, for_update: bool = False) -> WatermarkKeyRecord:
    statement = select(WatermarkKeyRecord).join(WatermarkKeyRecord.tenant).where(WatermarkKeyRecord.key_id == key_id)
    if tenant is not None:
        statement = statement.where(Tenant.name == tenant)
    if for_update:
        statement = statement.with_for_update(of=WatermarkKeyRecord)
    record = session.scalars(statement).one_or_none()
    if record is None:
        raise UnknownKeyError(f"no key {key_id!r}" + (f" in tenant {tenant!r}" if tenant is not None else ""))
    return record


def _stored(record: WatermarkKeyRecord) -> StoredKey:
    return StoredKey(
        tenant=record.tenant.name,
        name=record.name,
        version=record.version,
        status=record.status,
        key_id=record.key_id,
        spec=WatermarkSpec.from_json(record.spec_json),
        created_at=record.created_at,
    )


def _api_key_info(record: ApiKeyRecord) -> ApiKeyInfo:
    return ApiKeyInfo(
        api_key_id=record.api_key_id,
        tenant=record.tenant.name,
        scopes=tuple(record.scopes),
        created_at=record.created_at,
        revoked_at=record.revoked_at,
    )
