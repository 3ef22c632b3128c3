"""schemathesis over the app's OpenAPI schema against the real server: no 5xx, every response matches the schema."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from greenmark.detector_api import ApiSettings, create_app

schemathesis = pytest.importorskip("schemathesis")

# The schema the server publishes at /openapi.json (built here so tests can be generated at collection).
schema = schemathesis.openapi.from_dict(create_app(ApiSettings()).openapi())


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, server, tenants):
    # Rules beyond JSON Schema (a text of only whitespace is 422, the server's size limits are 413)
    # refuse some schema-valid requests by design, so "positive data acceptance" is not checked;
    # every other check is: no 5xx, documented statuses, conforming bodies, schema-violating input refused.
    case.call_and_validate(
        base_url=server.url,
        headers={"Authorization": f"Bearer {tenants.fuzz_token}"},
        timeout=30,
        excluded_checks=[schemathesis.checks.positive_data_acceptance],
    )


def test_served_schema_is_the_apps(client):
    assert client.get("/openapi.json").json() == schema.raw_schema
