"""The audit log on SQLite and PostgreSQL: chained per tenant, editing or deleting shows, pruning keeps it valid,
concurrent writers never fork a chain."""

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, text, update

from greenmark.store import AuditEntry, KeyStore
from greenmark.store.audit import record_hash
from greenmark.store.models import AuditRecordRow


def entry(tenant="acme", number=0) -> AuditEntry:
    return AuditEntry(tenant, f"{number:064x}", "not_watermarked", 0.25, api_key_id="gmak_x", request_id=f"r{number}")


def execute(database_url: str, statement: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def age(database_url: str, days: float, through_sequence: int) -> None:
    """Backdate the records up to ``through_sequence`` by ``days`` (as if written then; their hashes go stale)."""
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                update(AuditRecordRow)
                .where(AuditRecordRow.sequence <= through_sequence)
                .values(recorded_at=datetime.now(UTC) - timedelta(days=days))
            )
    finally:
        engine.dispose()


def problem(store: KeyStore, tenant: str = "acme") -> str | None:
    (check,) = store.verify_audit(tenant)
    return check.problem


def test_records_chain_per_tenant_and_verify(store):
    store.append_audit([entry("acme", 1), entry("globex", 2), entry("acme", 3)])
    store.append_audit([entry("acme", 4)])
    acme = store.audit_records("acme")
    assert [r.sequence for r in acme] == [1, 2, 3]
    assert [r.request_id for r in acme] == ["r1", "r3", "r4"]
    assert acme[1].previous_hash == acme[0].record_hash and acme[2].previous_hash == acme[1].record_hash
    assert [r.sequence for r in store.audit_records("globex")] == [1]
    assert [(c.tenant, c.intact, c.records_checked) for c in store.verify_audit()] == [
        ("acme", True, 3),
        ("globex", True, 1),
    ]


def test_editing_a_record_is_detected(store, database_url):
    store.append_audit([entry(number=n) for n in range(5)])
    execute(database_url, "UPDATE audit_records SET decision = 'watermarked' WHERE sequence = 3")
    assert problem(store) == "record 3 was edited: its hash does not match its fields"


def test_editing_a_record_and_its_hash_breaks_the_next_link(store, database_url):
    store.append_audit([entry(number=n) for n in range(5)])
    (third,) = [r for r in store.audit_records("acme") if r.sequence == 3]
    forged = {**third.hashed_fields(), "p_value": 1e-20}
    execute(
        database_url,
        f"UPDATE audit_records SET p_value = 1e-20, record_hash = '{record_hash(forged)}' WHERE sequence = 3",
    )
    assert problem(store) == "record 4 does not follow record 3: the chain was altered"


def test_deleting_a_record_is_detected(store, database_url):
    store.append_audit([entry(number=n) for n in range(5)])
    execute(database_url, "DELETE FROM audit_records WHERE sequence = 2")
    assert problem(store) == "records 2-2 are missing (deleted)"


def test_deleting_the_newest_records_is_detected(store, database_url):
    store.append_audit([entry(number=n) for n in range(5)])
    execute(database_url, "DELETE FROM audit_records WHERE sequence >= 4")
    assert problem(store) == "the chain ends at record 3 but its head is record 5"


def test_deleting_the_oldest_record_is_detected(store, database_url):
    store.append_audit([entry(number=n) for n in range(3)])
    execute(database_url, "DELETE FROM audit_records WHERE sequence = 1")
    assert problem(store) == "records 1-1 are missing (deleted)"


def test_pruning_removes_old_records_and_the_rest_still_verifies(store, database_url):
    store.append_audit([entry(number=n) for n in range(4)])
    age(database_url, days=40, through_sequence=2)
    assert store.prune_audit(datetime.now(UTC) - timedelta(days=30)) == 2
    assert [r.sequence for r in store.audit_records("acme")] == [3, 4]
    assert problem(store) is None
    store.append_audit([entry(number=9)])
    assert problem(store) is None
    execute(database_url, "DELETE FROM audit_records WHERE sequence = 3")  # the first record left after pruning
    assert problem(store) == "records 3-3 are missing (deleted)"


def test_the_retention_setting_prunes(database_url, home, monkeypatch):
    monkeypatch.setenv("GREENMARK_AUDIT_RETENTION_DAYS", "30")
    with KeyStore.open(url=database_url, home=home) as store:
        store.append_audit([entry(number=n) for n in range(3)])
        age(database_url, days=31, through_sequence=1)
        assert store.prune_audit() == 1
        assert [r.sequence for r in store.audit_records()] == [2, 3]


def test_no_retention_setting_keeps_everything(store):
    store.append_audit([entry()])
    assert store.prune_audit() == 0


def test_since_and_paging(store, database_url):
    store.append_audit([entry(number=n) for n in range(5)])
    age(database_url, days=2, through_sequence=2)
    since = datetime.now(UTC) - timedelta(days=1)
    assert [r.sequence for r in store.audit_records("acme", since=since)] == [3, 4, 5]
    assert [r.sequence for r in store.audit_records("acme", after_sequence=3, limit=1)] == [4]


def test_concurrent_writers_never_fork_a_chain(database_url, home):
    """Four stores (own engines and connections, like four API workers) append at once: one gapless chain."""
    with KeyStore.open(url=database_url, home=home):
        pass
    stores = [KeyStore.open(url=database_url, home=home) for _ in range(4)]
    barrier = threading.Barrier(len(stores))
    errors = []

    def write(store: KeyStore, worker: int) -> None:
        barrier.wait()
        try:
            for batch in range(10):
                store.append_audit([entry("acme", worker * 1000 + batch * 10 + n) for n in range(3)])
                store.append_audit([entry("globex", worker * 1000 + batch)])
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(store, worker)) for worker, store in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        records = stores[0].audit_records("acme")
        assert [r.sequence for r in records] == list(range(1, 4 * 10 * 3 + 1))
        assert len({r.text_sha256 for r in records}) == 120
        assert [(c.tenant, c.intact, c.records_checked) for c in stores[0].verify_audit()] == [
            ("acme", True, 120),
            ("globex", True, 40),
        ]
    finally:
        for store in stores:
            store.close()
