"""Pinned vectors of vLLM 0.32's watermark PRF (``greenmark.watermark.philox``).

The Philox4x32-10 vectors are Random123's known answers; the uniforms and derived keys were
read from vLLM 0.32's own ``PhiloxPRF(key).uniform`` and ``derive_watermark_key`` (float32
bits as hex). Any change that alters them breaks every vLLM watermark greenmark detects.
``tests/vllm/test_native_bit_exact.py`` checks the same against vLLM itself on many more pairs.
"""

import numpy as np
import pytest

from greenmark.watermark import philox
from greenmark.watermark.schemes.vllm_gumbel import derived_key

RANDOM123_KNOWN_ANSWERS = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    (
        (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344),
        (0xA4093822, 0x299F31D0),
        (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1),
    ),
]

VLLM_UNIFORMS = [  # (key, context, token, float32 bits of vLLM's uniform)
    (0, [-1, -1, -1, -1], 0, 0x3F5029EA),
    (42, [-1, -1, -1, -1], 17, 0x3F16142D),
    (42, [-1, -1, -1, 312], 4095, 0x3F6652F0),
    (42, [101, 202, 303, 404], 8191, 0x3F2EEC7E),
    (2**64 - 1, [7], 3, 0x3EFF013F),
    (123456789012345678, [1, 2, 3, 4, 5], 6, 0x3F515B26),
    (123456789012345678, [9, 8, 7, 6, 5, 4, 3, 2, 1], 100000, 0x3F35DB44),
]


@pytest.mark.parametrize(("counter", "key", "expected"), RANDOM123_KNOWN_ANSWERS)
def test_philox4x32_10_matches_random123_known_answers(counter, key, expected):
    words = philox.philox4x32_10(
        tuple(np.array([word], np.uint32) for word in counter), tuple(np.uint32(word) for word in key)
    )
    assert tuple(int(word[0]) for word in words) == expected


@pytest.mark.parametrize(("key", "context", "token", "bits"), VLLM_UNIFORMS)
def test_uniform_matches_vllm(key, context, token, bits):
    uniform = philox.uniforms(key, np.array([context]), np.array([token]))
    assert int(uniform.view(np.uint32)[0]) == bits


def test_uniforms_are_the_same_one_pair_at_a_time_and_batched():
    contexts = np.array([case[1] for case in VLLM_UNIFORMS[1:4]])
    tokens = np.array([case[2] for case in VLLM_UNIFORMS[1:4]])
    assert philox.uniforms(42, contexts, tokens).view(np.uint32).tolist() == [c[3] for c in VLLM_UNIFORMS[1:4]]


def test_uniforms_lie_strictly_inside_the_unit_interval():
    extremes = philox.words_to_uniforms(np.array([0, 0xFFFFFFFF], np.uint32))
    assert 0 < extremes[0] < extremes[1] < 1


def test_dual_key_derivation_matches_vllm():
    assert (derived_key(42, b"key_a"), derived_key(42, b"key_b")) == (37150756557148556, 15826636237805488045)


@pytest.mark.parametrize("key", [-1, 2**64])
def test_keys_outside_64_bits_are_refused(key):
    with pytest.raises(ValueError, match="2\\*\\*64"):
        philox.key_words(key)
