"""Bit-exactness against transformers' own code on CPU: KGW green lists, SynthID g-values and masks.

The reference is transformers' ``WatermarkLogitsProcessor`` (its bias over a zero score row
marks the green list) and ``SynthIDTextWatermarkLogitsProcessor`` (``compute_g_values``,
``compute_context_repetition_mask``), on the same ids; greenmark replays them in numpy.
Ids and keys come from fixed seeds; every case compares at least 10,000 (context, token) pairs.
"""

import numpy as np
import pytest

from greenmark.watermark import ImportedKey, WatermarkSpec
from greenmark.watermark.schemes.torch_cpu_random import random_bits, randperm_head, randperm_prefix
from greenmark.watermark.token_scores import score_documents

torch = pytest.importorskip("torch")
logits_process = pytest.importorskip("transformers.generation.logits_process")

VOCAB = 8192
PAIRS = 10_000
SYNTHID_KEYS = [654, 400, 836, 123, 340, 443, 597, 160, 57, 29, 590, 639, 13, 715, 468]


def kgw_scheme(seeding_scheme: str, context_width: int, gamma: float = 0.25):
    spec = WatermarkSpec(
        vocab_size=VOCAB,
        scheme="transformers-kgw",
        gamma=gamma,
        context_width=context_width,
        parameters={"seeding_scheme": seeding_scheme},
    )
    return spec.watermark_scheme


