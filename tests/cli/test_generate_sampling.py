"""`greenmark generate` as a real subprocess: a temperature below the floor decodes greedily, bad values exit 2.

Issue 15, defect 2: ``--temperature 1e-39`` printed a traceback and exited 1 (which ``detect``
uses for "watermark found").
"""

import json

import pytest

from tests.cli.test_entry_point import greenmark

pytest.importorskip("torch", reason="generate needs the [generate] extra (torch)")

PROMPT = "It was a dark and stormy night"


@pytest.mark.slow
def test_a_temperature_below_the_floor_decodes_greedily():
    runs = {
        temperature: greenmark(
            "generate", PROMPT, "--json", "--quiet", "--max-new-tokens", "10", "--temperature", temperature
        )
        for temperature in ("0", "1e-39")
    }
    assert all(run.returncode == 0 for run in runs.values()), [run.stderr for run in runs.values()]
    assert json.loads(runs["1e-39"].stdout)["token_ids"] == json.loads(runs["0"].stdout)["token_ids"]


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--temperature", "nan", "temperature must be a number from 0 to 10"),
        ("--temperature", "-inf", "temperature must be a number from 0 to 10"),
        ("--top-p", "nan", "top_p must be a number in (0, 1]"),
        ("--top-k", "-1", "top_k must be an integer >= 0"),
        ("--max-new-tokens", "0", "max_new_tokens must be an integer >= 1"),
        ("--seed", str(2**64), "seed must be an integer from 0 to"),
    ],
)
def test_invalid_sampling_parameters_are_one_line_and_exit_2(option, value, message):
    result = greenmark("generate", PROMPT, option, value)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
