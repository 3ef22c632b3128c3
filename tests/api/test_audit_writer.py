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
        writer = AuditWriter(store)
        await asyncio.gather(*(writer.record([entry(n)]) for n in range(20)))

    asyncio.run(requests())
    assert sum(transactions) == 20 and len(transactions) < 20  # the first commits alone, the rest queue up
    assert [r.request_id for r in store.audit_records("acme")] == [f"r{n}" for n in range(20)]


def test_background_commits_do_not_wait_and_are_drained(store):
    async def requests():
        writer = AuditWriter(store, wait_for_commit=False)
        for n in range(5):
            await writer.record([entry(n)])
        written_before_drain = len(store.audit_records("acme"))
        await writer.drain()
        return written_before_drain

    assert asyncio.run(requests()) < 5
    assert [r.sequence for r in store.audit_records("acme")] == [1, 2, 3, 4, 5]


def test_a_locked_database_fails_the_waiting_request(store, tmp_path):
    blocker = sqlite3.connect(tmp_path / "greenmark.db", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock past the store's timeout
    try:
        with pytest.raises(StoreUnavailableError):
            asyncio.run(AuditWriter(store).record([entry(0)]))
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert store.audit_records("acme") == []
