"""Killing a real ``greenmark scan`` (SIGKILL or SIGTERM) leaves no worker or resource tracker behind, and a
worker ended by SIGTERM stops the scan with a one-line error that says how to resume."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from greenmark.scanning import parts_directory
from tests.greenmark_process import COMMAND, assert_one_line_error

WORKERS = 2
DOCUMENTS = 20_000  # minutes of work: the scan is always killed mid-way
STARTUP_TIMEOUT_S = 180
EXIT_TIMEOUT_S = 5


def session_processes(session: int) -> dict[int, str]:
    """Live (not zombie) processes of a session: pid -> command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # it ended meanwhile
        state, session_id = fields[0], int(fields[3])
        if session_id == session and state != "Z":
            found[int(entry.name)] = command
    return found


def workers_of(processes: dict[int, str]) -> list[int]:
    return [pid for pid, command in processes.items() if "spawn_main" in command]


@pytest.fixture
def long_corpus(tmp_path) -> str:
    path = tmp_path / "long.jsonl"
    sentence = "The harbour was quiet that morning and the boats rocked gently at their moorings. "
    path.write_text("".join(f'{{"id": {n}, "text": "{n}: {sentence * 8}"}}\n' for n in range(DOCUMENTS)))
    return str(path)


def start_scan(corpus: str, output: Path) -> subprocess.Popen:
    """A scan in its own session, returned once its workers have finished a part (so they hold the keys)."""
    arguments = [corpus, "--out", output, "--tenant", "alpha", "--workers", WORKERS, "--batch-rows", "20", "-q"]
    process = subprocess.Popen([*COMMAND, "scan", *map(str, arguments)], start_new_session=True, stderr=subprocess.PIPE)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    parts = parts_directory(output)
    while not list(parts.glob("part-*.parquet")) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert process.poll() is None, "the scan ended before it could be killed"
    return process


def wait_until_gone(session: int) -> dict[int, str]:
    deadline = time.monotonic() + EXIT_TIMEOUT_S
    while (left := session_processes(session)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
@pytest.mark.parametrize("signal_number", [signal.SIGKILL, signal.SIGTERM])
def test_killing_the_scan_ends_its_workers_and_resource_tracker(long_corpus, tmp_path, signal_number):
    process = start_scan(long_corpus, tmp_path / "out.parquet")
    try:
        running = session_processes(process.pid)
        assert len(workers_of(running)) == WORKERS
        assert any("resource_tracker" in command for command in running.values())
        os.kill(process.pid, signal_number)  # the main process only, as a supervisor or the OOM killer does
        process.wait()
        assert wait_until_gone(process.pid) == {}
    finally:
        for pid in session_processes(process.pid):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
def test_a_worker_ended_by_sigterm_stops_the_scan_with_one_line(long_corpus, tmp_path):
    process = start_scan(long_corpus, tmp_path / "out.parquet")
    try:
        worker = workers_of(session_processes(process.pid))[0]
        os.kill(worker, signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
        result = subprocess.CompletedProcess(process.args, process.returncode, b"", stderr)
        assert_one_line_error(result, "a scan worker process died", "rerun the same command to resume")
        assert wait_until_gone(process.pid) == {}
    finally:
        for pid in session_processes(process.pid):
            os.kill(pid, signal.SIGKILL)
