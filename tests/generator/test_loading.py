"""Naming a model: aliases, .gguf files, a directory plus a GGUF file name, hub names that are never downloaded."""

import socket
import time

import pytest

from greenmark.generator import (
    GenerationError,
    ModelSource,
    WatermarkedGenerator,
    load_logits_width,
    load_model,
    load_model_spec,
    load_tokenizer,
    smollm2_path,
)
from greenmark.watermark import TextTokenizer, WatermarkKey

UNCACHED_HUB_NAME = "greenmark-tests/no-such-model"


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a network connection fails the test."""

    def refuse(self, address):
        raise AssertionError(f"a network connection was attempted to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)


def test_a_gguf_file_and_its_directory_plus_file_name_are_the_same_source():
    path = smollm2_path()
    expected = ModelSource(str(path.parent), path.name)
    assert ModelSource.resolve("smollm2") == ModelSource.resolve(path) == expected
    assert ModelSource.resolve(path.parent, gguf_file=path.name) == expected


def test_a_file_that_is_not_gguf_or_a_missing_gguf_file_is_refused(tmp_path):
    (tmp_path / "weights.bin").write_bytes(b"\0")
    with pytest.raises(GenerationError, match=r"give a \.gguf file"):
        ModelSource.resolve(tmp_path / "weights.bin")
    with pytest.raises(GenerationError, match=r"no GGUF file 'model\.gguf'"):
        ModelSource.resolve(tmp_path, gguf_file="model.gguf")
    with pytest.raises(GenerationError, match="no model file or directory"):
        ModelSource.resolve(tmp_path / "missing.gguf")


@pytest.mark.slow
def test_smollm2s_spec_from_its_gguf_file_pins_the_tokenizer_and_logits_width(smollm2):
    _, tokenizer = smollm2
    path = smollm2_path()
    spec = load_model_spec(path.parent, gguf_file=path.name, gamma=0.5)
    assert (spec.vocab_size, spec.gamma) == (49_152, 0.5)
    assert spec.tokenizer_fingerprint == TextTokenizer.wrap(tokenizer).fingerprint
    assert load_logits_width(path) == 49_152


@pytest.mark.slow
def test_smollm2s_tokenizer_carries_its_chat_template():
    tokenizer = load_tokenizer("smollm2")
    assert "<|im_start|>" in tokenizer.chat_template and tokenizer.padding_side == "left"


def test_an_uncached_hub_name_fails_at_once_without_a_network_call(no_network):
    start = time.monotonic()
    for load in (load_model, load_tokenizer, load_logits_width):
        with pytest.raises(GenerationError, match="not on this machine") as raised:
            load(UNCACHED_HUB_NAME)
        assert "give the path of a local copy instead" in str(raised.value)
    with pytest.raises(GenerationError, match="not on this machine"):
        WatermarkedGenerator.from_pretrained(UNCACHED_HUB_NAME, key=WatermarkKey.generate())
    assert time.monotonic() - start < 30
