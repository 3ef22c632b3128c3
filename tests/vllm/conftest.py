"""Tests that need vLLM run in its own venv (``.ci/setup-vllm-venv``), not in ``.venv``.

The README's test command runs them there: ``.vllm-venv/bin/python -m pytest -q tests/vllm``.
A venv without vLLM does not collect this folder, so the main run neither fails nor skips on it.
"""

import importlib.util

collect_ignore_glob = [] if importlib.util.find_spec("vllm") else ["*.py"]
