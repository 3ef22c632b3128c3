"""Every output option follows one rule (the named file is created, the directories above it never are), and
names that are not valid UTF-8 come out escaped, in a real process."""

from __future__ import annotations

import json
import os

from tests.greenmark_process import assert_one_line_error, run_greenmark

TEXT = "The harbour was quiet that morning and the boats rocked gently at their moorings. " * 3


def test_outputs_in_a_missing_directory_are_refused_before_any_work(create_key, tmp_path):
    create_key("news")
    (tmp_path / "in.txt").write_text(TEXT)
    missing = tmp_path / "missing"
    for arguments in (
        ["scan", tmp_path / "in.txt", "--out", missing / "out.jsonl"],
        ["highlight", tmp_path / "in.txt", "-o", missing / "page.html"],
        ["eval", "--out", missing / "deeper" / "results"],
    ):
        assert_one_line_error(run_greenmark(*arguments), f"directory {missing}", "does not exist")
    assert not missing.exists()


def test_a_file_name_that_is_not_utf8_is_escaped_in_json(create_key, tmp_path):
    create_key("news")
    path = tmp_path / os.fsdecode(b"caf\xe9.txt")
    path.write_text(TEXT)
    result = run_greenmark("detect", path, "--json")
    assert result.returncode == 0, result.stderr.decode()
    document = json.loads(result.stdout.decode("utf-8"))
    assert document["results"][0]["input"] == f"{tmp_path}/caf\\xe9.txt"
    assert b"\\udc" not in result.stdout
