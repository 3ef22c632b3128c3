"""Loading a causal LM and its tokenizer: the embedded default model or any Hugging Face one.

>>> model, tokenizer = load_default_model()
>>> model.config.model_type, len(tokenizer)
('deepseek_v3', 8192)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
from transformers.utils import logging as transformers_logging

from greenmark.generator.errors import GenerationError


def default_model_path() -> Path:
    """The directory of the embedded default model inside the installed package."""
    return Path(str(resources.files("greenmark") / "default_model"))


def default_device() -> torch.device:
    """CUDA when present, else CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def load_model(path_or_name: str | Path, device=None, dtype=None):
    """``(model, tokenizer)`` in eval mode on ``device``; the tokenizer pads on the left.

    The default dtype is bfloat16 on CUDA and float32 on CPU (CPUs without native bf16 run
    bf16 matrix products many times slower). transformers' "Loading weights" progress bar is
    off while loading: it would be a non-JSON line in a server's log; the CLI draws its own.
    """
    device = torch.device(device) if device is not None else default_device()
    dtype = dtype or (torch.bfloat16 if device.type == "cuda" else torch.float32)
    try:
        with _no_progress_bars():
            tokenizer = AutoTokenizer.from_pretrained(str(path_or_name))
            model = AutoModelForCausalLM.from_pretrained(str(path_or_name), dtype=dtype)
    except (OSError, ValueError) as error:
        raise GenerationError(f"could not load model {str(path_or_name)!r}: {error}") from error
    if not model.can_generate():
        raise GenerationError(f"{str(path_or_name)!r} is not a causal language model")
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model.to(device).eval(), tokenizer


def load_default_model(device=None, dtype=None):
    """The embedded DeepSeek-V3-style MoE and its tokenizer (no network access)."""
    path = default_model_path()
    if not (path / "model.safetensors").is_file():
        raise GenerationError(f"the embedded default model is missing from {path}")
    return load_model(path, device=device, dtype=dtype)


@contextmanager
def _no_progress_bars() -> Iterator[None]:
    enabled = transformers_logging.is_progress_bar_enabled()
    transformers_logging.disable_progress_bar()
    try:
        yield
    finally:
        if enabled:
            transformers_logging.enable_progress_bar()
