"""Errors are one line on stderr with exit status 2, never a traceback, and never a half-written file."""

import sqlite3

import pytest

from tests.cli.conftest import assert_one_line_error


@pytest.fixture
def with_key(create_key):
    return create_key("news")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "is a binary file"),
        (b"caf\xe9 latin-1", "is not UTF-8 text"),
        (b"  \n\t", "is empty"),
    ],
)
def test_bad_files_are_input_errors(greenmark, with_key, tmp_path, content, message):
    path = tmp_path / "input.txt"
    path.write_bytes(content)
    assert_one_line_error(greenmark("detect", path), str(path), message)


def test_missing_file_and_empty_text(greenmark, with_key, tmp_path):
    assert_one_line_error(greenmark("detect", tmp_path / "missing.txt"), "cannot read", "missing.txt")
    assert_one_line_error(greenmark("detect", "--text", " "), "--text #1 is empty")


def test_detect_without_keys_says_how_to_make_one(greenmark):
    assert_one_line_error(greenmark("detect", "--text", "some text"), "no watermark key", "greenmark keys create")


def test_json_and_jsonl_exclude_each_other(greenmark, with_key):
    result = greenmark("detect", "--json", "--jsonl", "--text", "x")
    assert result.exit_code == 2 and "exclude each other" in result.stderr


def test_wrong_master_key(greenmark, with_key, monkeypatch):
    monkeypatch.setenv("GREENMARK_MASTER_KEY", "11" * 32)
    assert_one_line_error(greenmark("detect", "--text", "some text"), "master key does not decrypt")


def test_locked_database(greenmark, with_key, home, monkeypatch):
    monkeypatch.setenv("GREENMARK_DB_TIMEOUT", "0.2")
    blocker = sqlite3.connect(home / "greenmark.db", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        assert_one_line_error(greenmark("keys", "create", "other"), "unavailable", "locked")
    finally:
        blocker.close()


def test_unreachable_database(greenmark, monkeypatch, tmp_path):
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("GREENMARK_DB_URL", f"sqlite:///{tmp_path / 'file' / 'greenmark.db'}")
    assert_one_line_error(greenmark("keys", "list"), "cannot create the key store database")
