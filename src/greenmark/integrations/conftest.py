"""The vLLM plug-in imports vLLM, which lives in its own venv (``.ci/setup-vllm-venv``).

Its doctests and its tests (``tests/vllm/test_plugin_*.py``) run with that venv's Python; the
main venv, without vLLM, does not collect the package.
"""

import importlib.util

collect_ignore = [] if importlib.util.find_spec("vllm") else ["vllm"]
