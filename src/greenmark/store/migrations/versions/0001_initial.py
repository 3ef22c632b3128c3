"""Initial schema: tenants, versioned encrypted watermark keys, hashed API keys, store info.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY_STATUSES = ("active", "verify-only", "retired")


def upgrade() -> None:
    """Create the four tables and the one-active-version-per-name index."""
    op.create_table(
        "store_info",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("master_key_check_nonce", sa.LargeBinary(16), nullable=False),
        sa.Column("master_key_check_ciphertext", sa.LargeBinary(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_store_info_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_info")),
    )
    op.create_table(
        "tenants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
        sa.UniqueConstraint("name", name=op.f("uq_tenants_name")),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_api_keys_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("api_key_id", name=op.f("uq_api_keys_api_key_id")),
    )
    op.create_table(
        "watermark_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(*KEY_STATUSES, name="key_status", native_enum=False, create_constraint=True, length=16),
            nullable=False,
        ),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("spec_json", sa.Text(), nullable=False),
        sa.Column("secret_nonce", sa.LargeBinary(16), nullable=False),
        sa.Column("secret_ciphertext", sa.LargeBinary(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_watermark_keys_version_positive")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_watermark_keys_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watermark_keys")),
        sa.UniqueConstraint("key_id", name=op.f("uq_watermark_keys_key_id")),
        sa.UniqueConstraint("tenant_id", "name", "version", name=op.f("uq_watermark_keys_tenant_id_name_version")),
    )
    op.create_index(
        "uq_watermark_keys_one_active",
        "watermark_keys",
        ["tenant_id", "name"],
        unique=True,
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    )


def downgrade() -> None:
    """Drop everything ``upgrade`` created."""
    op.drop_index("uq_watermark_keys_one_active", table_name="watermark_keys")
    op.drop_table("watermark_keys")
    op.drop_table("api_keys")
    op.drop_table("tenants")
    op.drop_table("store_info")
