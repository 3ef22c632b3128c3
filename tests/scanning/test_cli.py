"""``greenmark scan``: outputs by extension, the summary, the Ray engine, one-line errors."""

from __future__ import annotations

import json
import subprocess

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from greenmark.cli.scan import scan
from tests.scanning.corpus import green_documents


def run(*arguments):
    return CliRunner().invoke(scan, [str(argument) for argument in arguments], catch_exceptions=False)


@pytest.fixture
def small_corpus(tmp_path, tenant_keys):
    """Four text files: two watermarked with tenant beta's key, one human, one not UTF-8."""
    key, spec, _ = tenant_keys["beta"][0]
    folder = tmp_path / "texts"
    folder.mkdir()
    for number, text in enumerate(green_documents(key, spec, count=2, words=60, seed=3)):
        (folder / f"green-{number}.txt").write_text(text)
    (folder / "human.txt").write_text("The quick brown fox jumps over the lazy dog while the farmer watches. " * 4)
    (folder / "broken.txt").write_bytes(b"caf\xe9 au lait")
    return folder


def test_jsonl_output_and_json_summary(small_corpus, tmp_path, tenant_keys):
    output = tmp_path / "results.jsonl"
    result = run(small_corpus, "--out", output, "--tenant", "beta", "--workers", "1", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    key_id = tenant_keys["beta"][0].metadata.key_id
    assert (summary["documents"], summary["errors"], summary["watermarked_per_key"]) == (4, 1, {key_id: 2})
    assert summary["documents_per_second"] > 0 and summary["tokens_per_second"] > 0
    rows = {row["id"]: row for row in map(json.loads, output.read_text().splitlines())}
    assert rows["broken.txt"]["error"] == "text is not valid UTF-8 (byte 3)"
    assert rows["green-0.txt"]["decision"] == "watermarked" and "text" not in rows["green-0.txt"]


def test_the_human_summary_names_the_key(small_corpus, tmp_path):
    result = run(small_corpus, "--out", tmp_path / "out.parquet", "--tenant", "beta", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert "2 watermarked with forum v1" in result.stdout
    assert pq.read_table(tmp_path / "out.parquet").num_rows == 4


def test_the_ray_engine_writes_the_same_output(ray_session, small_corpus, tmp_path):
    run(small_corpus, "--out", tmp_path / "local.parquet", "--tenant", "beta", "--workers", "1", "-q")
    result = run(small_corpus, "--out", tmp_path / "ray.parquet", "--tenant", "beta", "--engine", "ray", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["engine"] == "ray"
    assert pq.read_table(tmp_path / "ray.parquet").equals(pq.read_table(tmp_path / "local.parquet"))


def test_watermark_keys_never_reach_ray_logs(ray_session, small_corpus, tmp_path, tenant_keys):
    run(small_corpus, "--out", tmp_path / "ray.jsonl", "--tenant", "beta", "--engine", "ray", "-q")
    session = ray_session._private.worker._global_node.get_session_dir_path()
    secret = tenant_keys["beta"][0].key.to_hex()
    found = subprocess.run(["grep", "-rl", secret, session], capture_output=True, text=True)
    assert found.stdout == ""


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["missing-dir", "--out", "x.parquet"], "no such file or directory: missing-dir"),
        (["{corpus}", "--out", "x.csv"], "must end in .parquet or .jsonl"),
        (["{corpus}", "--out", "x.parquet", "--tenant", "nobody"], "tenant 'nobody' has no watermark key"),
        (["{table}", "--out", "x.parquet", "--tenant", "beta", "--text-column", "body"], "no column 'body'"),
    ],
)
def test_input_errors_are_one_line_with_exit_status_2(arguments, message, small_corpus, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pq.write_table(pa.table({"id": [1], "text": ["x"]}), tmp_path / "table.parquet")
    arguments = [a.format(corpus=small_corpus, table=tmp_path / "table.parquet") for a in arguments]
    result = CliRunner().invoke(scan, arguments)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.output
