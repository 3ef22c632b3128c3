"""The one scoring rule (``score_documents``): what is scored, for any scheme."""

import numpy as np

from greenmark.watermark import WatermarkKey, WatermarkSpec
from greenmark.watermark.schemes import PairScores
from greenmark.watermark.schemes.lefthash import LeftHash
from greenmark.watermark.token_scores import score_documents

KEY = WatermarkKey.from_hex("01" * 32)
SPEC = WatermarkSpec(vocab_size=1000, context_width=3)
SCHEME = SPEC.watermark_scheme
MATERIAL = SCHEME.key_material(KEY)


class ContextKeyed(LeftHash):
    """A scheme whose deduplication key is the context alone (as Gumbel-max's is): one score per context."""

    def score_pairs(self, material, contexts, tokens):
        pairs = super().score_pairs(material, contexts, tokens)
        return PairScores(pairs.statistic, super().prf_inputs(material, contexts, np.zeros_like(tokens)))


def test_positions_without_a_full_context_are_not_scored():
    scores = score_documents(SCHEME, MATERIAL, [np.arange(10, 20)])
    assert scores.eligible.tolist() == [False] * 3 + [True] * 7
    assert scores.num_scored_tokens.tolist() == [7]


def test_prompt_positions_are_not_scored():
    scores = score_documents(SCHEME, MATERIAL, [np.arange(10, 30)], prompt_lengths=[12])
    assert np.flatnonzero(scores.scored).tolist() == list(range(12, 20))


def test_no_position_with_a_special_token_in_its_window_is_scored():
    ids = np.arange(100, 120)
    ids[10] = 7
    is_special = np.zeros(SPEC.vocab_size, dtype=bool)
    is_special[7] = True
    scores = score_documents(SCHEME, MATERIAL, [ids], is_special=is_special)
    # position 10 is special itself; positions 11-13 have it in their context of 3
    assert not scores.eligible[10:14].any() and scores.eligible[[9, 14]].all()


def test_each_deduplication_key_is_scored_once_per_document():
    phrase = np.arange(200, 208)
    scores = score_documents(SCHEME, MATERIAL, [np.tile(phrase, 10), np.tile(phrase, 2)])
    # 80 tokens but only the 8 pairs of the repeating phrase (5 in its first pass, 3 across the seam)
    assert scores.num_scored_tokens.tolist() == [8, 8]
    first = scores.document(0)
    assert len(set(first.dedup_key[first.scored].tolist())) == 8
    assert set(first.dedup_key[first.eligible].tolist()) == set(first.dedup_key[first.scored].tolist())


def test_the_schemes_deduplication_key_decides_what_counts_as_a_repeat():
    # the same context followed by different tokens: distinct pairs, one context
    ids = np.array([1, 2, 3, 4, 1, 2, 3, 5, 1, 2, 3, 6])
    by_pair = score_documents(SCHEME, MATERIAL, [ids])
    by_context = score_documents(ContextKeyed(SPEC), MATERIAL, [ids])
    assert by_pair.scored[[3, 7, 11]].all()
    assert by_context.scored[3] and not by_context.scored[[7, 11]].any()


def test_a_batch_scores_each_document_as_if_alone():
    rng = np.random.default_rng(4)
    documents = [rng.integers(0, 50, length) for length in (0, 2, 40, 300)]
    batch = score_documents(SCHEME, MATERIAL, documents)
    for index, ids in enumerate(documents):
        alone = score_documents(SCHEME, MATERIAL, [ids])
        part = batch.document(index)
        assert np.array_equal(part.scored, alone.scored) and np.array_equal(part.statistic, alone.statistic)
        assert batch.test().p_value[index] == alone.test().p_value[0]
