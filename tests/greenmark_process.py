"""Run the real ``greenmark`` command as a subprocess (this interpreter, this source tree) and check its errors."""

from __future__ import annotations

import subprocess
import sys

COMMAND = [sys.executable, "-m", "greenmark.cli.main"]
TIMEOUT_S = 300


def run_greenmark(
    *args, input: bytes | None = None, env: dict | None = None, close_stdin: bool = False, timeout: float = TIMEOUT_S
):
    """``greenmark ARGS...`` to completion; ``CompletedProcess`` with bytes ``stdout`` and ``stderr``.

    ``close_stdin`` starts it with descriptor 0 closed, as the shell's ``<&-`` does.
    """
    command = [*COMMAND, *map(str, args)]
    if close_stdin:
        command = ["sh", "-c", 'exec "$@" <&-', "sh", *command]
    return subprocess.run(command, input=input, capture_output=True, env=env, timeout=timeout)


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> str:
    """Exit status 2 and one line on stderr (no traceback) holding every fragment; returns that line."""
    stderr = result.stderr.decode("utf-8", errors="backslashreplace")
    lines = stderr.strip().splitlines()
    assert result.returncode == 2, stderr
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]
