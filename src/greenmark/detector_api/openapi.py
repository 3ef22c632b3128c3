"""The published OpenAPI schema states this server's limits, so that schema-valid requests are accepted.

The request models hold what is true on every server; the limits that settings choose (inputs
per request, characters per text, prompt or chat message, ``max_new_tokens``) are written into the schema
``create_app`` publishes, as ``maxItems``, ``maxLength`` and ``maximum``. The routes enforce the
same settings (413 for sizes, 422 for ``max_new_tokens``).

>>> from greenmark.detector_api import ApiSettings, create_app
>>> schema = create_app(ApiSettings(max_inputs=16)).openapi()
>>> schema["components"]["schemas"]["DetectRequest"]["properties"]["inputs"]["maxItems"]
16
"""

from __future__ import annotations

from typing import Any

from greenmark.detector_api.config import ApiSettings


def state_limits(schema: dict[str, Any], settings: ApiSettings) -> dict[str, Any]:
    """Write the settings' limits into the request schemas of ``schema`` (in place, idempotent); returns it."""
    components = schema["components"]["schemas"]
    detect, detect_input = components["DetectRequest"]["properties"], components["DetectInput"]["properties"]
    detect["inputs"]["maxItems"] = settings.max_inputs
    detect_input["text"]["maxLength"] = settings.max_text_chars
    generate = components["GenerateRequest"]["properties"]
    (prompts, _none) = generate["prompts"]["anyOf"]
    prompts["maxItems"] = settings.generate_max_prompts
    prompts["items"]["maxLength"] = settings.generate_max_prompt_chars
    components["Message"]["properties"]["content"]["maxLength"] = settings.generate_max_prompt_chars
    (max_new_tokens, _none) = generate["max_new_tokens"]["anyOf"]
    max_new_tokens["maximum"] = settings.generate_max_new_tokens
    return schema