@pytest.mark.parametrize("seed", [0, 1, 15485863 * 4093, 2**40 + 7])
def test_randperm_and_randint_replay_torchs_cpu_generator(seed):
    generator = torch.Generator().manual_seed(seed)
    permutation = torch.randperm(VOCAB, generator=generator).numpy()
    assert (randperm_prefix([seed], VOCAB, VOCAB // 4)[0] == permutation[: VOCAB // 4]).all()
    assert (randperm_head(seed, VOCAB, 500) == permutation[:500]).all()
    bits = torch.randint(0, 2, (2**16,), generator=torch.Generator().manual_seed(seed)).numpy()
    assert (random_bits(seed, 2**16) == bits).all()


@pytest.mark.parametrize(("hashing_key", "context_width", "gamma"), [(15485863, 1, 0.25), (9876543210, 2, 0.5)])
def test_lefthash_green_lists_equal_the_processors(hashing_key, context_width, gamma):
    processor = logits_process.WatermarkLogitsProcessor(
        VOCAB, "cpu", gamma, 2.0, hashing_key, "lefthash", context_width
    )
    scheme = kgw_scheme("lefthash", context_width, gamma)
    material = scheme.key_material(ImportedKey.create(str(hashing_key)))
    rng = np.random.default_rng(14)
    contexts = rng.integers(0, VOCAB, (PAIRS, context_width))
    contexts[:, -1] = rng.choice(VOCAB, 1500, replace=False)[contexts[:, -1] % 1500]  # 1,500 green lists to draw
    tokens = rng.integers(0, VOCAB, PAIRS)
    expected = np.empty(PAIRS, dtype=bool)
    for first in range(0, PAIRS, 500):  # the processor's bias over zero scores is 2.0 exactly on the green list
        rows = torch.as_tensor(contexts[first : first + 500])
        green_rows = processor(rows, torch.zeros(len(rows), VOCAB)).numpy() > 0
        expected[first : first + 500] = green_rows[np.arange(len(rows)), tokens[first : first + 500]]
    assert (scheme.score_pairs(material, contexts, tokens).statistic.astype(bool) == expected).all()


def test_a_lefthash_green_list_is_the_processors_whole_row():
    processor = logits_process.WatermarkLogitsProcessor(VOCAB, "cpu", 0.25, 2.0, 4242, "lefthash", 1)
    scheme = kgw_scheme("lefthash", 1)
    material = scheme.key_material(ImportedKey.create("4242"))
    for previous in [0, 1, 17, 8191]:
        expected = processor(torch.tensor([[previous]]), torch.zeros(1, VOCAB)).numpy()[0] > 0
        got = scheme.score_pairs(material, np.full((VOCAB, 1), previous), np.arange(VOCAB)).statistic
        assert (got.astype(bool) == expected).all() and expected.sum() == VOCAB // 4


@pytest.mark.parametrize(("hashing_key", "context_width"), [(15485863, 4), (9876543210, 2)])
def test_selfhash_green_membership_equals_the_processors(hashing_key, context_width):
    processor = logits_process.WatermarkLogitsProcessor(VOCAB, "cpu", 0.25, 2.0, hashing_key, "selfhash", context_width)
    scheme = kgw_scheme("selfhash", context_width)
    material = scheme.key_material(ImportedKey.create(str(hashing_key)))
    rng = np.random.default_rng(15)
    contexts = rng.integers(0, VOCAB, (PAIRS, context_width - 1))
    tokens = rng.integers(0, VOCAB, PAIRS)
    expected = np.array(
        [
            int(token) in set(processor._get_greenlist_ids(torch.as_tensor([*context, token])).tolist())
            for context, token in zip(contexts, tokens, strict=True)
        ]
    )
    assert (scheme.score_pairs(material, contexts, tokens).statistic.astype(bool) == expected).all()


def synthid_processor(ngram_len: int = 5, table_seed: int = 0):
    return logits_process.SynthIDTextWatermarkLogitsProcessor(
        ngram_len=ngram_len,
        keys=SYNTHID_KEYS,
        sampling_table_size=2**16,
        sampling_table_seed=table_seed,
        context_history_size=1024,
        device="cpu",
    )


def synthid_scheme(ngram_len: int = 5, table_seed: int = 0):
    parameters = {"depth": len(SYNTHID_KEYS), "ngram_len": ngram_len, "sampling_table_seed": table_seed}
    return WatermarkSpec(vocab_size=VOCAB, scheme="transformers-synthid", parameters=parameters).watermark_scheme


@pytest.mark.parametrize(("ngram_len", "table_seed"), [(5, 0), (3, 77)])
def test_synthid_g_values_equal_the_processors(ngram_len, table_seed):
    scheme = synthid_scheme(ngram_len, table_seed)
    keys = scheme.key_material(ImportedKey.create(",".join(map(str, SYNTHID_KEYS))))
    ids = np.random.default_rng(16).integers(0, VOCAB, (20, 600))
    expected = synthid_processor(ngram_len, table_seed).compute_g_values(torch.as_tensor(ids)).numpy()
    ngrams = np.lib.stride_tricks.sliding_window_view(ids, ngram_len, axis=1).reshape(-1, ngram_len)
    assert len(ngrams) >= PAIRS
    got = scheme.g_values(keys.keys, ngrams[:, :-1], ngrams[:, -1]).reshape(expected.shape)
    assert (got == expected).all()
    counts = scheme.score_pairs(keys, ngrams[:, :-1], ngrams[:, -1]).statistic  # the per-residue lookup
    assert (counts == expected.sum(axis=2).reshape(-1)).all()


def test_synthid_scores_exactly_the_positions_transformers_masks_in():
    scheme = synthid_scheme()
    keys = scheme.key_material(ImportedKey.create(",".join(map(str, SYNTHID_KEYS))))
    rng = np.random.default_rng(17)
    phrase = rng.integers(0, VOCAB, 40)
    ids = np.stack(
        [np.concatenate([rng.integers(0, VOCAB, 200), phrase, rng.integers(0, 50, 300), phrase]) for _ in range(30)]
    )
    processor = synthid_processor()
    mask = processor.compute_context_repetition_mask(torch.as_tensor(ids)).numpy().astype(bool)
    g_values = processor.compute_g_values(torch.as_tensor(ids)).numpy()
    table = score_documents(scheme, keys, list(ids))
    scored = table.scored.reshape(ids.shape)[:, 4:]
    assert (scored == mask).all() and (~mask).sum() >= 30 * 36  # the repeated phrase, at least
    assert (table.statistic_totals == (g_values * mask[:, :, None]).sum(axis=(1, 2))).all()
