"""Both watermarks' scorers agree with their own detectors and tell watermarked from random tokens."""

import numpy as np
import pytest
import torch
from transformers import PretrainedConfig
from transformers.generation import WatermarkDetector

from greenmark.evaluation.scoring import GreenmarkScheme, TransformersScheme
from greenmark.watermark import WatermarkKey, WatermarkSpec, default_tokenizer

VOCAB = 8192


@pytest.fixture(scope="module")
def transformers_scheme():
    return TransformersScheme(VOCAB, gamma=0.25, delta=2.0, tokenizer=default_tokenizer())


def test_greenmark_tables_count_what_the_detector_counts():
    spec = WatermarkSpec(vocab_size=300)
    key = WatermarkKey(bytes(range(32)))
    scheme = GreenmarkScheme(spec, key)
    ids = np.random.default_rng(0).integers(0, 300, 2000)  # many repeated pairs
    table = scheme.token_scores(ids)
    result = scheme.detector.detect_tokens(ids)
    assert (table.scored.sum(), (table.scored & table.green).sum()) == (
        result.num_scored_tokens,
        result.num_green_tokens,
    )


def test_greenmark_scores_blank_text_as_no_evidence():
    scheme = GreenmarkScheme(
        WatermarkSpec.for_tokenizer(default_tokenizer()), WatermarkKey(bytes(32)), default_tokenizer()
    )
    scores = scheme.score_texts(["   ", "A short human sentence about the weather today."])
    assert scores.p_value[0] == 1.0 and scores.num_scored_tokens[0] == 0
    assert scores.num_scored_tokens[1] > 0


def test_transformers_tables_match_its_detector(transformers_scheme):
    ids = np.random.default_rng(1).integers(2, 400, 300)  # small range: repeated bigrams
    config = PretrainedConfig(vocab_size=VOCAB, bos_token_id=0)
    detector = WatermarkDetector(config, "cpu", transformers_scheme.config, ignore_repeated_ngrams=True)
    output = detector(torch.from_numpy(ids[None]), return_dict=True)
    table = transformers_scheme.token_scores(ids)
    assert (table.num_scored_tokens[0], table.num_green_tokens[0]) == (
        output.num_tokens_scored[0],
        output.num_green_tokens[0],
    )
    assert transformers_scheme.score_tokens([ids]).z_score[0] == pytest.approx(output.z_score[0])


def test_transformers_scheme_detects_all_green_text_and_not_random_text(transformers_scheme):
    rng = np.random.default_rng(2)
    green_ids = [5]
    for _ in range(100):
        green_ids.append(int(rng.choice(np.flatnonzero(transformers_scheme._green_list(green_ids[-1])))))
    random_ids = rng.integers(2, VOCAB, 101)
    scores = transformers_scheme.score_tokens([green_ids, random_ids])
    assert scores.p_value[0] < 1e-30 < 1e-3 < scores.p_value[1]
