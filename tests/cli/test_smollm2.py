"""`greenmark keys create --model`, `generate --model --chat` and `detect --model` with SmolLM2, end to end."""

import json

import pytest

from tests.cli.conftest import assert_one_line_error

generator = pytest.importorskip("greenmark.generator", reason="greenmark.generator needs the [generate] extra (torch)")

MESSAGE = "Write a story about a fox who learns to read."


@pytest.mark.slow
def test_a_chat_answer_is_watermarked_with_a_key_for_the_model_and_detected_with_its_tokenizer(greenmark, create_key):
    # The key and detection name the model in its two forms: the alias and the .gguf path.
    created = create_key("chat", "--model", "smollm2")
    assert created["spec"]["vocab_size"] == 49_152
    gguf_file = generator.smollm2_path()
    generated = greenmark("generate", "--model", gguf_file, "--chat", MESSAGE, "--key", "chat", "--json", "--seed", "0")
    assert generated.exit_code == 0, generated.output
    output = json.loads(generated.stdout)
    assert output["key_id"] == created["key_id"] and output["prompt"] == [{"role": "user", "content": MESSAGE}]
    assert "<|im_" not in output["text"] and output["prompt_length"] > 20  # the template's system turn included

    without_model = greenmark("detect", "--json", "--text", output["text"])
    assert without_model.exit_code == 2 and "made for another tokenizer (pass --model" in without_model.stderr
    detected = greenmark("detect", "--model", "smollm2", "--json", "--text", output["text"])
    assert detected.exit_code == 1, detected.output
    (result,) = json.loads(detected.stdout)["results"]
    assert result["key_id"] == created["key_id"] and result["p_value"] < 1e-6


def test_a_model_that_would_need_a_download_is_one_line_error(greenmark):
    result = greenmark("generate", "--model", "greenmark-tests/no-such-model", "--chat", "Hello")
    assert_one_line_error(result, "not on this machine", "give the path of a local copy instead")
    assert_one_line_error(greenmark("keys", "create", "k", "--model", "greenmark-tests/no-such-model"), "local copy")


def test_chat_with_a_model_without_a_chat_template_is_one_line_error_and_creates_no_key(greenmark):
    assert_one_line_error(greenmark("generate", "--chat", "Hello", "--max-new-tokens", "2"), "no chat template")
    assert json.loads(greenmark("keys", "list", "--json").stdout) == []


def test_a_prompt_and_a_chat_message_together_are_a_usage_error(greenmark):
    assert greenmark("generate", "Once upon a time", "--chat", "Hello").exit_code == 2
    assert_one_line_error(greenmark("generate", "--chat", " "), "--chat message is empty")
