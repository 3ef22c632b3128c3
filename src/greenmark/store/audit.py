"""The audit log: one hash-chained record per detection, one chain per tenant, in the key store's database.

A record holds when, which tenant, API key and request, the SHA-256 of the canonical text,
the decision, p-value, matched key and receipt id; never the text or a secret. Its
``record_hash`` is the SHA-256 of the RFC 8785 canonical JSON of all its other fields,
``previous_hash`` (the record before it in the tenant's chain) included. Editing a record
breaks its own hash, deleting one breaks the sequence and the link of the next, and
``audit_chain_heads`` names each chain's newest record, so cutting records off the end shows too.

Appending locks the tenant's head row (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite write
transactions take the database's writer lock), so concurrent writers in any number of API
workers extend the chain one after another and it cannot fork; ``UNIQUE (tenant, sequence)``
backs that up. Pruning (the retention setting) removes a chain's oldest records and records
the last removed hash in the head, so what remains still verifies.

>>> entry = AuditEntry("acme", "a" * 64, "not_watermarked", 0.4, source="cli")
>>> record = chain([entry], previous_sequence=0, previous_hash=GENESIS_HASH, recorded_at=_EXAMPLE_TIME)[0]
>>> record.sequence, record.record_hash == record_hash(record.hashed_fields())
(1, True)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from greenmark.store.canonical_json import flat_canonical_json
from greenmark.store.models import AuditChainHead, AuditRecordRow, utc_now

GENESIS_HASH = "0" * 64
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_RECORDS = AuditRecordRow.__table__
_HEADS = AuditChainHead.__table__
_EXAMPLE_TIME = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class AuditEntry:
    """What a detection contributes to the log (the store adds sequence, time and hashes)."""

    tenant: str
    text_sha256: str
    decision: str
    p_value: float
    key_id: str | None = None
    receipt_id: str | None = None
    api_key_id: str | None = None
    request_id: str | None = None
    source: str = "api"

    @classmethod
    def of(cls, result, *, tenant: str, text_sha256: str, receipt_id: str | None = None, **caller) -> AuditEntry:
        """The entry of one detection ``result`` (a ``DetectionResult``); ``caller``: api_key_id, request_id, source.

        >>> from greenmark.watermark import Detector, WatermarkKey, WatermarkSpec
        >>> result = Detector(WatermarkSpec(vocab_size=50), [WatermarkKey.generate()]).detect_tokens([1, 2])
        >>> AuditEntry.of(result, tenant="acme", text_sha256="ab" * 32, source="cli").decision
        'insufficient_evidence'
        """
        return cls(
            tenant=tenant,
            text_sha256=text_sha256,
            decision=result.decision,
            p_value=result.p_value,
            key_id=result.key_id,
            receipt_id=receipt_id,
            **caller,
        )


@dataclass(frozen=True)
class AuditRecord:
    """One record of a tenant's chain, as stored."""

    tenant: str
    sequence: int
    recorded_at: datetime
    source: str
    api_key_id: str | None
    request_id: str | None
    text_sha256: str
    decision: str
    p_value: float
    key_id: str | None
    receipt_id: str | None
    previous_hash: str
    record_hash: str

    def hashed_fields(self) -> dict[str, Any]:
        """Every field but ``record_hash``, JSON-ready: what ``record_hash`` is computed over."""
        fields = self.to_dict()
        del fields["record_hash"]
        return fields

    def row(self) -> dict[str, Any]:
        """Every field as stored (a shallow copy: ``asdict`` deep-copies, too slow for every detection)."""
        return dict(vars(self))

    def to_dict(self) -> dict[str, Any]:
        """Every field, JSON-ready (the time in ISO 8601 UTC with microseconds)."""
        fields = self.row()
        fields["recorded_at"] = self.recorded_at.astimezone(UTC).isoformat(timespec="microseconds")
        return fields


_FIELDS = [field.name for field in fields(AuditRecord)]


@dataclass(frozen=True)
class ChainCheck:
    """The outcome of verifying one tenant's chain: ``problem`` is ``None`` when it is intact."""

    tenant: str
    records_checked: int
    head_sequence: int
    head_hash: str
    problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None


def record_hash(fields: dict[str, Any]) -> str:
    """Hex SHA-256 of the canonical JSON (RFC 8785) of a record's fields, domain-separated."""
    return hashlib.sha256(b"greenmark-audit-record/v1\0" + flat_canonical_json(fields)).hexdigest()


def chain(
    entries: Iterable[AuditEntry], *, previous_sequence: int, previous_hash: str, recorded_at: datetime
) -> list[AuditRecord]:
    """``entries`` of one tenant as the records that follow ``previous_sequence`` / ``previous_hash``."""
    records = []
    for entry in entries:
        unsealed = AuditRecord(
            **vars(entry),
            sequence=previous_sequence + 1,
            recorded_at=recorded_at,
            previous_hash=previous_hash,
            record_hash="",
        )
        record = replace(unsealed, record_hash=record_hash(unsealed.hashed_fields()))
        records.append(record)
        previous_sequence, previous_hash = record.sequence, record.record_hash
    return records


