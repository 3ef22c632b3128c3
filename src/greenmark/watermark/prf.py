"""The keyed pseudo-random function behind green lists, in numpy (uint32).

Every value is a 32-bit unsigned integer. Key material comes from HMAC-SHA256 subkeys of the
256-bit watermark key (one set per scheme and context width); mixing is the MurmurHash3
finaliser ``fmix32``, a bijection with full avalanche. For a (context, token) pair:

* ``token_code(t)   = fmix32((t ^ k0) * 0x9E3779B1 ^ k1)``  a keyed permutation of token ids
* ``chain(s, code)  = fmix32((s ^ code) * 0x85EBCA77 + k3)`` folds one context token into a seed
* ``pair_input      = seed ^ token_code(t)``                 what the final mixer sees
* ``green           = fmix32(pair_input ^ k4) < floor(gamma * 2**32)``

So P(green) = gamma (exactly, for gamma a multiple of 2**-32) and pairs with distinct
``pair_input`` are independent in the PRF model; the detector counts each ``pair_input`` once.
``greenmark.generator.torch_prf`` computes the same bits with torch on any device.

>>> import numpy as np
>>> fmix32(np.array([0, 1], dtype=np.uint32))
array([         0, 1364076727], dtype=uint32)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GOLDEN = 0x9E3779B1
CHAIN_MULTIPLIER = 0x85EBCA77
NUM_SUBKEYS = 5


def fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser over a uint32 array (wrapping arithmetic)."""
    return fmix32_inplace(values.astype(np.uint32, copy=True))


def fmix32_inplace(h: np.ndarray) -> np.ndarray:
    """``fmix32`` computed in place on the uint32 array ``h`` (returned)."""
    h ^= h >> 16
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> 13
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> 16
    return h


@dataclass(frozen=True)
class Subkeys:
    """The five 32-bit words of key material one scheme uses."""

    words: tuple[int, ...]

    @classmethod
    def derive(cls, key, label: str) -> Subkeys:
        digest = key.subkey(f"greenmark/prf/{label}".encode())
        words = np.frombuffer(digest[: 4 * NUM_SUBKEYS], dtype="<u4")
        return cls(tuple(int(w) for w in words))


def token_codes(subkeys: Subkeys, tokens: np.ndarray) -> np.ndarray:
    """The keyed permutation of token ids (uint32), element-wise."""
    k0, k1 = (np.uint32(w) for w in subkeys.words[:2])
    mixed = (np.asarray(tokens).astype(np.uint32) ^ k0) * np.uint32(GOLDEN)
    return fmix32(mixed ^ k1)


def chain(subkeys: Subkeys, seeds: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Fold one context token's code into running seeds (uint32, element-wise)."""
    k3 = np.uint32(subkeys.words[3])
    return fmix32((seeds ^ codes) * np.uint32(CHAIN_MULTIPLIER) + k3)


def initial_seed(subkeys: Subkeys, count: int) -> np.ndarray:
    """Every context's seed before its first token is chained in."""
    return np.full(count, subkeys.words[2], dtype=np.uint32)


def is_green_input(subkeys: Subkeys, pair_inputs: np.ndarray, threshold: int) -> np.ndarray:
    """Green decision for PRF inputs: ``fmix32(input ^ k4) < threshold``."""
    return fmix32(pair_inputs ^ np.uint32(subkeys.words[4])) < np.uint32(threshold)


def context_seeds(subkeys: Subkeys, contexts: np.ndarray) -> np.ndarray:
    """The seed of each context (uint32[N]): its tokens' codes chained in oldest first.

    ``contexts`` is ``[N, h]`` token ids. Equal contexts give equal seeds.
    """
    contexts = np.asarray(contexts)
    seeds = initial_seed(subkeys, len(contexts))
    for column in range(contexts.shape[1]):
        seeds = chain(subkeys, seeds, token_codes(subkeys, contexts[:, column]))
    return seeds


def pair_hashes(subkeys: Subkeys, seeds: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    """The keyed 32-bit value of each (context seed, token) pair: ``fmix32(seed ^ token_code ^ k4)``.

    This is the value KGW compares with its green threshold; the distortion-free schemes read
    their uniforms and g-bits from it.
    """
    return fmix32(seeds ^ token_codes(subkeys, tokens) ^ np.uint32(subkeys.words[4]))
