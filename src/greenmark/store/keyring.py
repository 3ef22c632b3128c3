"""``TenantKeyring``: one tenant's keys, ready to detect with, plus the store's view of them.

``KeyStore.keyring(tenant)`` builds it: every non-retired version of every key of the tenant
(whatever its scheme), tested together with one family-wise correction (see
``greenmark.watermark.keyring.Keyring``). Keys whose spec needs a tokenizer not given are
left out and listed in ``skipped_keys``. It also holds the tenant's rule for which key a
page of token marks shows (``key_to_show``), so shells never pick keys themselves.

>>> import tempfile
>>> from greenmark.store import KeyStore
>>> from greenmark.watermark import WatermarkSpec, default_tokenizer
>>> with KeyStore.open(home=tempfile.mkdtemp()) as store:
...     created = store.create_key("news", spec=WatermarkSpec.for_tokenizer(default_tokenizer()))
...     keyring = store.keyring()
>>> keyring.key_ids == [created.key_id], keyring.key_to_show().key_id == created.key_id
(True, True)
"""

from __future__ import annotations

from collections.abc import Sequence

from greenmark.store.errors import UnknownKeyError
from greenmark.store.models import KeyStatus
from greenmark.store.stored_key import DetectionKey, StoredKey
from greenmark.watermark.detector import MIN_SCORED_TOKENS, DetectionResult
from greenmark.watermark.keyring import Keyring


class TenantKeyring(Keyring):
    """A ``Keyring`` over a tenant's ``DetectionKey`` triples, with their public metadata.

    Args:
        tenant: whose keys these are.
        detection_keys: the tenant's non-retired key versions (``KeyStore.keys_for_detection``).
        tokenizers: the tokenizers available for detection (any form ``TextTokenizer.wrap`` takes).
    """

    def __init__(
        self,
        tenant: str,
        detection_keys: Sequence[DetectionKey],
        tokenizers,
        *,
        min_scored_tokens: int = MIN_SCORED_TOKENS,
    ):
        super().__init__(
            [(k.key, k.spec) for k in detection_keys],
            tokenizers,
            min_scored_tokens=min_scored_tokens,
            skip_unmatched=True,
        )
        self.tenant = tenant
        self.stored: dict[str, StoredKey] = {k.metadata.key_id: k.metadata for k in detection_keys}

    @property
    def skipped_keys(self) -> list[StoredKey]:
        """The tenant's keys left out of detection: made for a tokenizer not given."""
        return [self.stored[key_id] for key_id in self.skipped]

    def label(self, key_id: str) -> str:
        """How shells name a key: ``name vN (key_id)``."""
        stored = self.stored[key_id]
        return f"{stored.name} v{stored.version} ({stored.key_id})"

    def key_to_show(self, result: DetectionResult | None = None, key_id: str | None = None) -> StoredKey:
        """The key whose marks to show: ``key_id`` when given, else the key ``result`` matched, else the
        newest active key (the newest tested one when none is active).

        Raises ``UnknownKeyError`` when ``key_id`` is not a tested key of the tenant, or the tenant has none.
        """
        if key_id is not None:
            if key_id not in self.key_ids:
                raise UnknownKeyError(f"tenant {self.tenant!r} has no non-retired key {key_id!r} to test")
            return self.stored[key_id]
        if result is not None and result.key_id is not None:
            return self.stored[result.key_id]
        tested = [self.stored[key_id] for key_id in self.key_ids]
        if not tested:
            raise UnknownKeyError(f"tenant {self.tenant!r} has no key to test")
        active = [stored for stored in tested if stored.status is KeyStatus.ACTIVE]
        return max(active or tested, key=lambda stored: stored.created_at)
