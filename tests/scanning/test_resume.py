"""An interrupted local scan (the process killed with SIGKILL) resumes to the output of an uninterrupted one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pyarrow.parquet as pq
from click.testing import CliRunner

from greenmark.cli.scan import scan
from greenmark.scanning import find_sources, parts_directory, scan_local

LAUNCH = "from greenmark.cli.scan import scan; scan()"
BATCH_ROWS = 50  # 40 parts for the 2,000 documents
TIMEOUT_S = 120


def test_a_killed_scan_resumes_to_the_uninterrupted_output(corpus_file, local_results, tmp_path):
    output = tmp_path / "alpha.parquet"
    arguments = [corpus_file, "--out", str(output), "--tenant", "alpha", "--batch-rows", str(BATCH_ROWS), "-q"]
    process = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, *arguments, "--workers", "1"], start_new_session=True, env=os.environ.copy()
    )
    parts = parts_directory(output)
    deadline = time.monotonic() + TIMEOUT_S
    while len(list(parts.glob("part-*.parquet"))) < 3 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # the command and its pool workers, mid-scan
    process.wait()
    assert process.returncode == -signal.SIGKILL
    finished = len(list(parts.glob("part-*.parquet")))
    assert 3 <= finished < 40
    assert not output.exists()  # never a truncated output

    result = CliRunner().invoke(scan, [*arguments, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["documents"] == 2000
    assert summary["documents_scanned"] <= 2000 - finished * BATCH_ROWS
    assert pq.read_table(output).equals(local_results["alpha"])
    assert not parts.exists()


def test_parts_of_a_scan_with_other_settings_are_not_reused(corpus_file, tenant_keyrings, local_results, tmp_path):
    output = tmp_path / "alpha.parquet"
    sources = find_sources([corpus_file])
    parts = parts_directory(output)
    parts.mkdir()
    (parts / "manifest.json").write_text(json.dumps({"fingerprint": "another scan"}))
    pq.write_table(local_results["beta"].slice(0, 256), parts / "part-000000.parquet")
    summary = scan_local(sources, tenant_keyrings["alpha"], output, workers=1)
    assert summary.documents_scanned == 2000
    assert pq.read_table(output).equals(local_results["alpha"])
