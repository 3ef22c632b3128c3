"""Where greenmark keeps its data: ``GREENMARK_HOME``, ``GREENMARK_DB_URL``, ``GREENMARK_MASTER_KEY``.

``GREENMARK_HOME`` (default: the platform's user data directory for "greenmark") holds the
embedded SQLite database ``greenmark.db`` and the master key file ``master.key``.
``GREENMARK_DB_URL`` replaces the embedded database by any SQLAlchemy URL (for PostgreSQL:
``postgresql+psycopg://user:password@host/db``). ``GREENMARK_MASTER_KEY`` (64 hex digits or the
base64 of 32 bytes) replaces the key file. ``GREENMARK_DB_TIMEOUT`` is how many seconds to wait
for a locked or slow database before giving up (more than 0, at most a day).
``GREENMARK_AUDIT_RETENTION_DAYS`` keeps audit records that many days (``greenmark audit prune``
and the API remove older ones); unset keeps all.

>>> settings = StoreSettings(home="/tmp/gm-example", db_url=None)
>>> settings.database_url
'sqlite:////tmp/gm-example/greenmark.db'
>>> try:
...     load_settings(db_timeout="abc")
... except InvalidArgumentError as error:
...     print(error)
GREENMARK_DB_TIMEOUT='abc' is invalid: Input should be a valid number, unable to parse string as a number
"""

from pathlib import Path

import platformdirs
from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from greenmark.store.errors import InvalidArgumentError

DATABASE_FILE = "greenmark.db"
MASTER_KEY_FILE = "master.key"
MAX_DB_TIMEOUT_S = 86_400.0  # a day: longer waits are a misconfiguration (and overflow the drivers' timers)


class StoreSettings(BaseSettings):
    """Key-store settings read from ``GREENMARK_*`` environment variables (empty values count as unset)."""

    model_config = SettingsConfigDict(env_prefix="GREENMARK_", env_ignore_empty=True, extra="ignore")

    home: Path = Field(default_factory=lambda: platformdirs.user_data_path("greenmark"))
    db_url: str | None = None
    master_key: SecretStr | None = None
    db_timeout: float = Field(default=10.0, gt=0, le=MAX_DB_TIMEOUT_S)
    audit_retention_days: float | None = Field(default=None, gt=0)

    @property
    def database_url(self) -> str:
        """``db_url`` when set, else the SQLite file ``greenmark.db`` under ``home``."""
        return self.db_url or f"sqlite:///{self.home / DATABASE_FILE}"

    @property
    def master_key_file(self) -> Path:
        """The key file used when no master key is given: ``home/master.key``."""
        return self.home / MASTER_KEY_FILE


def load_settings(**overrides) -> StoreSettings:
    """``StoreSettings`` from the environment and ``overrides``; an ``InvalidArgumentError`` naming the first bad
    variable (its value shown, unless it is the master key) instead of pydantic's multi-line report."""
    try:
        return StoreSettings(**overrides)
    except ValidationError as error:
        problem = error.errors()[0]
        field = str(problem["loc"][0]) if problem["loc"] else "?"
        shown = "" if field == "master_key" else f"={problem.get('input')!r}"
        raise InvalidArgumentError(f"GREENMARK_{field.upper()}{shown} is invalid: {problem['msg']}") from None
