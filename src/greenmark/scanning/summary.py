"""``ScanSummary``: what a scan found (documents, tokens, verdicts, watermarks per key) and how fast it ran.

Counts are accumulated from result tables as they stream past (``add``); the throughput covers
the documents scanned by this run only, so a resumed scan reports its own speed.

>>> import pyarrow as pa
>>> summary = ScanSummary()
>>> summary.add(pa.table({"decision": ["watermarked", None], "num_scored_tokens": [120, None],
...                       "key_id": ["gm1k_00", None], "error": [None, "text is empty"]}))
>>> summary.documents, summary.errors, summary.watermarked_per_key
(2, 1, {'gm1k_00': 1})
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

import pyarrow as pa


@dataclass
class ScanSummary:
    """Totals over a scan's output, plus this run's timing (set by the engine)."""

    documents: int = 0
    scored_tokens: int = 0
    errors: int = 0
    decisions: dict[str, int] = field(default_factory=dict)
    watermarked_per_key: dict[str, int] = field(default_factory=dict)
    documents_scanned: int = 0
    tokens_scanned: int = 0
    seconds: float = 0.0

    def add(self, table: pa.Table) -> None:
        """Count one result table's rows."""
        decisions = table.column("decision").to_pylist()
        key_ids = table.column("key_id").to_pylist()
        self.documents += len(table)
        self.scored_tokens += sum(n for n in table.column("num_scored_tokens").to_pylist() if n)
        self.errors += len(table) - table.column("error").null_count
        self.decisions = dict(Counter(self.decisions) + Counter(d for d in decisions if d))
        found = Counter(key for key, decision in zip(key_ids, decisions, strict=True) if decision == "watermarked")
        self.watermarked_per_key = dict(sorted((Counter(self.watermarked_per_key) + found).items()))

    @property
    def watermarked(self) -> int:
        return sum(self.watermarked_per_key.values())

    @property
    def documents_per_second(self) -> float:
        return self.documents_scanned / self.seconds if self.seconds else 0.0

    @property
    def tokens_per_second(self) -> float:
        return self.tokens_scanned / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict:
        """JSON-ready fields, the derived rates included."""
        return {
            **asdict(self),
            "watermarked": self.watermarked,
            "documents_per_second": self.documents_per_second,
            "tokens_per_second": self.tokens_per_second,
        }
