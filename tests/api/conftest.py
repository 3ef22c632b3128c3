"""Fixtures: a populated key store, watermarked and human texts, and real `serve` processes on loopback.

Two tenants: ``acme`` (key ``news``; API keys with and without the green-marks scope) and
``globex`` (key ``mail``). Watermarked text is made without the model: each token is drawn
from the key's green list after the previous token, then decoded.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pytest

from greenmark.corpus import book_paths
from greenmark.store import KeyStore
from greenmark.watermark import WatermarkKey, WatermarkSpec, default_tokenizer

# The `serve` click command itself (what `greenmark serve` runs), independent of the CLI group's wiring.
SERVE_COMMAND = [sys.executable, "-c", "from greenmark.cli.serve import serve; serve()"]
STORE_VARIABLES = ("GREENMARK_DB_URL", "GREENMARK_MASTER_KEY", "GREENMARK_DB_TIMEOUT")


@dataclass(frozen=True)
class Tenants:
    home: Path
    acme_key: WatermarkKey
    acme_spec: WatermarkSpec
    globex_key: WatermarkKey
    acme_token: str  # scopes: detect, generate
    acme_marks_token: str  # scopes: detect, green-marks
    globex_token: str
    rate_token: str  # acme again, for the rate-limit test only
    fuzz_token: str  # acme again, for schemathesis only


def make_tenants(home: Path) -> Tenants:
    """Create the two tenants' keys and API keys in the store under ``home``."""
    spec = WatermarkSpec.for_tokenizer(default_tokenizer())
    with KeyStore.open(home=home) as store:
        store.create_key("news", spec=spec, tenant="acme")
        store.create_key("mail", spec=spec, tenant="globex")
        tokens = {
            "acme_token": store.create_api_key("acme", scopes=["detect", "generate"]).api_key,
            "acme_marks_token": store.create_api_key("acme", scopes=["detect", "green-marks"]).api_key,
            "globex_token": store.create_api_key("globex", scopes=["detect"]).api_key,
            "rate_token": store.create_api_key("acme", scopes=["detect"]).api_key,
            "fuzz_token": store.create_api_key("acme", scopes=["detect", "generate"]).api_key,
        }
        (acme_key, acme_spec, _), (globex_key, _, _) = store.keys_for_detection("acme") + store.keys_for_detection(
            "globex"
        )
    return Tenants(home, acme_key, acme_spec, globex_key, **tokens)


def watermarked_text(key: WatermarkKey, spec: WatermarkSpec, num_tokens: int = 200, seed: int = 0) -> str:
    """Text whose every token is green under ``key`` given the token before it (no model needed)."""
    rng = np.random.default_rng(seed)
    ids = [int(rng.integers(spec.vocab_size))]
    while len(ids) < num_tokens:
        ids.append(int(rng.choice(np.flatnonzero(spec.green_list(key, ids[-1:])))))
    return default_tokenizer().decode(ids)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(home: Path, settings: dict[str, str]) -> dict[str, str]:
    """This process's environment without its GREENMARK_* store and API settings, plus ``home`` and ``settings``."""
    env = {k: v for k, v in os.environ.items() if k not in STORE_VARIABLES and not k.startswith("GREENMARK_API_")}
    return {**env, "GREENMARK_HOME": str(home), **settings}


class ServerProcess:
    """A `serve` subprocess on 127.0.0.1 with its own GREENMARK_HOME; its JSON log goes to ``log_path``.

    ``options`` are more ``serve`` options (``["--workers", "2"]``).
    """

    def __init__(
        self,
        home: Path,
        log_path: Path,
        settings: dict[str, str],
        ready_timeout: float = 90.0,
        options: tuple[str, ...] = (),
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        env = server_environment(home, settings)
        command = [*SERVE_COMMAND, "--host", "127.0.0.1", "--port", str(self.port), *options]
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        self._wait_ready(ready_timeout)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited ({self.process.returncode}):\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the server was not ready after {timeout} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_entries(self) -> list[dict]:
        """The JSON lines of the log (a line still being written is left out)."""
        entries = []
        for line in self.log().splitlines():
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return entries

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(autouse=True)
def private_environment(monkeypatch, tmp_path):
    """No GREENMARK_* setting of the machine leaks into a test."""
    for variable in STORE_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    for variable in [name for name in os.environ if name.startswith("GREENMARK_API_")]:
        monkeypatch.delenv(variable)
    monkeypatch.setenv("GREENMARK_HOME", str(tmp_path / "home"))


@pytest.fixture(scope="session")
def tenants(tmp_path_factory) -> Tenants:
    return make_tenants(tmp_path_factory.mktemp("home"))


@pytest.fixture(scope="session")
def server(tenants, tmp_path_factory):
    """One real server for the end-to-end tests (rate limit off: each test has its own concern)."""
    process = ServerProcess(
        tenants.home,
        tmp_path_factory.mktemp("logs") / "server.log",
        {
            "GREENMARK_API_RATE_LIMIT_PER_SECOND": "0",
            "GREENMARK_API_MAX_INPUTS": "16",
            "GREENMARK_API_LOG_LEVEL": "DEBUG",
        },
    )
    yield process
    process.stop()


@pytest.fixture
def client(server):
    with httpx.Client(base_url=server.url, timeout=30) as http:
        yield http


@pytest.fixture(scope="session")
def human_texts() -> list[str]:
    """Passages of about 1,500 characters from each human-dev book (authors the model never saw)."""
    try:
        paths = book_paths("human-dev")
    except FileNotFoundError:
        pytest.skip("corpus absent: set GREENMARK_CORPUS or place it at ../shared/corpus")
    texts = [path.read_text(encoding="utf-8") for path in paths]
    return [text[len(text) // 2 : len(text) // 2 + 1500] for text in texts]
