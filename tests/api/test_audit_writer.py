"""The API's audit writer on a real SQLite store: group commit, background commits, and failure reaching the caller."""

import asyncio
import sqlite3

import pytest

from greenmark.detector_api.audit_log import AuditWriter
from greenmark.store import AuditEntry, KeyStore, StoreUnavailableError


def entry(number: int) -> AuditEntry:
    return AuditEntry("acme", f"{number:064x}", "not_watermarked", 0.5, request_id=f"r{number}")


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("GREENMARK_DB_TIMEOUT", "0.5")
    with KeyStore.open(home=tmp_path) as opened:
        yield opened


def test_concurrent_requests_share_transactions_and_keep_their_order(store, monkeypatch):
    transactions = []
    append = store.append_audit
    monkeypatch.setattr(store, "append_audit", lambda entries: transactions.append(len(entries)) or append(entries))

    async def requests():
        writer = AuditWriter(store, wait_for_commit=True)
        await asyncio.gather(*(writer.record([entry(n)]) for n in range(20)))

    asyncio.run(requests())
    assert sum(transactions) == 20 and len(transactions) < 20  # the first commits alone, the rest queue up
    assert [r.request_id for r in store.audit_records("acme")] == [f"r{n}" for n in range(20)]


def test_background_commits_do_not_wait_and_are_drained(store):
    async def requests():
        writer = AuditWriter(store)
        for n in range(5):
            await writer.record([entry(n)])
        written_before_drain = len(store.audit_records("acme"))
        await writer.drain()
        return written_before_drain

    assert asyncio.run(requests()) < 5
    assert [r.sequence for r in store.audit_records("acme")] == [1, 2, 3, 4, 5]


def test_background_records_gather_into_one_commit(store, monkeypatch):
    transactions = []
    append = store.append_audit
    monkeypatch.setattr(store, "append_audit", lambda entries: transactions.append(len(entries)) or append(entries))

    async def requests():
        writer = AuditWriter(store, flush_seconds=1.0)
        for n in range(10):  # one request at a time, each answered before the next arrives
            await writer.record([entry(n)])
            await asyncio.sleep(0.001)
        await writer.drain()

    asyncio.run(requests())
    assert transactions == [10]
    assert [r.request_id for r in store.audit_records("acme")] == [f"r{n}" for n in range(10)]


def lock(tmp_path) -> sqlite3.Connection:
    """Another writer holding the database's write lock (past the store's timeout) until it is closed."""
    blocker = sqlite3.connect(tmp_path / "greenmark.db", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    return blocker


def test_a_locked_database_fails_a_request_waiting_for_the_commit(store, tmp_path):
    blocker = lock(tmp_path)
    try:
        with pytest.raises(StoreUnavailableError):
            asyncio.run(AuditWriter(store, wait_for_commit=True).record([entry(0)]))
    finally:
        blocker.close()
    assert store.audit_records("acme") == []


def test_background_records_survive_a_locked_database_and_a_full_queue_makes_requests_wait(store, tmp_path):
    async def requests():
        writer = AuditWriter(store, max_queued=2, retry_seconds=0.1)
        blocker = lock(tmp_path)
        await writer.record([entry(0)])
        await writer.record([entry(1)])  # both queued, the first commit is failing
        await asyncio.sleep(0.7)
        with pytest.raises(StoreUnavailableError):
            await writer.record([entry(2)])  # the queue is full: this one waits, and fails with the store
        blocker.close()
        await writer.drain()

    asyncio.run(requests())
    assert [r.request_id for r in store.audit_records("acme")] == ["r0", "r1"]
