"""The suite's pieces and one small end-to-end run of ``greenmark eval``."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from greenmark.cli.evaluate import SUITE_NAMES, evaluate
from greenmark.evaluation import SUITES, SuiteConfig, suite
from greenmark.evaluation.catalog import AttackStrengths
from greenmark.evaluation.report import goals, markdown_report

TINY = SuiteConfig(
    "quick",
    num_prompts=3,
    max_new_tokens=40,
    batch_size=3,
    num_human_chunks=60,
    copy_paste_length=160,
    delimiter_attack=True,
    attacks=AttackStrengths(
        token_rates=(0.1, 0.3), word_rates=(0.3,), typo_rates=(0.05,), unicode_rates=(0.3,), crop_lengths=(25,)
    ),
)


def test_the_command_offers_every_suite():
    assert set(SUITE_NAMES) == set(SUITES)


def test_evaluation_key_depends_only_on_the_seed():
    assert suite.evaluation_key(7) == suite.evaluation_key(7) != suite.evaluation_key(8)


def test_complement_of_pasted_spans():
    assert suite._complement(((2, 4), (6, 8)), 10) == ((0, 2), (4, 6), (8, 10))
    assert suite._complement(((0, 10),), 10) == ()


def test_generation_is_deterministic_for_a_seed(corpus):
    from greenmark.evaluation.samples import generate_samples
    from greenmark.generator import load_default_model

    model, tokenizer = load_default_model(device="cpu")
    prompts = ["It was a dark and stormy night", "The sea"]
    first, again = (generate_samples(model, tokenizer, prompts, 8, seed=3, batch_size=2) for _ in range(2))
    assert [s.ids.tolist() for s in first] == [s.ids.tolist() for s in again]
    assert all(0 < len(s.ids) <= 8 and s.prompt_ids.size for s in first)


@pytest.fixture(scope="module")
def tiny_run(corpus, tmp_path_factory):
    """``greenmark eval --suite quick`` with the quick suite shrunk to seconds."""
    out = tmp_path_factory.mktemp("eval")
    patch = pytest.MonkeyPatch()
    patch.setitem(SUITES, "quick", TINY)
    try:
        result = CliRunner().invoke(evaluate, ["--suite", "quick", "--out", str(out), "--seed", "1", "--quiet"])
    finally:
        patch.undo()
    assert result.exit_code == 0, result.output
    return out, result.stdout


@pytest.mark.slow
def test_eval_writes_results_report_and_plots(tiny_run):
    out, printed = tiny_run
    results = json.loads((out / "results.json").read_text())
    assert set(results["schemes"]) == {"greenmark", "transformers"}
    assert (out / "report.md").read_text() == printed
    for name in ("roc.png", "attacks.png", "z_by_tokens.png"):
        assert (out / name).read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow
def test_eval_results_are_sane(tiny_run):
    results = json.loads((tiny_run[0] / "results.json").read_text())
    greenmark = results["schemes"]["greenmark"]
    assert greenmark["unattacked"]["tpr"]["0.01"] == 1.0  # 40 watermarked tokens are plenty at 1e-2
    assert greenmark["false_positives_human"]["1e-06"]["count"] == 0
    assert {row["label"] for row in greenmark["attacks"]} >= {"homoglyphs 0.3", "crop (suffix) 25", "lowercase"}
    assert np.isfinite(results["quality"]["unwatermarked"]["perplexity"])
    assert len(goals(results)) == 6
    assert "## Goals" in markdown_report(results)