def append(connection: Connection, entries: list[AuditEntry]) -> list[AuditRecord]:
    """Append ``entries`` (any tenants) to their chains inside the caller's write transaction.

    SQLAlchemy Core, three statements per tenant (lock the head, insert the records, move the
    head): this runs for every detection the API answers.
    """
    appended = []
    for tenant, group in groupby(sorted(entries, key=lambda e: e.tenant), key=lambda e: e.tenant):
        head = _lock_head(connection, tenant)
        # a clock stepping back must not make a chain's times go backwards (pruning goes by time)
        recorded_at = max(utc_now(), head.last_recorded_at)
        records = chain(
            group, previous_sequence=head.last_sequence, previous_hash=head.last_hash, recorded_at=recorded_at
        )
        connection.execute(insert(_RECORDS), [record.row() for record in records])
        connection.execute(
            update(_HEADS)
            .where(_HEADS.c.tenant == tenant)
            .values(last_sequence=records[-1].sequence, last_hash=records[-1].record_hash, last_recorded_at=recorded_at)
        )
        appended += records
    return appended


def _lock_head(connection: Connection, tenant: str):
    """The tenant's chain head row, locked for this transaction; created (empty) on the tenant's first record."""
    statement = select(_HEADS).where(_HEADS.c.tenant == tenant).with_for_update()
    head = connection.execute(statement).one_or_none()
    if head is None:
        dialect_insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
        empty = {
            "tenant": tenant,
            "last_sequence": 0,
            "last_hash": GENESIS_HASH,
            "last_recorded_at": EPOCH,
            "pruned_through_sequence": 0,
            "pruned_through_hash": GENESIS_HASH,
        }
        # another writer may create it at the same moment: its row wins, then both lock it
        connection.execute(dialect_insert(_HEADS).values(**empty).on_conflict_do_nothing())
        head = connection.execute(statement).one()
    return head


def records(
    connection: Connection,
    *,
    tenant: str | None = None,
    since: datetime | None = None,
    after_sequence: int = 0,
    limit: int | None = None,
) -> Iterator[AuditRecord]:
    """Records by tenant and sequence, oldest first; streamed, so exports need not fit in memory."""
    statement = select(*(_RECORDS.c[name] for name in _FIELDS)).where(_RECORDS.c.sequence > after_sequence)
    if tenant is not None:
        statement = statement.where(_RECORDS.c.tenant == tenant)
    if since is not None:
        statement = statement.where(_RECORDS.c.recorded_at >= since)
    statement = statement.order_by(_RECORDS.c.tenant, _RECORDS.c.sequence).limit(limit)
    for row in connection.execution_options(yield_per=1000).execute(statement):
        yield AuditRecord(**row._mapping)


def verify(connection: Connection, tenant: str) -> ChainCheck:
    """Walk ``tenant``'s chain from where pruning left it to its head; name the first thing that does not fit."""
    head = connection.execute(select(_HEADS).where(_HEADS.c.tenant == tenant)).one_or_none()
    if head is None:
        return ChainCheck(tenant, 0, 0, GENESIS_HASH)
    expected_sequence, expected_previous = head.pruned_through_sequence + 1, head.pruned_through_hash
    checked = 0

    def broken(problem: str) -> ChainCheck:
        return ChainCheck(tenant, checked, head.last_sequence, head.last_hash, problem)

    for record in records(connection, tenant=tenant, after_sequence=head.pruned_through_sequence):
        if record.sequence != expected_sequence:
            return broken(f"records {expected_sequence}-{record.sequence - 1} are missing (deleted)")
        if record_hash(record.hashed_fields()) != record.record_hash:
            return broken(f"record {record.sequence} was edited: its hash does not match its fields")
        if record.previous_hash != expected_previous:
            return broken(
                f"record {record.sequence} does not follow record {record.sequence - 1}: the chain was altered"
            )
        checked += 1
        expected_sequence, expected_previous = record.sequence + 1, record.record_hash
    if expected_sequence - 1 != head.last_sequence or expected_previous != head.last_hash:
        return broken(f"the chain ends at record {expected_sequence - 1} but its head is record {head.last_sequence}")
    return ChainCheck(tenant, checked, head.last_sequence, head.last_hash)


def tenants(connection: Connection) -> list[str]:
    """Every tenant with an audit chain, sorted."""
    return list(connection.execute(select(_HEADS.c.tenant).order_by(_HEADS.c.tenant)).scalars())


def prune(connection: Connection, before: datetime) -> int:
    """Delete every chain's records older than ``before``; returns how many. Heads remember the cut."""
    removed = 0
    for tenant in tenants(connection):
        _lock_head(connection, tenant)
        in_tenant = _RECORDS.c.tenant == tenant
        cut = connection.execute(
            select(_RECORDS.c.sequence, _RECORDS.c.record_hash)
            .where(in_tenant, _RECORDS.c.recorded_at < before)
            .order_by(_RECORDS.c.sequence.desc())
            .limit(1)
        ).one_or_none()
        if cut is None:
            continue
        removed += connection.execute(delete(_RECORDS).where(in_tenant, _RECORDS.c.sequence <= cut.sequence)).rowcount
        connection.execute(
            update(_HEADS)
            .where(_HEADS.c.tenant == tenant)
            .values(pruned_through_sequence=cut.sequence, pruned_through_hash=cut.record_hash)
        )
    return removed
