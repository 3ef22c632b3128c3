"""``AuditWriter``: appends each detection's audit records to the key store by group commit.

Requests hand their records to the writer; while one transaction is being written, the records
of every request that arrives meanwhile queue up and go into the next transaction together, so
one commit (one fsync on SQLite, one round trip and row lock on PostgreSQL) serves many requests.

By default requests do not wait for the commit (``wait_for_commit=False``): logging then adds
no latency, and the writer lets records gather for ``flush_seconds`` (0.2 s) before each commit.
A commit's fixed cost (three statements, ``BEGIN IMMEDIATE`` and the fsync of ``synchronous=FULL``)
is 1-3 ms of CPU here, about what the detection it logs costs; gathered, it is shared by every request of
those 0.2 s instead of being paid by nearly each one at moderate load (``benchmarks/api_load.py``
measures the throughput kept). A batch that fails to commit is retried, and the records stay
queued (at most ``max_queued``; beyond that requests wait for the commit, and fail with the
store's error while it is down). A clean shutdown commits what is queued; a worker killed
outright loses its records not yet committed, those of its last ``flush_seconds`` or so.
``GREENMARK_API_AUDIT_WAIT_FOR_COMMIT=true`` makes every request wait until its records are
committed (no response leaves unlogged; no gathering delay), at the throughput cost of one
commit wait per request (measured in the benchmark).

>>> import asyncio, tempfile
>>> from greenmark.store import AuditEntry, KeyStore
>>> store = KeyStore.open(home=tempfile.mkdtemp())
>>> entry = AuditEntry("acme", "ab" * 32, "not_watermarked", 0.5)
>>> async def log_twice():
...     writer = AuditWriter(store, wait_for_commit=True)
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

    def __init__(
        self,
        store: KeyStore,
        wait_for_commit: bool = False,
        max_queued: int = 10_000,
        retry_seconds: float = 1.0,
        flush_seconds: float = 0.2,
    ):
        self._store = store
        self._wait_for_commit = wait_for_commit
        self.max_queued, self.retry_seconds = max_queued, retry_seconds
        # requests waiting for their commit get it as soon as possible; background records gather first
        self.flush_seconds = 0.0 if wait_for_commit else flush_seconds
        self._pending: list[tuple[list[AuditEntry], asyncio.Future | None]] = []
        self._queued = 0  # records handed over and not yet committed
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
        """Queue ``entries``; when waiting for commits (or the queue is full), return once they are
        committed and raise the store's error if they could not be."""
        wait = self._wait_for_commit or self._queued >= self.max_queued
        future = asyncio.get_running_loop().create_future() if wait else None
        self._pending.append((entries, future))
        self._queued += len(entries)
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
                if self.flush_seconds:
                    await asyncio.sleep(self.flush_seconds)
                batch, self._pending = self._pending, []
                try:
                    await run_in_threadpool(self._store.append_audit, [e for entries, _ in batch for e in entries])
                except Exception as error:
                    # waiting requests fail (their detections are not released); queued records are retried
                    logger.error("audit records not written", extra={"records": sum(len(e) for e, _ in batch)})
                    self._answer(batch, error)
                    retry = [(entries, None) for entries, future in batch if future is None]
                    self._queued -= sum(len(entries) for entries, future in batch if future is not None)
                    self._pending[:0] = retry
                    if retry:
                        await asyncio.sleep(self.retry_seconds)
                else:
                    self._answer(batch, None)
                    self._queued -= sum(len(entries) for entries, _ in batch)
        finally:
            self._flusher = None

    @staticmethod
    def _answer(batch, error: Exception | None) -> None:
        """Answer the waiting requests of ``batch``: committed (``error`` None) or not."""
        for _, future in batch:
            if future is not None and not future.done():
                future.set_exception(error) if error else future.set_result(None)

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
