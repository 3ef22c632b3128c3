"""Fixtures: a private GREENMARK_HOME per test, and the key store on SQLite and (when configured) PostgreSQL.

PostgreSQL runs when ``GREENMARK_TEST_POSTGRES_URL`` is set (``.ci/start-postgres`` prints one);
each test then gets its own schema, dropped afterwards.
"""

import os
import secrets

import pytest
from sqlalchemy import create_engine, make_url, text

from greenmark.store import KeyStore
from greenmark.watermark.spec import WatermarkSpec

POSTGRES_URL_VARIABLE = "GREENMARK_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(autouse=True)
def private_environment(monkeypatch, tmp_path):
    """No GREENMARK_* setting of the machine leaks into a test; GREENMARK_HOME is a fresh directory."""
    for variable in ("GREENMARK_DB_URL", "GREENMARK_MASTER_KEY", "GREENMARK_DB_TIMEOUT"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("GREENMARK_HOME", str(tmp_path / "home"))


@pytest.fixture
def home(tmp_path):
    return tmp_path / "home"


@pytest.fixture
def spec():
    return WatermarkSpec(vocab_size=1000, gamma=0.25, delta=2.0)


def postgres_schema_url(base_url: str):
    """Create a fresh schema on the test server; return (url using it, cleanup function)."""
    schema = f"gm_test_{secrets.token_hex(6)}"
    admin = create_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))

    def drop():
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()

    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), drop


@pytest.fixture(params=BACKENDS)
def database_url(request, home):
    """A database URL for an empty key store: SQLite in GREENMARK_HOME, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{home / 'greenmark.db'}"
        return
    base_url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not base_url:
        pytest.skip(f"{POSTGRES_URL_VARIABLE} is not set; run `.ci/start-postgres` and export its output")
    url, drop = postgres_schema_url(base_url)
    yield url
    drop()


@pytest.fixture
def store(database_url, home):
    with KeyStore.open(url=database_url, home=home) as opened:
        yield opened
