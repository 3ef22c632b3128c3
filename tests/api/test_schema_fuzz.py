"""schemathesis ``--checks all`` against a live server with a valid token, bounded to about two minutes.

Issue 15 ("Also"): every phase (examples, coverage, fuzzing, stateful) and every check, against
a real ``greenmark serve`` with generation on (tiny caps, so each generation takes a fraction of a
second). It must end with no server error and no schema violation; ``schemathesis.toml`` beside
this file records the one tuning (413 rejects data over the published size limits).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from greenmark.detector_api import ApiSettings, create_app
from tests.api.conftest import ServerProcess

pytest.importorskip("schemathesis")

FUZZ_SECONDS = 120
CONFIG = Path(__file__).with_name("schemathesis.toml")
LIMITS = {"max_inputs": 8, "max_text_chars": 2000, "generate_max_new_tokens": 4, "generate_max_prompt_chars": 200}


@pytest.fixture(scope="module")
def fuzz_server(tenants, tmp_path_factory):
    settings = {f"GREENMARK_API_{name.upper()}": str(value) for name, value in LIMITS.items()}
    settings |= {
        "GREENMARK_API_GENERATE": str(importlib.util.find_spec("torch") is not None).lower(),
        "GREENMARK_API_RATE_LIMIT_PER_SECOND": "0",  # each check stands alone: no 429 in between
        "GREENMARK_API_FAILED_AUTH_PER_SECOND": "0",  # schemathesis removes and forges credentials on purpose
    }
    process = ServerProcess(tenants.home, tmp_path_factory.mktemp("logs") / "fuzz.log", settings, ready_timeout=300)
    yield process
    process.stop()


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_schema_violation(fuzz_server, tenants, tmp_path):
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run"]
    command += [f"{fuzz_server.url}/openapi.json", "--checks", "all", "--max-time", str(FUZZ_SECONDS)]
    command += ["-H", f"Authorization: Bearer {tenants.fuzz_token}", "--workers", "1", "--request-timeout", "60"]
    command += ["--seed", "15", "--no-color", "--generation-database", "none"]
    command += ["--max-response-time", "300"]  # speed is measured by benchmarks, never by a test on a shared host
    # cwd: schemathesis keeps a crash cache in the working directory
    result = subprocess.run(command, capture_output=True, text=True, timeout=FUZZ_SECONDS + 300, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert "Failures:" not in result.stdout and "Errors:" not in result.stdout
    assert "unhandled error" not in fuzz_server.log()


def test_served_schema_is_the_apps(client):
    expected = create_app(ApiSettings(max_inputs=16)).openapi()  # the `server` fixture's settings
    assert client.get("/openapi.json").json() == expected
