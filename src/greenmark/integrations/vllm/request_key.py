"""Which greenmark key a vLLM request names: ``extra_args["greenmark"]``.

Two spellings, the same meaning:

- ``SamplingParams(extra_args={"greenmark": {"tenant": "acme", "key": "news"}})`` in Python;
- ``"vllm_xargs": {"greenmark": "acme/news"}`` over the OpenAI-compatible server, whose
  ``vllm_xargs`` holds only flat values (a tenant or key name never contains ``/``).

Only names travel in requests, never key material. A request without ``greenmark`` is not
watermarked.

>>> request_key({"greenmark": "acme/news"})
RequestKey(tenant='acme', name='news')
>>> request_key({"greenmark": {"tenant": "acme", "key": "news"}}) == request_key({"greenmark": "acme/news"})
True
>>> request_key(None) is None
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from greenmark.store import InvalidArgumentError
from greenmark.store.store import check_name
from greenmark.watermark.errors import WatermarkError

EXTRA_ARGS_FIELD = "greenmark"


class RequestKeyError(WatermarkError):
    """A request names its greenmark key wrongly, or a key that the key store does not have."""


@dataclass(frozen=True)
class RequestKey:
    """A tenant's key, by name: generation uses its active version."""

    tenant: str
    name: str


def request_key(extra_args: Mapping[str, Any] | None) -> RequestKey | None:
    """The key named by a request's ``extra_args``, ``None`` when it names none.

    Raises ``RequestKeyError`` (a ``ValueError``, which vLLM answers with HTTP 400) for a
    malformed value.

    >>> request_key({"greenmark": "acme"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    greenmark.integrations.vllm.request_key.RequestKeyError: extra_args["greenmark"] must be "TENANT/KEY" or ...
    """
    value = (extra_args or {}).get(EXTRA_ARGS_FIELD)
    if value is None:
        return None
    if isinstance(value, str) and value.count("/") == 1:
        tenant, name = value.split("/")
    elif isinstance(value, Mapping) and set(value) == {"tenant", "key"}:
        tenant, name = value["tenant"], value["key"]
    else:
        raise RequestKeyError(
            f'extra_args["{EXTRA_ARGS_FIELD}"] must be "TENANT/KEY" or {{"tenant": TENANT, "key": KEY}}, got {value!r}'
        )
    try:
        return RequestKey(check_name("tenant", tenant), check_name("key name", name))
    except InvalidArgumentError as error:
        raise RequestKeyError(f'extra_args["{EXTRA_ARGS_FIELD}"]: {error}') from error
