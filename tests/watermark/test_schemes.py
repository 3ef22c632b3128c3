"""The scheme registry and the spec: versioned ids, scheme defaults and parameters, old specs unchanged."""

import math
import pickle

import numpy as np
import pytest
from scipy import stats

from greenmark.watermark import InvalidSpecError, WatermarkKey, WatermarkSpec
from greenmark.watermark.null_distributions import BinomialNull, GammaNull
from greenmark.watermark.schemes import PairScores, Scheme, registry, scheme_class, scheme_for, scheme_ids

# specs as greenmark wrote them before schemes had parameters: they must read, and write, unchanged
STORED_SPECS = [
    '{"context_width": 1, "delta": 2.0, "gamma": 0.25, "scheme": "lefthash", '
    '"tokenizer_fingerprint": "sha256:eac1a9323811102a2cdccccc18ded86b", "version": "gm1", "vocab_size": 8192}',
    '{"context_width": 4, "delta": 1.5, "gamma": 0.5, "scheme": "selfhash", '
    '"tokenizer_fingerprint": null, "version": "gm1", "vocab_size": 50000}',
]


class Tilted(Scheme):
    """A test scheme with a parameter and a Gamma null: ``-log(1 - u)`` of a keyed uniform per pair."""

    name = "tilted-test"
    version = "t1"
    spec_defaults = {"context_width": 2}  # noqa: RUF012
    parameter_defaults = {"rounds": 3, "labels": ["a", "b"]}  # noqa: RUF012

    @property
    def preceding_tokens(self):
        return self.spec.context_width

    @property
    def null(self):
        return GammaNull()

    def key_material(self, key):
        return int.from_bytes(key.subkey(b"tilted")[:4], "little")

    def score_pairs(self, material, contexts, tokens):
        inputs = (contexts.sum(axis=1) * 1_000_003 + tokens * 7 + material) % 2**32
        uniform = (inputs.astype(np.float64) + 0.5) / 2**32
        return PairScores(-np.log1p(-uniform), inputs.astype(np.uint32))


@pytest.fixture
def tilted(monkeypatch):
    monkeypatch.setitem(registry._SCHEMES, Tilted.name, {Tilted.version: Tilted})
    return Tilted


@pytest.mark.parametrize("stored", STORED_SPECS)
def test_specs_stored_before_scheme_parameters_read_and_write_unchanged(stored):
    spec = WatermarkSpec.from_json(stored)
    assert spec.to_json() == stored
    assert dict(spec.parameters) == {}


def test_builtin_schemes_keep_their_versioned_ids():
    assert {"lefthash@gm1", "selfhash@gm1"} <= set(scheme_ids())
    assert WatermarkSpec(vocab_size=10, scheme="selfhash").scheme_id == "selfhash@gm1"


def test_unknown_schemes_and_versions_are_refused():
    with pytest.raises(InvalidSpecError, match="unknown scheme"):
        WatermarkSpec(vocab_size=10, scheme="nonesuch")
    with pytest.raises(InvalidSpecError, match="unsupported version"):
        WatermarkSpec(vocab_size=10, scheme="lefthash", version="gm0")


def test_a_scheme_fills_its_defaults_into_the_spec(tilted):
    spec = WatermarkSpec(vocab_size=100, scheme="tilted-test")
    assert (spec.version, spec.context_width, spec.gamma, spec.delta) == ("t1", 2, None, None)
    assert dict(spec.parameters) == {"labels": ("a", "b"), "rounds": 3}


def test_scheme_parameters_round_trip_through_json_and_keep_specs_hashable(tilted):
    spec = WatermarkSpec(vocab_size=100, scheme="tilted-test", parameters={"rounds": 5})
    again = WatermarkSpec.from_json(spec.to_json())
    assert again == spec and hash(again) == hash(spec)
    assert '"parameters": {"labels": ["a", "b"], "rounds": 5}' in spec.to_json()
    assert scheme_for(spec) is scheme_for(again)


def test_parameters_and_fields_a_scheme_lacks_are_refused(tilted):
    with pytest.raises(InvalidSpecError, match="no parameters"):
        WatermarkSpec(vocab_size=100, scheme="tilted-test", parameters={"depth": 1})
    with pytest.raises(InvalidSpecError, match="no gamma"):
        WatermarkSpec(vocab_size=100, scheme="tilted-test", gamma=0.25)
    with pytest.raises(InvalidSpecError, match="no parameters"):
        WatermarkSpec(vocab_size=100, parameters={"rounds": 1})


def test_green_lists_are_only_asked_of_green_list_schemes(tilted):
    with pytest.raises(InvalidSpecError, match="no green lists"):
        WatermarkSpec(vocab_size=100, scheme="tilted-test").green_list(WatermarkKey.generate(), [1, 2])


def test_scheme_classes_are_found_by_name_and_by_version():
    assert scheme_class("lefthash") is scheme_class("lefthash", "gm1")


@pytest.mark.parametrize(
    ("successes", "tokens", "p", "trials"), [(0, 10, 0.25, 1), (7, 10, 0.25, 1), (170, 10, 0.5, 30)]
)
def test_the_binomial_tail_is_the_exact_binomial_survival_function(successes, tokens, p, trials):
    tail = BinomialNull(p, trials).tail(np.array([float(successes)]), np.array([tokens]))[0]
    assert tail == pytest.approx(stats.binom.sf(successes - 1, trials * tokens, p), rel=1e-12)


@pytest.mark.parametrize(("total", "tokens"), [(0.5, 1), (20.0, 10), (260.0, 200)])
def test_the_gamma_tail_is_the_exact_gamma_survival_function(total, tokens):
    tail = GammaNull().tail(np.array([total]), np.array([tokens]))[0]
    assert tail == pytest.approx(stats.gamma.sf(total, tokens), rel=1e-12)


def test_z_scores_standardise_by_the_nulls_per_token_mean_and_spread():
    null = BinomialNull(0.5, trials=30)
    assert null.z_scores([165.0], [10])[0] == pytest.approx(15 / math.sqrt(10 * 7.5))
    assert GammaNull().z_scores([0.0], [0])[0] == 0.0


def test_specs_with_parameters_pickle_for_worker_processes(tilted):
    spec = WatermarkSpec(vocab_size=100, scheme="tilted-test", parameters={"rounds": 4})
    assert pickle.loads(pickle.dumps(spec)) == spec
