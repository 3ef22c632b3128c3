"""`greenmark detect --audit` and `greenmark audit`: records without the text, JSONL export, chain verification."""

import json
import sqlite3

from tests.cli.conftest import watermarked_text


def test_detect_with_audit_appends_one_record_per_input(greenmark, create_key, human_text):
    created = create_key("news")
    text = watermarked_text(created["key_id"])
    assert greenmark("detect", "--text", text, "--text", human_text, "--audit", "--exit-zero").exit_code == 0
    assert greenmark("detect", "--text", human_text).exit_code == 0  # without --audit: not logged
    records = [json.loads(line) for line in greenmark("audit", "export").stdout.splitlines()]
    assert [(r["sequence"], r["decision"], r["source"]) for r in records] == [
        (1, "watermarked", "cli"),
        (2, "not_watermarked", "cli"),
    ]
    assert records[0]["key_id"] == created["key_id"] and records[1]["key_id"] is None
    assert records[0]["request_id"] == records[1]["request_id"]
    exported = json.dumps(records)
    assert text[:40] not in exported and human_text[:40] not in exported


def test_audit_records_carry_the_receipt_id(greenmark, create_key):
    created = create_key("news")
    result = greenmark("detect", "--text", watermarked_text(created["key_id"]), "--receipt", "--jsonl", "--audit")
    receipt = json.loads(result.stdout)["receipt"]
    (record,) = json.loads(greenmark("audit", "list", "--json").stdout)
    assert record["receipt_id"] == receipt["receipt_id"] and record["text_sha256"] == receipt["text_sha256"]


def test_since_and_tenant_filter(greenmark, create_key, human_text):
    create_key("news")
    create_key("mail", "--tenant", "globex")
    greenmark("detect", "--text", human_text, "--audit")
    greenmark("detect", "--text", human_text, "--audit", "--tenant", "globex")
    assert len(greenmark("audit", "export", "--tenant", "globex").stdout.splitlines()) == 1
    assert len(greenmark("audit", "export", "--since", "1h").stdout.splitlines()) == 2
    assert greenmark("audit", "export", "--since", "2999-01-01").stdout == ""
    result = greenmark("audit", "export", "--since", "yesterday")
    assert result.exit_code == 2 and "ISO 8601" in result.stderr


def test_verify_passes_then_reports_a_deleted_record(greenmark, create_key, human_text, home):
    create_key("news")
    for _ in range(3):
        greenmark("detect", "--text", human_text, "--audit")
    result = greenmark("audit", "verify")
    assert result.exit_code == 0 and "default: intact, 3 records checked" in result.stdout
    with sqlite3.connect(home / "greenmark.db") as connection:
        connection.execute("DELETE FROM audit_records WHERE sequence = 2")
    result = greenmark("audit", "verify")
    assert result.exit_code == 1
    assert result.stderr.strip() == "default: BROKEN: records 2-2 are missing (deleted)"


def test_prune_needs_a_retention(greenmark, create_key, human_text):
    create_key("news")
    greenmark("detect", "--text", human_text, "--audit")
    assert greenmark("audit", "prune").exit_code == 2
    result = greenmark("audit", "prune", "--older-than", "30")
    assert result.exit_code == 0 and "Removed 0 audit records" in result.stdout
