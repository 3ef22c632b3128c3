"""A real server started with `serve --model smollm2`: /v1/generate answers a conversation, /v1/detect finds its key."""

from __future__ import annotations

import httpx
import pytest

from greenmark.store import KeyStore
from greenmark.watermark import WatermarkSpec, default_tokenizer
from tests.api.conftest import ServerProcess, bearer

pytest.importorskip("torch")
pytest.importorskip("greenmark.generator")

pytestmark = pytest.mark.slow

MESSAGES = [{"role": "user", "content": "Write a story about a robot who wants to be a gardener."}]


@pytest.fixture(scope="module")
def chat_tenant(smollm2, tmp_path_factory):
    """A home where tenant ``initech`` has a key for the embedded model and one for SmolLM2; its API key's token."""
    from greenmark.generator import logits_width

    model, tokenizer = smollm2
    home = tmp_path_factory.mktemp("smollm2-home")
    with KeyStore.open(home=home) as store:
        store.create_key("toy", spec=WatermarkSpec.for_tokenizer(default_tokenizer()), tenant="initech")
        chat_key = store.create_key(
            "chat", spec=WatermarkSpec.for_tokenizer(tokenizer, vocab_size=logits_width(model)), tenant="initech"
        )
        token = store.create_api_key("initech", scopes=["detect", "generate"]).api_key
    return home, chat_key.key_id, token


@pytest.fixture(scope="module")
def smollm2_server(chat_tenant, tmp_path_factory):
    home, _, _ = chat_tenant
    settings = {"GREENMARK_API_RATE_LIMIT_PER_SECOND": "0"}
    log = tmp_path_factory.mktemp("logs") / "smollm2.log"
    process = ServerProcess(home, log, settings, ready_timeout=600, options=("--model", "smollm2"))
    yield process
    process.stop()


def test_a_chat_reply_is_watermarked_with_the_key_for_the_model_and_detected_by_the_server(smollm2_server, chat_tenant):
    _, chat_key_id, token = chat_tenant
    with httpx.Client(base_url=smollm2_server.url, timeout=600, headers=bearer(token)) as http:
        generated = http.post("/v1/generate", json={"messages": MESSAGES, "max_new_tokens": 200, "seed": 0})
        assert generated.status_code == 200, generated.text
        assert generated.json()["key_id"] == chat_key_id  # not the embedded model's key, which does not fit
        (output,) = generated.json()["outputs"]
        assert "<|im_" not in output["text"] and output["num_new_tokens"] > 50
        detected = http.post("/v1/detect", json={"inputs": [{"id": "reply", "text": output["text"]}]})
    (result,) = detected.json()["results"]
    assert result["decision"] == "watermarked" and result["key_id"] == chat_key_id, result
    assert result["p_value"] < 1e-6 and result["num_hypotheses"] == 2  # both keys tested: two tokenizers served


def test_prompts_and_messages_together_or_neither_are_refused(smollm2_server, chat_tenant):
    _, _, token = chat_tenant
    with httpx.Client(base_url=smollm2_server.url, timeout=30, headers=bearer(token)) as http:
        both = http.post("/v1/generate", json={"prompts": ["Once"], "messages": MESSAGES})
        neither = http.post("/v1/generate", json={"max_new_tokens": 5})
        bad_role = http.post("/v1/generate", json={"messages": [{"role": "robot", "content": "Hi"}]})
    for response in (both, neither, bad_role):
        assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
