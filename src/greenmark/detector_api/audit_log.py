"""``AuditWriter``: appends each detection's audit records before its response leaves, by group commit.

A request hands its records to the writer and waits until they are committed; while one
transaction is being written, the records of every request that arrives meanwhile queue up
and go into the next transaction together. Under load one commit (one fsync on SQLite, one
round trip and row lock on PostgreSQL) serves many requests, so logging costs little
throughput, and still no response is sent for a detection that was not logged.

With ``wait_for_commit=False`` (``GREENMARK_API_AUDIT_WAIT_FOR_COMMIT=false``) requests do not
wait: the same loop commits their records in the background, so logging adds no latency, at
the price that a worker killed mid-flight loses the records not yet committed (a clean
shutdown commits them first).

>>> import asyncio, tempfile
>>> from greenmark.store import AuditEntry, KeyStore
>>> store = KeyStore.open(home=tempfile.mkdtemp())
>>> entry = AuditEntry("acme", "ab" * 32, "not_watermarked", 0.5)
>>> async def log_twice():
...     writer = AuditWriter(store)
...     await asyncio.gather(writer.record([entry]), writer.record([entry]))
>>> asyncio.run(log_twice())
>>> [record.sequence for record in store.audit_records("acme")]
[1, 2]
>>> store.close()
"""

from __future__ import annotations

import asyncio
import logging

from starlette.concurrency import run_in_threadpool

from greenmark.store import ApiKeyInfo, AuditEntry, KeyStore
from greenmark.watermark import DetectionResult

logger = logging.getLogger("greenmark.detector_api.audit")


class AuditWriter:
    """Group-commits audit records to ``store``; one per worker process, used from its event loop."""

    def __init__(self, store: KeyStore, wait_for_commit: bool = True):
        self._store = store
        self._wait_for_commit = wait_for_commit
        self._pending: list[tuple[list[AuditEntry], asyncio.Future | None]] = []
        self._flusher: asyncio.Task | None = None

    async def record_detections(
        self,
        caller: ApiKeyInfo,
        request_id: str,
        results: list[DetectionResult],
        text_hashes: list[str],
        receipt_ids: list[str | None],
    ) -> None:
        """Log one record per result of ``caller``'s request ``request_id``; return once committed."""
        entries = [
            AuditEntry.of(
                result,
                tenant=caller.tenant,
                text_sha256=text_hash,
                receipt_id=receipt_id,
                api_key_id=caller.api_key_id,
                request_id=request_id,
                source="api",
            )
            for result, text_hash, receipt_id in zip(results, text_hashes, receipt_ids, strict=True)
        ]
        await self.record(entries)

    async def record(self, entries: list[AuditEntry]) -> None:
        """Return once ``entries`` are committed (raising the store's error if they could not be), or at
        once when not waiting for commits."""
        future = asyncio.get_running_loop().create_future() if self._wait_for_commit else None
        self._pending.append((entries, future))
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush())
        if future is not None:
            await future

    async def drain(self) -> None:
        """Wait until every record handed over so far is written (at shutdown)."""
        while self._flusher is not None:
            await asyncio.shield(self._flusher)

    async def _flush(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    await run_in_threadpool(self._store.append_audit, [e for entries, _ in batch for e in entries])
                except Exception as error:
                    logger.error("audit records not written", extra={"records": sum(len(e) for e, _ in batch)})
                    outcome = error
                else:
                    outcome = None
                for _, future in batch:
                    if future is not None and not future.done():
                        future.set_exception(outcome) if outcome else future.set_result(None)
        finally:
            self._flusher = None

    async def prune_periodically(self, interval_seconds: float) -> None:
        """Apply the store's retention setting now and every ``interval_seconds`` (run as a task)."""
        while True:
            try:
                removed = await run_in_threadpool(self._store.prune_audit)
                if removed:
                    logger.info("audit records pruned", extra={"records": removed})
            except Exception:
                logger.exception("audit pruning failed")
            await asyncio.sleep(interval_seconds)
