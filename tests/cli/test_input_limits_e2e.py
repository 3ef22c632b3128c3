"""Inputs are read up to a documented size limit, in a real process: /dev/zero, FIFOs and large files cannot
exhaust memory or hang ``detect``, and ``scan`` gives an over-large document an error row."""

from __future__ import annotations

import json
import os

import pytest

from greenmark.input_size import DEFAULT_MAX_INPUT_BYTES
from tests.greenmark_process import assert_one_line_error, run_greenmark

TEXT = "The harbour was quiet that morning and the boats rocked gently at their moorings. "


@pytest.fixture(autouse=True)
def with_key(create_key):
    return create_key("news")


def test_an_endless_device_is_refused_after_the_limit():
    result = run_greenmark("detect", "/dev/zero", timeout=120)
    assert_one_line_error(result, f"/dev/zero is larger than {DEFAULT_MAX_INPUT_BYTES:,} bytes", "--max-input-bytes")


def test_an_endless_stdin_is_refused_after_the_limit():
    result = run_greenmark("detect", "-", "--max-input-bytes", "1000", input=TEXT.encode() * 100)
    assert_one_line_error(result, "<stdin> is larger than 1,000 bytes")


def test_a_fifo_without_a_writer_does_not_hang(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert_one_line_error(run_greenmark("detect", fifo, timeout=60), f"{fifo} is empty")


def test_the_flag_lifts_the_limit(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text(TEXT * 20)
    assert_one_line_error(run_greenmark("detect", path, "--max-input-bytes", "100"), "larger than 100 bytes")
    result = run_greenmark("detect", path, "--max-input-bytes", str(len(TEXT) * 20), "--json")
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout)["results"][0]["decision"] == "not_watermarked"


def test_scan_gives_over_large_documents_an_error_row(tmp_path):
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "short.txt").write_text(TEXT)
    (texts / "long.txt").write_text(TEXT * 20)
    lines = tmp_path / "docs.jsonl"
    lines.write_text(json.dumps({"id": "short", "text": TEXT}) + "\n" + json.dumps({"id": "long", "text": TEXT * 20}))
    output = tmp_path / "out.jsonl"
    result = run_greenmark("scan", texts, lines, "--out", output, "--workers", "1", "--max-input-bytes", "1000")
    assert result.returncode == 0, result.stderr.decode()
    errors = {row["id"]: row["error"] for row in map(json.loads, output.read_text().splitlines())}
    assert errors == {
        "short.txt": None,
        "long.txt": "text is larger than 1,000 bytes (the limit per input)",
        "short": None,
        f"{lines}:2": "line is larger than 1,000 bytes (the limit per input)",
    }
