"""Alembic environment: migrates the connection the key store hands over (no alembic.ini, no URL).

Alembic executes this file; imported any other way (e.g. by a doctest collector) it does nothing.
"""

from alembic import context

from greenmark.store.models import Base


def run_migrations() -> None:
    """Run the pending migrations on ``config.attributes["connection"]`` inside its transaction."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("greenmark migrations run through greenmark.store.migrations.upgrade(connection)")
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if getattr(context, "config", None) is not None:
    run_migrations()
