"""Public views of stored watermark keys: metadata without the secret, and detection triples.

>>> from datetime import datetime, UTC
>>> from greenmark.watermark.spec import WatermarkSpec
>>> key = StoredKey("default", "news", 1, KeyStatus.ACTIVE, "gm1k_00", WatermarkSpec(vocab_size=100), datetime.now(UTC))
>>> key.to_dict()["status"], key.usable_for_detection
('active', True)
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from greenmark.store.models import KeyStatus
from greenmark.watermark.key import WatermarkKey
from greenmark.watermark.spec import WatermarkSpec


@dataclass(frozen=True)
class StoredKey:
    """One version of a named watermark key: everything public about it, never the secret.

    Load the secret itself with ``KeyStore.load_key(stored.key_id)``.
    """

    tenant: str
    name: str
    version: int
    status: KeyStatus
    key_id: str
    spec: WatermarkSpec
    created_at: datetime

    @property
    def usable_for_detection(self) -> bool:
        """Active and verify-only versions are tested by detection; retired ones are not."""
        return self.status is not KeyStatus.RETIRED

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready public metadata (the spec as a dict, the time in ISO 8601)."""
        return {
            "tenant": self.tenant,
            "name": self.name,
            "version": self.version,
            "status": self.status.value,
            "key_id": self.key_id,
            "spec": json.loads(self.spec.to_json()),
            "created_at": self.created_at.isoformat(),
        }


class DetectionKey(NamedTuple):
    """A key to test during detection: the secret, its spec, and its public metadata."""

    key: WatermarkKey
    spec: WatermarkSpec
    metadata: StoredKey
