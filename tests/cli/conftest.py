"""Fixtures for CLI tests: a private GREENMARK_HOME, an in-process runner, and watermarked text without a model."""

import json

import pytest
from click.testing import CliRunner

from greenmark.cli.main import cli
from greenmark.corpus import book_paths
from greenmark.store import KeyStore
from greenmark.watermark import WatermarkKey, WatermarkSpec
from tests.cli.green_text import green_words_text


@pytest.fixture(autouse=True)
def home(monkeypatch, tmp_path):
    """No GREENMARK_* setting of the machine leaks into a test; GREENMARK_HOME is a fresh directory."""
    for variable in ("GREENMARK_DB_URL", "GREENMARK_MASTER_KEY", "GREENMARK_DB_TIMEOUT"):
        monkeypatch.delenv(variable, raising=False)
    path = tmp_path / "home"
    monkeypatch.setenv("GREENMARK_HOME", str(path))
    return path


@pytest.fixture
def greenmark():
    """Run ``greenmark ARGS...`` in-process; returns click's Result (``stdout``, ``stderr``, ``exit_code``)."""
    runner = CliRunner()

    def run(*args: str, input: str | bytes | None = None):
        return runner.invoke(cli, [str(arg) for arg in args], input=input, catch_exceptions=False)

    return run


@pytest.fixture
def create_key(greenmark):
    """``create_key(name, *options)`` -> the created key's metadata (dict) from ``keys create --json``."""

    def create(name: str, *options: str) -> dict:
        result = greenmark("keys", "create", name, "--json", *options)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    return create


def load_key(key_id: str) -> tuple[WatermarkKey, WatermarkSpec]:
    """The secret and spec of a stored key, read from the test's key store."""
    with KeyStore.open() as store:
        return store.load_key(key_id), store.get_key(key_id).spec


def watermarked_text(key_id: str, length: int = 120, seed: int = 0) -> str:
    """Text watermarked with the stored key ``key_id`` (see ``green_text``)."""
    return green_words_text(*load_key(key_id), length=length, seed=seed)


@pytest.fixture(scope="session")
def human_text() -> str:
    """About 4,000 characters of a human-written book (never seen in training); skips without the corpus."""
    try:
        paths = book_paths("human-dev")
    except FileNotFoundError:
        pytest.skip("corpus absent: set GREENMARK_CORPUS or place it at ../shared/corpus")
    text = paths[0].read_text(encoding="utf-8")
    return text[len(text) // 2 : len(text) // 2 + 4000]


def assert_one_line_error(result, *fragments: str) -> None:
    """Exit status 2, one line on stderr containing every fragment, no traceback."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
