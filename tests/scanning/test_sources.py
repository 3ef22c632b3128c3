"""Reading scan inputs: text-file trees, JSONL, Parquet files and directories, globs; bad rows become errors."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from greenmark.scanning import ScanError, count_rows, find_sources, read_batches


def rows(*inputs: str, **options) -> list[dict]:
    return [row for table in read_batches(find_sources(inputs), **options) for row in table.to_pylist()]


def test_a_directory_of_text_files_gives_one_row_per_file_named_by_relative_path(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("first")
    (tmp_path / "sub" / "b.md").write_bytes(b"\xff\xfe not UTF-8")
    (tmp_path / ".hidden").write_text("skipped")
    assert rows(str(tmp_path)) == [
        {"id": "a.txt", "text": b"first", "error": None},
        {"id": "sub/b.md", "text": b"\xff\xfe not UTF-8", "error": None},
    ]


def test_jsonl_rows_keep_their_ids_and_bad_lines_become_errors(tmp_path):
    path = tmp_path / "docs.jsonl"
    lines = [b'{"id": 1, "text": "one"}', b"", b'{"text": "no id"}', b"not json", b'{"id": "x", "text": 5}']
    path.write_bytes(b"\n".join([*lines, b'{"id": "y", "text": "\xff"}', b""]))
    assert rows(str(path)) == [
        {"id": "1", "text": b"one", "error": None},
        {"id": f"{path}:3", "text": b"no id", "error": None},
        {"id": f"{path}:4", "text": None, "error": "line is not valid JSON"},
        {"id": "x", "text": None, "error": "text is a JSON int, not a string"},
        {"id": "y", "text": b"\xff", "error": None},
    ]
    assert count_rows(find_sources([str(path)])) == 5


def test_parquet_directories_and_custom_columns(tmp_path):
    folder = tmp_path / "dataset"
    folder.mkdir()
    for part in range(2):
        pq.write_table(pa.table({"doc": [part * 10, part * 10 + 1], "body": ["x", "y"]}), folder / f"{part}.parquet")
    found = rows(str(folder), id_column="doc", text_column="body", batch_rows=3)
    assert [row["id"] for row in found] == ["0", "1", "10", "11"]
    assert [len(table) for table in read_batches(find_sources([str(folder)]), "doc", "body", batch_rows=3)] == [3, 1]


def test_globs_expand_in_order(tmp_path):
    for name in ("b.txt", "a.txt", "c.log"):
        (tmp_path / name).write_text(name)
    assert [row["id"] for row in rows(str(tmp_path / "*.txt"))] == [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]


def test_a_parquet_file_without_the_column_is_refused(tmp_path):
    pq.write_table(pa.table({"id": [1], "body": ["x"]}), tmp_path / "x.parquet")
    with pytest.raises(ScanError, match="no column 'text'"):
        rows(str(tmp_path / "x.parquet"))


@pytest.mark.parametrize("given", ["missing.jsonl", "*.nothing"])
def test_inputs_that_name_nothing_are_refused(tmp_path, given):
    with pytest.raises(ScanError):
        find_sources([str(tmp_path / given)])
