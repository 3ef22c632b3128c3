"""The local and Ray engines agree with each other and with the single-text detector on a mixed corpus."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from greenmark.scanning import find_sources
from tests.scanning.conftest import BAD_TEXTS, TENANTS, WATERMARKED_PER_KEY


@pytest.mark.parametrize("tenant", TENANTS)
def test_every_decision_matches_the_single_text_detector(tenant, local_results, mixed_corpus, tenant_keyrings):
    keyring = tenant_keyrings[tenant]
    results = local_results[tenant].to_pylist()
    assert [row["id"] for row in results] == mixed_corpus.column("id").to_pylist()
    for row, text in zip(results, mixed_corpus.column("text").to_pylist(), strict=True):
        if text is None or not text.strip():
            assert row["decision"] is None and row["error"], row
            continue
        single = keyring.detect(text)
        assert (row["decision"], row["key_id"], row["p_value"]) == (single.decision, single.key_id, single.p_value)
        assert row["num_hypotheses"] == single.num_hypotheses == len(keyring.key_ids)


@pytest.mark.parametrize("tenant", TENANTS)
def test_each_tenant_finds_exactly_its_own_watermarks(tenant, local_results, tenant_keys):
    found = local_results[tenant].to_pandas().query("decision == 'watermarked'")["key_id"].value_counts().to_dict()
    assert found == {metadata.key_id: WATERMARKED_PER_KEY for _, _, metadata in tenant_keys[tenant]}


def test_bad_rows_are_reported_not_fatal(local_results):
    errors = local_results["alpha"].column("error").drop_null().to_pylist()
    assert sorted(errors) == sorted(["text is missing"] * 5 + ["text is empty"] * 10)
    assert len(errors) == len(BAD_TEXTS)


@pytest.mark.parametrize("tenant", TENANTS)
def test_ray_engine_gives_identical_results(tenant, ray_session, local_results, corpus_file, tenant_keyrings, tmp_path):
    from greenmark.scanning.ray_data import scan_with_ray

    output = tmp_path / "ray.parquet"
    summary = scan_with_ray(find_sources([corpus_file]), tenant_keyrings[tenant], output, workers=2)
    assert pq.read_table(output).equals(local_results[tenant])
    assert summary.documents == local_results[tenant].num_rows
