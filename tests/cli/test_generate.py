"""`greenmark generate` with the embedded model, then `greenmark detect` on what it wrote."""

import json

import pytest

from tests.cli.conftest import assert_one_line_error

pytest.importorskip("torch", reason="greenmark.generator needs the [generate] extra (torch)")

PROMPT = "It was a dark and stormy night; the rain fell in torrents"


@pytest.mark.slow
def test_first_use_creates_the_default_key(greenmark):
    result = greenmark("generate", PROMPT, "--json", "--max-new-tokens", "8", "--seed", "0")
    assert result.exit_code == 0, result.output
    output = json.loads(result.stdout)
    assert "Created watermark key 'default'" in result.stderr and output["key_id"] in result.stderr
    assert output["watermarked"] and (output["tenant"], output["key_name"]) == ("default", "default")
    assert output["prompt_length"] > 0 and len(output["token_ids"]) > output["prompt_length"]
    (stored,) = json.loads(greenmark("keys", "list", "--json").stdout)
    assert stored["key_id"] == output["key_id"]


@pytest.mark.slow
def test_detect_finds_the_key_of_generated_text(greenmark, create_key):
    # delta 4 (green share ~90%) makes 60 tokens conclusive whatever the random key
    created = create_key("news", "--delta", "4")
    result = greenmark("generate", PROMPT, "--key", "news", "--json", "--max-new-tokens", "60", "--seed", "0")
    output = json.loads(result.stdout)
    assert output["key_id"] == created["key_id"]
    detected = greenmark("detect", "--json", "--text", output["text"])
    assert detected.exit_code == 1
    assert json.loads(detected.stdout)["results"][0]["key_id"] == created["key_id"]


@pytest.mark.slow
def test_unwatermarked_text_from_a_prompt_file_is_not_detected(greenmark, create_key, tmp_path):
    create_key("news")
    prompt = tmp_path / "prompt.txt"
    prompt.write_text(PROMPT)
    result = greenmark("generate", "--prompt-file", prompt, "--no-watermark", "--quiet", "--max-new-tokens", "40")
    assert result.exit_code == 0 and result.stderr == ""
    assert greenmark("detect", "--text", result.stdout).exit_code == 0
    assert [key["name"] for key in json.loads(greenmark("keys", "list", "--json").stdout)] == ["news"]


def test_an_unknown_key_or_two_prompts_are_errors(greenmark, tmp_path):
    assert_one_line_error(greenmark("generate", PROMPT, "--key", "missing"), "no key named 'missing'", "keys create")
    (tmp_path / "prompt.txt").write_text(PROMPT)
    assert greenmark("generate", PROMPT, "--prompt-file", tmp_path / "prompt.txt").exit_code == 2
    assert greenmark("generate").exit_code == 2
