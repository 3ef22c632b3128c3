"""The installed `greenmark` console script, run as a real subprocess in a temporary GREENMARK_HOME."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).with_name("greenmark")
COMMAND = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "greenmark.cli.main"]


def greenmark(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*COMMAND, *map(str, args)], input=input, capture_output=True, text=True, timeout=600)


def test_version():
    result = greenmark("--version")
    assert result.returncode == 0 and result.stdout.startswith("greenmark ")


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="generate needs the [generate] extra (torch)")
def test_create_generate_detect(tmp_path, human_text):
    # delta 4 makes 60 tokens conclusive whatever the random key
    created = json.loads(greenmark("keys", "create", "news", "--delta", "4", "--json").stdout)
    generated = greenmark("generate", "--key", "news", "--json", "--max-new-tokens", "60", "--seed", "1", "Once upon")
    assert generated.returncode == 0, generated.stderr
    assert json.loads(generated.stdout)["key_id"] == created["key_id"]
    path = tmp_path / "generated.txt"
    path.write_text(json.loads(generated.stdout)["text"])

    detected = greenmark("detect", path)
    assert detected.returncode == 1, detected.stderr
    assert "watermarked" in detected.stdout and created["key_id"] in detected.stdout
    assert greenmark("detect", "-", input=human_text).returncode == 0

    missing = greenmark("detect", tmp_path / "missing.txt")
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1 and "Traceback" not in missing.stderr
