"""``greenmark scan`` as a real subprocess: no bad row aborts a scan, in any reader, and a resumed scan gets past it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pyarrow as pa
import pyarrow.parquet as pq

from greenmark.scanning import parts_directory
from tests.greenmark_process import COMMAND, run_greenmark
from tests.scanning.corpus import green_documents

BAD_JSONL_LINES = [
    (b'{"id": "surrogate", "text": "x \\ud800 y"}', "text is not valid Unicode (a lone surrogate at character 2)"),
    (b'{"id": "bytes", "text": "caf\xe9"}', "text is not valid UTF-8 (byte 3)"),
    (b'{"id": "number", "text": 5}', "text is a JSON int, not a string"),
    (b'{"id": "list", "text": ["a"]}', "text is a JSON list, not a string"),
    (b'{"id": "missing"}', "text is missing"),
    (b'{"id": "null", "text": null}', "text is missing"),
    (b'{"id": "blank", "text": "  "}', "text is empty"),
    (b'["not", "an", "object"]', "line is not a JSON object"),
    (b'{"id": "cut', "line is not valid JSON"),
]


def scan_rows(output) -> dict[str, dict]:
    """The scan's JSONL output by id; it must be valid UTF-8 JSON."""
    return {row["id"]: row for row in map(json.loads, output.read_bytes().decode("utf-8").splitlines())}


def test_every_bad_jsonl_row_becomes_an_error_row(tmp_path, tenant_keys):
    key, spec, _ = tenant_keys["beta"][0]
    good = green_documents(key, spec, count=2, words=60, seed=5)
    lines = [json.dumps({"id": f"good-{n}", "text": text}).encode() for n, text in enumerate(good)]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join([lines[0], *(line for line, _ in BAD_JSONL_LINES), lines[1]]) + b"\n")
    output = tmp_path / "out.jsonl"
    result = run_greenmark("scan", path, "--out", output, "--tenant", "beta", "--workers", "1", "--batch-rows", "2")
    assert result.returncode == 0, result.stderr.decode()
    rows = scan_rows(output)
    assert len(rows) == 2 + len(BAD_JSONL_LINES)
    assert rows["good-0"]["decision"] == rows["good-1"]["decision"] == "watermarked"
    errors = {row["error"] for row in rows.values() if row["error"]}
    assert errors == {message for _, message in BAD_JSONL_LINES}


def test_bad_parquet_files_and_columns_become_error_rows(tmp_path):
    folder = tmp_path / "tables"
    folder.mkdir()
    invalid_utf8 = pa.Array.from_buffers(
        pa.string(), 1, [None, pa.py_buffer(b"\0\0\0\0\2\0\0\0"), pa.py_buffer(b"\xff\xfe")]
    )
    pq.write_table(pa.table({"id": invalid_utf8, "text": ["Call me Ishmael."]}), folder / "a-bad-id.parquet")
    pq.write_table(pa.table({"id": [None, 7], "text": [3, 4]}), folder / "b-int-text.parquet")
    (folder / "c-corrupt.parquet").write_bytes(b"PAR1 this is not a Parquet file PAR1")
    output = tmp_path / "out.jsonl"
    result = run_greenmark("scan", folder, "--out", output, "--tenant", "beta", "--workers", "1")
    assert result.returncode == 0, result.stderr.decode()
    rows = scan_rows(output)
    assert rows["\\xff\\xfe"]["decision"] == "insufficient_evidence"
    int_rows = [rows[f"{folder / 'b-int-text.parquet'}:1"], rows["7"]]
    assert [row["error"] for row in int_rows] == ["text is a Parquet int64 column, not text"] * 2
    assert rows[str(folder / "c-corrupt.parquet")]["error"].startswith("cannot read Parquet file")


def test_text_files_with_names_that_are_not_utf8_get_escaped_ids(tmp_path):
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / os.fsdecode(b"caf\xe9.txt")).write_text("The quick brown fox jumps over the lazy dog.")
    output = tmp_path / "out.jsonl"
    result = run_greenmark("scan", folder, "--out", output, "--tenant", "beta", "--workers", "1")
    assert result.returncode == 0, result.stderr.decode()
    assert list(scan_rows(output)) == ["caf\\xe9.txt"]


def test_a_scan_killed_before_a_bad_row_resumes_past_it(tmp_path):
    lines = [json.dumps({"id": f"row-{n}", "text": f"Row number {n} of a plain text file."}) for n in range(40)]
    lines[30] = '{"id": "bad", "text": "x \\ud800 y"}'
    path = tmp_path / "docs.jsonl"
    path.write_text("\n".join(lines) + "\n")
    output = tmp_path / "out.jsonl"
    arguments = ["scan", path, "--out", output, "--tenant", "beta", "--workers", "1", "--batch-rows", "1", "-q"]
    process = subprocess.Popen([*COMMAND, *map(str, arguments)], start_new_session=True)
    parts = parts_directory(output)
    deadline = time.monotonic() + 120
    while not list(parts.glob("part-*.parquet")) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert 1 <= len(list(parts.glob("part-*.parquet"))) < 30
    result = run_greenmark(*arguments)
    assert result.returncode == 0, result.stderr.decode()
    rows = scan_rows(output)
    assert len(rows) == 40 and rows["bad"]["error"].startswith("text is not valid Unicode")
