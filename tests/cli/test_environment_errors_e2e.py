"""A bad environment (settings, database URL, master key file, closed stdin): one line, exit 2, in a real process."""

from __future__ import annotations

import os

import pytest

from tests.greenmark_process import assert_one_line_error, run_greenmark


@pytest.mark.parametrize(
    ("timeout", "message"),
    [("abc", "GREENMARK_DB_TIMEOUT='abc' is invalid"), ("0", "greater than 0"), ("inf", "less than or equal")],
)
def test_a_bad_database_timeout(home, timeout, message):
    result = run_greenmark("keys", "list", env={**os.environ, "GREENMARK_DB_TIMEOUT": timeout})
    assert_one_line_error(result, message)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("nonsense", "not a database URL"),
        ("postgresql://user:secret@host:notaport/db", "not a database URL"),
        ("postgresql+nodriver://host/db", "unknown database driver 'postgresql+nodriver'"),
        ("sqlite+pysqlcipher:///keys.db", "is not installed"),
    ],
)
def test_a_bad_database_url(home, url, message):
    line = assert_one_line_error(run_greenmark("keys", "list", env={**os.environ, "GREENMARK_DB_URL": url}), message)
    assert "secret" not in line


def test_a_master_key_file_that_is_not_text(home):
    home.mkdir()
    (home / "master.key").write_bytes(b"\xff\xfe" * 32)
    (home / "master.key").chmod(0o600)
    assert_one_line_error(run_greenmark("keys", "list"), "master.key is malformed: it is not ASCII text")


def test_a_master_key_file_open_to_others_is_used_with_a_warning(home, create_key):
    create_key("news")
    key_file = home / "master.key"
    assert run_greenmark("keys", "list").stderr == b""
    key_file.chmod(0o640)
    result = run_greenmark("keys", "list")
    assert result.returncode == 0 and b"news" in result.stdout
    assert result.stderr.decode() == (
        f"warning: the master key file {key_file} is accessible by group or others (mode 0640): "
        f"run chmod 600 {key_file}\n"
    )


@pytest.mark.parametrize("arguments", [["detect", "-"], ["detect"], ["highlight", "-", "-o", "page.html"]])
def test_closed_stdin(home, create_key, tmp_path, monkeypatch, arguments):
    create_key("news")
    monkeypatch.chdir(tmp_path)
    assert_one_line_error(run_greenmark(*arguments, close_stdin=True), "standard input is closed")
