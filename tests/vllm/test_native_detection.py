"""Text watermarked by vLLM's own reference sampling on the embedded model, detected by greenmark.

Four completions of 64 tokens (fixed prompt and seed; ``native_sampling`` explains how vLLM's
``GumbelWatermarker`` picks each token): ``gumbel`` at context widths 4 and 6 and
``dual_key_gumbel`` at alpha 0.1 and 0.3, each under its own key. Greenmark must find each at
p < 1e-6 (from ids and from decoded text) and nothing under a wrong key (p > 1e-3: a calibrated
test fails that with probability 1e-3 per text, 4e-3 here over random keys; the seeds are
fixed, so the outcome is deterministic). A tenant holding a native key and these imported keys
gets every generation attributed to the key that made it.
"""

import json
import os

import pytest
from vllm.v1.watermarking import DualKeyGumbelWatermarker, GumbelWatermarker

from greenmark.generator import WatermarkedGenerator
from greenmark.generator.loading import load_default_model
from greenmark.store import KeyStore
from greenmark.watermark import Detector, WatermarkSpec, default_tokenizer
from greenmark.watermark.imported_key import ImportedKey
from tests.greenmark_process import run_greenmark
from tests.vllm.native_sampling import generate_with_vllm_watermarks

PROMPT = "The ship left the harbour at dawn, and"
NEW_TOKENS = 64
SEED = 20261202
# (scheme, secret, context width, parameters) of each generated row
ROWS = [
    ("vllm-gumbel", 1001, 4, {}),
    ("vllm-gumbel", 1002, 6, {}),
    ("vllm-dual-key-gumbel", 2001, 4, {"alpha": 0.1}),
    ("vllm-dual-key-gumbel", 2002, 4, {"alpha": 0.3}),
]


def vllm_watermarker(scheme, secret, width, parameters):
    if scheme == "vllm-gumbel":
        return GumbelWatermarker(secret, width)
    return DualKeyGumbelWatermarker(secret, width, alpha=parameters["alpha"])


def spec_of(scheme, width, parameters):
    return WatermarkSpec.for_tokenizer(default_tokenizer(), scheme=scheme, context_width=width, parameters=parameters)


@pytest.fixture(scope="module")
def completions():
    model, tokenizer = load_default_model()
    watermarkers = [vllm_watermarker(*row) for row in ROWS]
    return generate_with_vllm_watermarks(model, tokenizer, PROMPT, watermarkers, NEW_TOKENS, SEED)


@pytest.mark.slow
@pytest.mark.parametrize("row", range(len(ROWS)))
def test_generation_is_detected_under_its_key(completions, row):
    scheme, secret, width, parameters = ROWS[row]
    detector = Detector(spec_of(scheme, width, parameters), [ImportedKey.create(str(secret))], default_tokenizer())
    result = detector.detect_tokens(completions[row])
    assert result.decision == "watermarked" and result.p_value < 1e-6
    text = default_tokenizer().decode(completions[row].tolist())
    assert detector.detect(text).p_value < 1e-6


@pytest.mark.slow
@pytest.mark.parametrize("row", range(len(ROWS)))
def test_generation_is_not_detected_under_a_wrong_key(completions, row):
    scheme, secret, width, parameters = ROWS[row]
    detector = Detector(spec_of(scheme, width, parameters), [ImportedKey.create(str(secret + 7919))])
    result = detector.detect_tokens(completions[row])
    assert result.decision == "not_watermarked" and result.raw_p_value > 1e-3


@pytest.mark.slow
def test_a_tenant_attributes_each_generation_to_its_key(completions, tmp_path):
    env = {**os.environ, "GREENMARK_HOME": str(tmp_path)}
    created = run_greenmark("keys", "create", "house", "--tenant", "acme", "--json", env=env)
    assert created.returncode == 0, created.stderr.decode()
    key_ids = {"house": json.loads(created.stdout)["key_id"]}
    for index, (scheme, secret, width, parameters) in enumerate(ROWS):
        params = [f"context_width={width}"] + [f"{name}={value}" for name, value in parameters.items()]
        options = [option for param in params for option in ("--param", param)]
        name = f"vllm-{index}"
        imported = run_greenmark(
            "keys",
            "import",
            name,
            "--tenant",
            "acme",
            "--scheme",
            scheme,
            "--secret",
            secret,
            *options,
            "--json",
            env=env,
        )
        assert imported.returncode == 0, imported.stderr.decode()
        key_ids[name] = json.loads(imported.stdout)["key_id"]
    with KeyStore.open(home=tmp_path) as store:
        house = next(key for key in store.keys_for_detection("acme") if key.metadata.key_id == key_ids["house"])
        generator = WatermarkedGenerator.from_default(key=house.key, spec=house.spec)
        native = generator.generate([PROMPT], max_new_tokens=NEW_TOKENS, seed=SEED)[0]
        tokenizer = default_tokenizer()
        texts = {"house": tokenizer.decode(native.token_ids[native.prompt_length :])}
        texts |= {f"vllm-{index}": tokenizer.decode(ids.tolist()) for index, ids in enumerate(completions)}
        keyring = store.keyring("acme")
        assert set(keyring.key_ids) == set(key_ids.values())
        for name, text in texts.items():
            result = keyring.detect(text)
            assert (result.key_id, result.decision) == (key_ids[name], "watermarked"), name
            assert result.num_hypotheses >= len(key_ids) and result.p_value < 1e-6
