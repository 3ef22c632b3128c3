"""Schema migrations (Alembic), shipped inside the package and run by ``KeyStore.open``.

The database records its schema revision in Alembic's ``alembic_version`` table. Opening a store
upgrades it to this release's head inside one transaction that holds the writer lock (SQLite
``BEGIN IMMEDIATE``; a PostgreSQL advisory lock), so concurrent first opens are safe. A database
whose revision this release does not know was written by a newer greenmark: it is refused rather
than touched.

To change the schema, edit ``greenmark/store/models.py`` and add the matching migration, e.g.
``alembic.command.revision(alembic_config(), message="add key labels", rev_id="0002")`` writes
``versions/0002_*.py`` from ``script.py.mako``; fill in ``upgrade()`` by hand (batch operations
for SQLite). ``tests/store/test_migrations.py`` checks that the migrated schema matches the models.

>>> head_revision()
'0002'
"""

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from greenmark.store.errors import SchemaVersionError

# An arbitrary constant identifying greenmark's migration lock among PostgreSQL advisory locks.
POSTGRES_MIGRATION_LOCK = 0x67726D6B


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic ``Config`` for the shipped migrations, optionally bound to ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent))
    config.attributes["connection"] = connection
    return config


@cache
def _script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest schema revision this release of greenmark knows."""
    return _script_directory().get_current_head()


def current_revision(connection: Connection) -> str | None:
    """The schema revision recorded in the database; ``None`` for an empty database."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(connection: Connection) -> None:
    """Bring the database behind ``connection`` (inside a transaction) to ``head_revision()``."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": POSTGRES_MIGRATION_LOCK})
    revision = current_revision(connection)
    if revision == head_revision():
        return
    known = {script.revision for script in _script_directory().walk_revisions()}
    if revision is not None and revision not in known:
        raise SchemaVersionError(
            f"the key store has schema revision {revision!r}, newer than this greenmark knows ({head_revision()!r});"
            " upgrade greenmark"
        )
    command.upgrade(alembic_config(connection), "head")
