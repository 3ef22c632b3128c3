"""vLLM 0.32's watermark PRF (``philox4x32-10-v1``) in numpy: keyed uniforms of (context, token) pairs.

Philox4x32-10 (Salmon et al., SC'11, doi:10.1145/2063384.2063405) maps a 128-bit counter and a
64-bit key to 128 pseudo-random bits in ten multiply-xor rounds. vLLM keys it with its 64-bit
watermark key (low word first) and uses it twice per pair:

1. The context (``width`` ids, -1 before the start of the completion, each taken as a 32-bit
   word) is absorbed four words at a time into a state that starts as ``(CONTEXT_DOMAIN,
   width, 0, 0)``: each block of four (a short last block filled with ``0xFFFFFFFF - i``) is
   xored into the state, which Philox then maps under the key with the block's offset xored
   into the key's low word.
2. The token t picks word ``t % 4`` of one more Philox call on the counter
   ``(t // 4, state[0], state[1], state[2])`` under the key ``(k0 ^ state[3], k1 ^ TOKEN_DOMAIN)``.

The uniform is ``float32((word >> 8) + 1) / (2**24 + 1))``: one of 2**24 values strictly inside
(0, 1). Products use uint64 so the 32x32 -> 64 bit multiply is exact and vectorised.

>>> import numpy as np
>>> uniforms(42, np.array([[-1, -1, -1, -1], [1, 2, 3, 4]]), np.array([7, 7])).dtype
dtype('float32')
"""

from __future__ import annotations

import numpy as np

MASK32 = 0xFFFFFFFF
ROUND_MULTIPLIERS = (0xD2511F53, 0xCD9E8D57)  # Philox4x32's M0, M1
KEY_INCREMENTS = (0x9E3779B9, 0xBB67AE85)  # Philox's Weyl sequence: golden ratio and sqrt(3) - 1
ROUNDS = 10
CONTEXT_DOMAIN = 0x574D4358  # ASCII "WMCX": vLLM's domain word for contexts
TOKEN_DOMAIN = 0x574D544B  # ASCII "WMTK": and for tokens
BLOCK_WORDS = 4
UNIFORM_LEVELS = 2**24


def philox4x32_10(counter: tuple[np.ndarray, ...], key: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, ...]:
    """Philox4x32-10 of uint32 counter words ``(c0, c1, c2, c3)`` under key words ``(k0, k1)`` (broadcast).

    >>> words = philox4x32_10(tuple(np.zeros(1, np.uint32) for _ in range(4)), (np.uint32(0), np.uint32(0)))
    >>> [hex(int(w[0])) for w in words]  # the Random123 known-answer vector for a zero counter and key
    ['0x6627e8d5', '0xe169c58d', '0xbc57ac4c', '0x9b00dbd8']
    """
    c0, c1, c2, c3 = (np.array(word, dtype=np.uint64) for word in np.broadcast_arrays(*counter))
    k0, k1 = (np.asarray(word, dtype=np.uint64) for word in key)
    m0, m1 = (np.uint64(m) for m in ROUND_MULTIPLIERS)
    mask, shift = np.uint64(MASK32), np.uint64(32)
    for round_index in range(ROUNDS):
        round_k0, round_k1 = _round_key(k0, round_index, 0), _round_key(k1, round_index, 1)
        low_0 = c0 * m0  # exact: both factors are below 2**32
        low_1 = c2 * m1
        high_1 = low_1 >> shift
        high_1 ^= c1
        high_1 ^= round_k0
        high_0 = low_0 >> shift
        high_0 ^= c3
        high_0 ^= round_k1
        low_0 &= mask
        low_1 &= mask
        c0, c1, c2, c3 = high_1, low_1, high_0, low_0
    return tuple(word.astype(np.uint32) for word in (c0, c1, c2, c3))


def _round_key(word: np.ndarray, round_index: int, which: int) -> np.ndarray:
    """Key word ``which`` (uint64 holding 32 bits) of round ``round_index``: its Weyl increments added mod 2**32."""
    return (word + np.uint64(round_index * KEY_INCREMENTS[which])) & np.uint64(MASK32)


def key_words(key: int) -> tuple[np.uint32, np.uint32]:
    """The two 32-bit Philox key words of a 64-bit watermark key, low word first."""
    if not 0 <= key <= 2**64 - 1:
        raise ValueError("a Philox watermark key is an integer in [0, 2**64)")
    return np.uint32(key & MASK32), np.uint32(key >> 32)


def context_states(key: int, contexts: np.ndarray) -> tuple[np.ndarray, ...]:
    """The four uint32 state words after absorbing each context ``int64[N, width]`` (-1: before the start)."""
    contexts = np.asarray(contexts, dtype=np.int64)
    count, width = contexts.shape
    k0, k1 = key_words(key)
    words = (contexts & MASK32).astype(np.uint32)
    state = (
        np.full(count, CONTEXT_DOMAIN, np.uint32),
        np.full(count, width & MASK32, np.uint32),
        np.zeros(count, np.uint32),
        np.zeros(count, np.uint32),
    )
    for offset in range(0, width, BLOCK_WORDS):
        block = [
            words[:, offset + index] if offset + index < width else np.uint32(MASK32 - index)
            for index in range(BLOCK_WORDS)
        ]
        counter = tuple(state[index] ^ block[index] for index in range(BLOCK_WORDS))
        state = philox4x32_10(counter, (k0 ^ np.uint32(offset & MASK32), k1))
    return state


def token_words(key: int, states: tuple[np.ndarray, ...], tokens: np.ndarray) -> np.ndarray:
    """uint32[N]: the keyed word of each token after its context's state (``context_states``)."""
    k0, k1 = key_words(key)
    tokens = (np.asarray(tokens, dtype=np.int64) & MASK32).astype(np.uint32)
    outputs = philox4x32_10(
        (tokens >> np.uint32(2), states[0], states[1], states[2]),
        (k0 ^ states[3], k1 ^ np.uint32(TOKEN_DOMAIN)),
    )
    return np.choose(tokens & np.uint32(3), outputs)


def words_to_uniforms(words: np.ndarray) -> np.ndarray:
    """float32: ``((word >> 8) + 1) / (2**24 + 1)`` computed in float64, then rounded to float32 as vLLM does."""
    levels = (np.asarray(words, dtype=np.uint32) >> np.uint32(8)).astype(np.float64)
    return ((levels + 1.0) / (UNIFORM_LEVELS + 1)).astype(np.float32)


def uniforms(key: int, contexts: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    """float32[N]: vLLM's ``PhiloxPRF(key).uniform`` of N (context, token) pairs, bit for bit."""
    return words_to_uniforms(token_words(key, context_states(key, contexts), tokens))
