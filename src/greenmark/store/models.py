"""The key store's tables (SQLAlchemy 2 typed declarative models).

``tenants`` own ``watermark_keys`` (one row per version; the secret AES-GCM encrypted) and
``api_keys`` (a public id and the SHA-256 of the token; never the token). ``store_info`` holds
one row: a value sealed under the master key, so a wrong master key is recognised on open.
A partial unique index lets at most one version per (tenant, name) be active.

``receipt_signing_keys`` hold the Ed25519 keys that sign detection receipts (the private key
AES-GCM encrypted; at most one active; retired ones stay for their public keys).
``audit_records`` is the hash-chained detection log, one chain per tenant; ``audit_chain_heads``
holds each chain's newest record and where pruning cut it (see ``greenmark.store.audit``).

>>> sorted(Base.metadata.tables)
['api_keys', 'audit_chain_heads', 'audit_records', 'receipt_signing_keys', 'store_info', 'tenants', 'watermark_keys']
"""

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy import Enum as SqlEnum
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAME_LENGTH = 64


class KeyStatus(StrEnum):
    """A key version's state: active (generates and detects), verify-only (detects), retired (neither)."""

    ACTIVE = "active"
    VERIFY_ONLY = "verify-only"
    RETIRED = "retired"


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations can name every constraint."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Tenant(Base):
    """A customer or team; keys and API keys belong to exactly one tenant."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class WatermarkKeyRecord(Base):
    """One version of a named watermark key; ``secret_ciphertext`` is AES-GCM under the master key."""

    __tablename__ = "watermark_keys"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index(
            "uq_watermark_keys_one_active",
            "tenant_id",
            "name",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    version: Mapped[int]
    status: Mapped[KeyStatus] = mapped_column(
        SqlEnum(
            KeyStatus,
            name="key_status",
            native_enum=False,
            create_constraint=True,
            length=16,
            values_callable=lambda statuses: [status.value for status in statuses],
        )
    )
    key_id: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)
    spec_json: Mapped[str] = mapped_column(Text)
    secret_nonce: Mapped[bytes] = mapped_column(LargeBinary(16))
    secret_ciphertext: Mapped[bytes] = mapped_column(LargeBinary(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    tenant: Mapped[Tenant] = relationship(lazy="joined", innerjoin=True)


class ApiKeyRecord(Base):
    """An API key of a tenant: its public id, the SHA-256 of the whole token, scopes, revocation time."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    api_key_id: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    tenant: Mapped[Tenant] = relationship(lazy="joined", innerjoin=True)


class StoreInfo(Base):
    """The single row (id 1) describing the store: the master-key check value and creation time."""

    __tablename__ = "store_info"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    master_key_check_nonce: Mapped[bytes] = mapped_column(LargeBinary(16))
    master_key_check_ciphertext: Mapped[bytes] = mapped_column(LargeBinary(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class ReceiptSigningKeyRecord(Base):
    """An Ed25519 receipt-signing key: ``kid`` (RFC 7638 thumbprint), public key, AES-GCM sealed private key."""

    __tablename__ = "receipt_signing_keys"
    __table_args__ = (
        Index(
            "uq_receipt_signing_keys_one_active",
            "active",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    secret_nonce: Mapped[bytes] = mapped_column(LargeBinary(16))
    secret_ciphertext: Mapped[bytes] = mapped_column(LargeBinary(64))
    active: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditRecordRow(Base):
    """One logged detection: who asked, the text's hash and the verdict; never the text or a secret.

    ``record_hash`` is the SHA-256 of the record's fields, ``previous_hash`` included, so each
    record seals the one before it in its tenant's chain.
    """

    __tablename__ = "audit_records"
    __table_args__ = (
        UniqueConstraint("tenant", "sequence"),
        Index("ix_audit_records_tenant_recorded_at", "tenant", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(NAME_LENGTH))
    sequence: Mapped[int] = mapped_column(BigInteger())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(16))
    api_key_id: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    request_id: Mapped[str | None] = mapped_column(String(128))
    text_sha256: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(32))
    p_value: Mapped[float] = mapped_column(Double())
    key_id: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    receipt_id: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    previous_hash: Mapped[str] = mapped_column(String(64))
    record_hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """Per tenant: the newest record of its audit chain, and the last record pruning removed."""

    __tablename__ = "audit_chain_heads"

    tenant: Mapped[str] = mapped_column(String(NAME_LENGTH), primary_key=True)
    last_sequence: Mapped[int] = mapped_column(BigInteger())
    last_hash: Mapped[str] = mapped_column(String(64))
    last_recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    pruned_through_sequence: Mapped[int] = mapped_column(BigInteger())
    pruned_through_hash: Mapped[str] = mapped_column(String(64))
