"""``AuditWriter``: appends each detection's audit records before its response leaves, by group commit.

A request hands its records to the writer and waits until they are committed; while one
transaction is being written, the records of every request that arrives meanwhile queue up
and go into the next transaction together. Under load one commit (one fsync on SQLite, one
round trip and row lock on PostgreSQL) serves many requests, so logging costs little
throughput, and still no response is sent for a detection that was not logged.

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

from greenmark.store import AuditEntry, KeyStore

logger = logging.getLogger("greenmark.detector_api.audit")


class AuditWriter:
    """Group-commits audit records to ``store``; one per worker process, used from its event loop."""

    def __init__(self, store: KeyStore):
        self._store = store
        self._pending: list[tuple[list[AuditEntry], asyncio.Future]] = []
        self._flusher: asyncio.Task | None = None

    async def record(self, entries: list[AuditEntry]) -> None:
        """Return once ``entries`` are committed; raise the store's error if they could not be."""
        future = asyncio.get_running_loop().create_future()
        self._pending.append((entries, future))
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush())
        await future

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
                    if not future.done():
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
