"""torch's CPU random numbers in numpy: ``torch.Generator().manual_seed(s)`` then ``randperm`` / ``randint(0, 2)``.

transformers' watermarks draw their green lists and sampling tables from torch's CPU
generator, so detecting them without torch means replaying it. That generator is MT19937
seeded with ``init_genrand(seed & 0xffffffff)``, exactly numpy's legacy ``MT19937`` seeding, and
its 32-bit outputs drive:

* ``randperm(n)`` (n < 2**32 / 20): Fisher-Yates from the front, step i swapping position i
  with ``i + output_i % (n - i)``. After step i position i never changes again, so the first
  k entries need only the first k outputs (``randperm_prefix``);
* ``randint(0, 2, (size,))``: ``output_i % 2`` (``random_bits``).

The tests pin these against torch itself.

>>> randperm_prefix(seeds=[0, 1], n=10, length=4).shape
(2, 4)
>>> random_bits(seed=0, size=8).dtype
dtype('uint8')
"""

from __future__ import annotations

import numpy as np

PERMUTATION_BUDGET = 1 << 20  # ids permuted at once (4 MiB): the swaps stay in cache


def mt19937_outputs(seed: int, count: int) -> np.ndarray:
    """uint32[count]: the first ``count`` outputs of MT19937 after ``init_genrand(seed & 0xffffffff)``."""
    return mt19937_output_rows([seed], count)[0]


def mt19937_output_rows(seeds, count: int) -> np.ndarray:
    """uint32[len(seeds), count]: ``mt19937_outputs`` of each seed (one generator object, reseeded)."""
    generator = np.random.MT19937()  # building one is costly (it seeds from the OS); reseeding is not
    rows = np.empty((len(seeds), count), dtype=np.uint32)
    for row, seed in enumerate(seeds):
        generator._legacy_seeding(int(seed) & 0xFFFFFFFF)
        rows[row] = generator.random_raw(count)
    return rows


def random_bits(seed: int, size: int) -> np.ndarray:
    """uint8[size]: ``torch.randint(0, 2, (size,), generator=torch.Generator().manual_seed(seed))``."""
    return (mt19937_outputs(seed, size) & np.uint32(1)).astype(np.uint8)


def randperm_prefix(seeds, n: int, length: int) -> np.ndarray:
    """int64[len(seeds), length]: the first ``length`` entries of ``torch.randperm(n)`` under each seed."""
    seeds = np.asarray(seeds, dtype=np.uint64).reshape(-1)
    length = min(length, n)
    prefixes = np.empty((len(seeds), length), dtype=np.int64)
    rows_per_batch = max(1, PERMUTATION_BUDGET // max(n, 1))
    steps = np.arange(length, dtype=np.int64)
    for first in range(0, len(seeds), rows_per_batch):
        batch = seeds[first : first + rows_per_batch]
        outputs = mt19937_output_rows(batch, length).astype(np.int64)
        targets = steps + outputs % (n - steps)  # position swapped with position i at step i
        permutation = np.tile(np.arange(n, dtype=np.int32 if n < 2**31 else np.int64), len(batch))
        row_starts = np.arange(len(batch), dtype=np.int64) * n
        for step in range(length):
            here, there = row_starts + step, row_starts + targets[:, step]
            moved = permutation[there]
            permutation[there] = permutation[here]
            permutation[here] = moved
        prefixes[first : first + len(batch)] = permutation.reshape(len(batch), n)[:, :length]
    return prefixes


def randperm_head(seed: int, n: int, length: int) -> np.ndarray:
    """int64[length]: the first ``length`` entries of one ``torch.randperm(n)``, for n up to millions (sparse swaps)."""
    length = min(length, n)
    outputs = mt19937_outputs(seed, length).astype(np.int64)
    moved: dict[int, int] = {}
    head = np.empty(length, dtype=np.int64)
    for step, output in enumerate(outputs.tolist()):
        target = step + output % (n - step)
        value_there = moved.get(target, target)
        moved[target] = moved.get(step, step)
        head[step] = value_there
    return head


def in_randperm_prefix(seeds, tokens, n: int, length: int) -> np.ndarray:
    """bool[N]: is ``tokens[j]`` among the first ``length`` entries of ``torch.randperm(n)`` under ``seeds[j]``?

    Follows each token through the Fisher-Yates steps instead of building the permutations:
    step i swaps positions i and z_i, so a token at z_i is fixed in the prefix, and one at i
    moves on to z_i.
    """
    seeds = np.asarray(seeds, dtype=np.uint64).reshape(-1)
    position = np.asarray(tokens, dtype=np.int64).reshape(-1).copy()
    length = min(length, n)
    steps = np.arange(length, dtype=np.int64)
    targets = np.ascontiguousarray((steps + mt19937_output_rows(seeds, length).astype(np.int64) % (n - steps)).T)
    member = np.zeros(len(seeds), dtype=bool)
    for step, target in enumerate(targets):
        member |= position == target
        moving = position == step
        position[moving] = target[moving]
    return member
