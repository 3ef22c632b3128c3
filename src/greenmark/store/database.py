"""Engines for the key store: SQLite tuned for crash safety, PostgreSQL, and error translation.

SQLite runs in WAL mode with ``synchronous=FULL`` and a busy timeout; write transactions start
with ``BEGIN IMMEDIATE`` (take the writer lock up front, so they wait instead of failing midway)
and read transactions with a plain ``BEGIN``. A process killed at any point leaves either the
whole transaction or none of it. PostgreSQL gets a connect and a lock timeout.

>>> engine = create_store_engine("sqlite://", timeout=1.0)
>>> with engine.connect() as connection:
...     connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
1000
"""

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event, exc, make_url

from greenmark.store.errors import InvalidArgumentError, StoreUnavailableError

SUPPORTED_BACKENDS = ("sqlite", "postgresql")
WRITE_OPTION = "greenmark_write"
EXAMPLE_URL = "postgresql+psycopg://user:password@host/db"
UNAVAILABLE_ERRORS = (exc.OperationalError, exc.InterfaceError, exc.TimeoutError)


def create_store_engine(url: str, timeout: float) -> Engine:
    """An engine for ``url`` (SQLite or PostgreSQL) that waits at most ``timeout`` seconds for locks."""
    try:
        parsed = make_url(url)
    except (exc.ArgumentError, ValueError) as error:  # the URL is not echoed: it may hold a password
        raise InvalidArgumentError(f"not a database URL ({error}), e.g. {EXAMPLE_URL}") from error
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise InvalidArgumentError(f"the key store supports {' and '.join(SUPPORTED_BACKENDS)} URLs, got {backend!r}")
    try:
        if backend == "sqlite":
            return _sqlite_engine(parsed, timeout)
        return _postgres_engine(parsed, timeout)
    except exc.NoSuchModuleError as error:
        raise InvalidArgumentError(f"unknown database driver {parsed.drivername!r}, e.g. {EXAMPLE_URL}") from error
    except ImportError as error:
        raise InvalidArgumentError(
            f"the database driver {parsed.drivername!r} is not installed ({error.name or error})"
        ) from error


def _sqlite_engine(url, timeout: float) -> Engine:
    engine = create_engine(url, connect_args={"timeout": timeout})

    @event.listens_for(engine, "connect")
    def configure(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # the driver must not BEGIN on its own; "begin" below does
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        _enable_wal(cursor, timeout)
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(connection):
        connection.exec_driver_sql(
            "BEGIN IMMEDIATE" if connection.get_execution_options().get(WRITE_OPTION) else "BEGIN"
        )

    return engine


def _enable_wal(cursor, timeout: float) -> None:
    """Switch a new SQLite file to WAL. The switch needs the file to itself and SQLite answers "locked"
    at once (without its busy handler) while another first connection holds it, so retry until ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _postgres_engine(url, timeout: float) -> Engine:
    engine = create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": max(1, round(timeout))})

    @event.listens_for(engine, "connect")
    def configure(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = {int(timeout * 1000)}")
        dbapi_connection.commit()

    return engine


@contextmanager
def translate_errors(engine: Engine) -> Iterator[None]:
    """Turn "cannot connect / locked / not a database" driver errors into one-line ``StoreUnavailableError``."""
    try:
        yield
    except exc.SQLAlchemyError as error:
        # A bare DatabaseError is SQLite's "file is not a database"; its subclasses (integrity...) are bugs.
        if not isinstance(error, UNAVAILABLE_ERRORS) and type(error) is not exc.DatabaseError:
            raise
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        where = engine.url.render_as_string(hide_password=True)
        raise StoreUnavailableError(f"the key store database {where} is unavailable: {reason}") from error
