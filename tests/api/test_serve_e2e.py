"""`greenmark serve` as processes: failed starts exit 2, revocations reach every worker, workers end with the master.

Issue 15: defect 3 (a wrong master key exited 3 or 0 after a traceback), defect 5 (a revoked
API key kept working for 5 s on each worker), defect 8 (workers of a master killed with
SIGKILL kept the port) and a nit of defect 10 (every ``--workers 2`` run left a
``greenmark-metrics-*`` directory in the temp directory).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from greenmark.store import KeyStore
from tests.api.conftest import ServerProcess, bearer, free_port, server_environment

GREENMARK = [sys.executable, "-m", "greenmark.cli.main"]
WRONG_MASTER_KEY = "22" * 32
BODY = {"inputs": [{"id": "a", "text": "a short text to test"}]}

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="workers end with the master on Linux only")


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (Linux ``/proc``)."""
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(child) for child in (task / "children").read_text().split()]
    return [grandchild for child in children for grandchild in [child, *descendants(child)]]


def running(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def answering_workers(server: ServerProcess, token: str, label: str) -> dict[int, set[int]]:
    """Send requests, each on a new connection, until both workers have answered; {worker pid: statuses}."""
    statuses: dict[int, set[int]] = {}
    for attempt in range(400):
        headers = {**bearer(token), "X-Request-ID": f"{label}-{attempt}"}
        httpx.post(f"{server.url}/v1/detect", json=BODY, headers=headers, timeout=30)
        statuses = {}
        for entry in server.log_entries():
            if entry.get("message") == "request" and entry.get("request_id", "").startswith(f"{label}-"):
                statuses.setdefault(entry["pid"], set()).add(entry["status"])
        if len(statuses) == 2:
            return statuses
    raise AssertionError(f"only workers {sorted(statuses)} answered")


@pytest.fixture
def two_workers(tenants, tmp_path):
    settings = {"GREENMARK_API_RATE_LIMIT_PER_SECOND": "0", "TMPDIR": str(tmp_path)}
    process = ServerProcess(tenants.home, tmp_path / "workers.log", settings, options=("--workers", "2"))
    yield process
    process.stop()


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_wrong_master_key_is_one_line_and_exit_2_before_uvicorn_starts(tenants, workers):
    command = [*GREENMARK, "serve", "--port", str(free_port()), "--workers", workers]
    env = server_environment(tenants.home, {"GREENMARK_MASTER_KEY": WRONG_MASTER_KEY})
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert result.stdout == "" and result.stderr.splitlines() == [
        "Error: the master key does not decrypt this key store"
    ]


def test_a_revoked_api_key_fails_on_every_worker_within_the_cache_time(two_workers, tenants):
    with KeyStore.open(home=tenants.home) as store:
        created = store.create_api_key("acme", scopes=["detect"])
    before = answering_workers(two_workers, created.api_key, "before")
    assert list(before.values()) == [{200}, {200}]  # both workers have the key cached
    with KeyStore.open(home=tenants.home) as store:
        store.revoke_api_key(created.info.api_key_id)
    time.sleep(1.0 + 0.5)  # GREENMARK_API_API_KEY_CACHE_SECONDS (default 1 s), and a margin
    after = answering_workers(two_workers, created.api_key, "after")
    assert after == {pid: {401} for pid in before}


def test_workers_end_when_the_master_is_killed(two_workers):
    workers = descendants(two_workers.process.pid)
    assert len(workers) >= 2
    two_workers.process.send_signal(signal.SIGKILL)
    two_workers.process.wait()
    deadline = time.monotonic() + 30
    while any(running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in workers if running(pid)]
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{two_workers.url}/healthz", timeout=5)


def test_a_stopped_server_leaves_no_metrics_directory(two_workers, tmp_path):
    assert httpx.get(f"{two_workers.url}/metrics", timeout=10).status_code == 200
    two_workers.stop()
    assert two_workers.process.returncode == 0
    assert not list(tmp_path.glob("greenmark-metrics-*"))
