"""Fixtures for scanning tests: a key store with two tenants, a 2,000-document mixed corpus, a Ray session."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from greenmark.corpus import book_paths
from greenmark.scanning import find_sources, scan_local
from greenmark.store import KeyStore
from greenmark.watermark import WatermarkSpec, default_tokenizer
from tests.scanning.corpus import green_documents, human_chunks

TENANTS = ("alpha", "beta")
HUMAN_DOCUMENTS = 1400
WATERMARKED_PER_KEY = 195
BAD_TEXTS = [None] * 5 + [""] * 5 + ["  \n\t "] * 5


@pytest.fixture(scope="session")
def store_home(tmp_path_factory):
    """A key store: tenant alpha has key news v1 (lefthash, gamma 0.25) and v2 (selfhash, gamma 0.5,
    so one tenant's keys need two detectors); tenant beta has key forum (lefthash)."""
    home = tmp_path_factory.mktemp("home")
    tokenizer = default_tokenizer()
    with KeyStore.open(home=home) as store:
        store.create_key("news", spec=WatermarkSpec.for_tokenizer(tokenizer), tenant="alpha")
        store.rotate("news", tenant="alpha", spec=WatermarkSpec.for_tokenizer(tokenizer, gamma=0.5, scheme="selfhash"))
        store.create_key("forum", spec=WatermarkSpec.for_tokenizer(tokenizer), tenant="beta")
    return home


@pytest.fixture(scope="session")
def tenant_keys(store_home) -> dict[str, list]:
    """Per tenant: its ``DetectionKey`` triples."""
    with KeyStore.open(home=store_home) as store:
        return {tenant: store.keys_for_detection(tenant) for tenant in TENANTS}


@pytest.fixture(scope="session")
def tenant_keyrings(store_home) -> dict:
    """Per tenant: the key store's keyring."""
    with KeyStore.open(home=store_home) as store:
        return {tenant: store.keyring(tenant) for tenant in TENANTS}


@pytest.fixture(autouse=True)
def greenmark_environment(monkeypatch, store_home):
    """Commands run in tests find the session's key store and nothing of the machine's settings."""
    for variable in ("GREENMARK_DB_URL", "GREENMARK_MASTER_KEY", "RAY_ADDRESS"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("GREENMARK_HOME", str(store_home))


@pytest.fixture(scope="session")
def mixed_corpus(tmp_path_factory, tenant_keys) -> pa.Table:
    """2,000 documents in a shuffled order: human text, text watermarked with each of the three keys, bad rows."""
    try:
        books = [path.read_text(encoding="utf-8") for path in book_paths("human-dev")]
    except FileNotFoundError:
        pytest.skip("corpus absent: set GREENMARK_CORPUS or place it at ../shared/corpus")
    texts = human_chunks(books, HUMAN_DOCUMENTS, characters=700)
    keys = [entry for tenant in TENANTS for entry in tenant_keys[tenant]]
    for seed, (key, spec, _) in enumerate(keys):
        texts += green_documents(key, spec, WATERMARKED_PER_KEY, words=60, seed=seed)
    texts += BAD_TEXTS
    order = np.random.default_rng(0).permutation(len(texts))
    return pa.table({"id": [f"doc-{i:04d}" for i in range(len(texts))], "text": [texts[i] for i in order]})


@pytest.fixture(scope="session")
def corpus_file(tmp_path_factory, mixed_corpus) -> str:
    """The mixed corpus as one Parquet file."""
    path = tmp_path_factory.mktemp("corpus") / "corpus.parquet"
    pq.write_table(mixed_corpus, path)
    return str(path)


@pytest.fixture(scope="session")
def local_results(tmp_path_factory, corpus_file, tenant_keyrings) -> dict[str, pa.Table]:
    """Per tenant: the local engine's output (two workers) on the mixed corpus."""
    folder = tmp_path_factory.mktemp("local")
    results = {}
    for tenant in TENANTS:
        output = folder / f"{tenant}.parquet"
        scan_local(find_sources([corpus_file]), tenant_keyrings[tenant], output, workers=2)
        results[tenant] = pq.read_table(output)
    return results


@pytest.fixture(scope="session")
def ray_session():
    """Ray on this machine with two CPUs, for the whole session; skips where Ray is not installed."""
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()
