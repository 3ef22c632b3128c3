"""Killing a real ``greenmark scan`` (SIGKILL or SIGTERM) leaves no worker or resource tracker behind (a worker
still starting up ends when its start-up completes), and a worker ended by SIGTERM stops the scan with a one-line
error that says how to resume."""

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


def start_scan(corpus: str, output: Path, workers: int, started: bool) -> subprocess.Popen:
    """A scan in its own session, returned once its workers have finished a part (``started``: they hold the
    keys and are bound to the scan), or as soon as they exist (they may still be starting up)."""
    arguments = [corpus, "--out", output, "--tenant", "alpha", "--workers", workers, "--batch-rows", "20", "-q"]
    process = subprocess.Popen([*COMMAND, "scan", *map(str, arguments)], start_new_session=True, stderr=subprocess.PIPE)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    parts = parts_directory(output)

    def ready() -> bool:
        if started:
            return bool(list(parts.glob("part-*.parquet")))
        return len(workers_of(session_processes(process.pid))) == workers

    while not ready() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert process.poll() is None, "the scan ended before it could be killed"
    return process


def wait_until_gone(session: int, timeout: float) -> dict[int, str]:
    deadline = time.monotonic() + timeout
    while (left := session_processes(session)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def kill_the_rest(session: int) -> None:
    for pid in session_processes(session):
        os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
@pytest.mark.parametrize("signal_number", [signal.SIGKILL, signal.SIGTERM])
def test_killing_the_scan_ends_its_workers_and_resource_tracker(long_corpus, tmp_path, signal_number):
    process = start_scan(long_corpus, tmp_path / "out.parquet", workers=1, started=True)
    try:
        running = session_processes(process.pid)
        assert len(workers_of(running)) == 1
        assert any("resource_tracker" in command for command in running.values())
        os.kill(process.pid, signal_number)  # the main process only, as a supervisor or the OOM killer does
        process.wait()
        assert wait_until_gone(process.pid, EXIT_TIMEOUT_S) == {}
    finally:
        kill_the_rest(process.pid)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
def test_workers_still_starting_up_end_once_started(long_corpus, tmp_path):
    # a worker cannot run code before its start-up (imports, the keyring) completes; then it finds its
    # parent gone and ends before taking any work
    process = start_scan(long_corpus, tmp_path / "out.parquet", workers=WORKERS, started=False)
    try:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        assert wait_until_gone(process.pid, STARTUP_TIMEOUT_S) == {}
        assert not list(parts_directory(tmp_path / "out.parquet").glob("part-*.parquet"))
    finally:
        kill_the_rest(process.pid)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
def test_a_worker_ended_by_sigterm_stops_the_scan_with_one_line(long_corpus, tmp_path):
    process = start_scan(long_corpus, tmp_path / "out.parquet", workers=1, started=True)
    try:
        worker = workers_of(session_processes(process.pid))[0]
        os.kill(worker, signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
        result = subprocess.CompletedProcess(process.args, process.returncode, b"", stderr)
        assert_one_line_error(result, "a scan worker process died", "rerun the same command to resume")
        assert wait_until_gone(process.pid, EXIT_TIMEOUT_S) == {}
    finally:
        kill_the_rest(process.pid)
