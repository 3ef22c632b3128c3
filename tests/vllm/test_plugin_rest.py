"""The plug-in behind vLLM's OpenAI-compatible server: a real server subprocess (``vllm serve``'s, through
``plugin_support.SERVER_MODULE``) loaded with ``--logits-processors``, its requests naming their key in
``vllm_xargs``.

Statistical assertions use the detector's exact test at alpha = 1e-6: the unwatermarked answer
is flagged with probability at most 1e-6; the watermarked 160-token answer (fixed seed) reaches
p-values far below it.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests.vllm.plugin_support import (
    ALPHA,
    PLUGIN,
    SERVE_OPTIONS,
    SERVED_MODEL_NAME,
    SERVER_MODULE,
    create_keys,
    key_store_environment,
    model_path,
    with_environment,
)

START_TIMEOUT_S = 600
PROMPT = "The old lighthouse keeper looked at the sea and"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    environment = key_store_environment(tmp_path_factory.mktemp("greenmark-home"))
    return environment, create_keys(environment, [("acme", "news", "lefthash")])


@pytest.fixture(scope="module")
def server(store, tmp_path_factory):
    environment, _ = store
    port = free_port()
    log_path = tmp_path_factory.mktemp("vllm-serve") / "serve.log"
    command = [sys.executable, "-m", SERVER_MODULE, f"--model={model_path()}", f"--port={port}", "--seed=0"]
    command += [f"--logits-processors={PLUGIN}", *SERVE_OPTIONS]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=with_environment(environment))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        while not _healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"vllm serve did not come up:\n{log_path.read_text(errors='replace')[-4000:]}")
            time.sleep(2)
        with httpx.Client(base_url=url, timeout=300) as client:
            yield client
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def complete(client: httpx.Client, **fields) -> httpx.Response:
    body = {"model": SERVED_MODEL_NAME, "prompt": PROMPT, "max_tokens": 160, "min_tokens": 160, "temperature": 1.0}
    return client.post("/v1/completions", json={**body, "return_token_ids": True, **fields})


def test_a_request_naming_its_key_in_vllm_xargs_is_watermarked_with_it(server, store):
    key = store[1]["acme/news"]
    watermarked = complete(server, seed=1, vllm_xargs={"greenmark": "acme/news"})
    plain = complete(server, seed=1)
    assert watermarked.status_code == plain.status_code == 200, (watermarked.text, plain.text)
    answers = [response.json()["choices"][0] for response in (watermarked, plain)]
    results = [key.detect(answer["prompt_token_ids"], answer["token_ids"]) for answer in answers]
    assert results[0].p_value < ALPHA, results[0]
    assert not results[1].is_watermarked, results[1]


@pytest.mark.parametrize(
    ("named", "message"),
    [
        ("acme/nope", "tenant 'acme' has no key named 'nope'"),
        ("nobody/news", "tenant 'nobody' has no key named 'news'"),
        ("news", 'must be "TENANT/KEY"'),
    ],
)
def test_an_unknown_key_tenant_or_malformed_name_gets_http_400(server, named, message):
    response = complete(server, max_tokens=4, min_tokens=0, vllm_xargs={"greenmark": named})
    assert response.status_code == 400, response.text
    assert message in response.json()["error"]["message"], response.text
