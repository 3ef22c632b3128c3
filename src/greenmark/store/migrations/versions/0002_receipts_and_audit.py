"""Receipt signing keys, the hash-chained audit log and its per-tenant chain heads.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``receipt_signing_keys``, ``audit_records`` and ``audit_chain_heads``."""
    op.create_table(
        "receipt_signing_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(64), nullable=False),
        sa.Column("public_key", sa.LargeBinary(32), nullable=False),
        sa.Column("secret_nonce", sa.LargeBinary(16), nullable=False),
        sa.Column("secret_ciphertext", sa.LargeBinary(64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipt_signing_keys")),
        sa.UniqueConstraint("kid", name=op.f("uq_receipt_signing_keys_kid")),
    )
    op.create_index(
        "uq_receipt_signing_keys_one_active",
        "receipt_signing_keys",
        ["active"],
        unique=True,
        sqlite_where=sa.text("active"),
        postgresql_where=sa.text("active"),
    )
    op.create_table(
        "audit_records",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("api_key_id", sa.String(64), nullable=True),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("text_sha256", sa.String(64), nullable=False),
        sa.Column("decision", sa.String(32), nullable=False),
        sa.Column("p_value", sa.Double(), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=True),
        sa.Column("receipt_id", sa.String(64), nullable=True),
        sa.Column("previous_hash", sa.String(64), nullable=False),
        sa.Column("record_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_records")),
        sa.UniqueConstraint("tenant", "sequence", name=op.f("uq_audit_records_tenant_sequence")),
    )
    op.create_index("ix_audit_records_tenant_recorded_at", "audit_records", ["tenant", "recorded_at"])
    op.create_table(
        "audit_chain_heads",
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("last_sequence", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.Column("last_recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pruned_through_sequence", sa.BigInteger(), nullable=False),
        sa.Column("pruned_through_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("tenant", name=op.f("pk_audit_chain_heads")),
    )


def downgrade() -> None:
    """Drop everything ``upgrade`` created."""
    op.drop_table("audit_chain_heads")
    op.drop_index("ix_audit_records_tenant_recorded_at", table_name="audit_records")
    op.drop_table("audit_records")
    op.drop_index("uq_receipt_signing_keys_one_active", table_name="receipt_signing_keys")
    op.drop_table("receipt_signing_keys")
