"""``Scanner``, the batch entry point: tables and data frames in, detection columns out, bad rows reported."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from greenmark.scanning import RESULT_COLUMNS, ScanError, Scanner
from greenmark.watermark import WatermarkKey, WatermarkSpec, default_tokenizer
from greenmark.watermark.keyring import Keyring
from tests.scanning.corpus import green_documents

HUMAN = "It was a bright cold day in April, and the clocks were striking thirteen. Winston Smith hurried home. " * 3


@pytest.fixture(scope="module")
def key_and_spec():
    return WatermarkKey.generate(), WatermarkSpec.for_tokenizer(default_tokenizer())


@pytest.fixture(scope="module")
def scanner(key_and_spec):
    return Scanner(Keyring([key_and_spec], default_tokenizer()))


@pytest.fixture(scope="module")
def watermarked(key_and_spec) -> str:
    return green_documents(*key_and_spec, count=1, words=60, seed=1)[0]


def test_a_table_comes_back_with_the_detection_columns(scanner, watermarked, key_and_spec):
    table = pa.table({"id": [1, 2], "text": [watermarked, HUMAN], "source": ["x", "y"]})
    result = scanner(table)
    assert result.column_names == ["id", "text", "source", *RESULT_COLUMNS]
    rows = result.to_pylist()
    assert (rows[0]["decision"], rows[0]["key_id"], rows[0]["error"]) == ("watermarked", key_and_spec[0].key_id, None)
    assert rows[1]["decision"] == "not_watermarked" and rows[1]["key_id"] is None


def test_results_equal_the_keyring_detector(scanner, watermarked, key_and_spec):
    row = scanner(pa.table({"id": ["a"], "text": [watermarked]})).to_pylist()[0]
    single = Keyring([key_and_spec], default_tokenizer()).detect(watermarked)
    assert {name: row[name] for name in RESULT_COLUMNS if name != "error"} == {
        name: getattr(single, name) for name in RESULT_COLUMNS if name != "error"
    }


def test_bad_rows_get_an_error_and_the_rest_is_scanned(scanner, watermarked):
    texts = [None, b"", b"\xff\xfeabc", b"   ", watermarked.encode(), HUMAN.encode()]
    result = scanner(pa.table({"id": list("abcdef"), "text": pa.array(texts, pa.binary())})).to_pylist()
    assert [row["error"] for row in result] == [
        "text is missing",
        "text is empty",
        "text is not valid UTF-8 (byte 0)",
        "text is empty",
        None,
        None,
    ]
    assert [row["decision"] for row in result] == [None, None, None, None, "watermarked", "not_watermarked"]


def test_a_data_frame_comes_back_as_a_data_frame(key_and_spec, watermarked):
    body = [watermarked, None, float("nan"), "\ud800x", 7]
    frame = pd.DataFrame({"doc": list("abcde"), "body": body}, index=[10, 11, 12, 13, 14], dtype=object)
    result = Scanner(Keyring([key_and_spec], default_tokenizer()), id_column="doc", text_column="body")(frame)
    assert isinstance(result, pd.DataFrame)
    assert result["decision"].iloc[0] == "watermarked"
    assert result["num_scored_tokens"].dtype == pd.ArrowDtype(pa.int64()) and result["num_scored_tokens"].iloc[0] > 16
    assert result["error"].isna().tolist() == [True, False, False, False, False]
    assert result["error"].iloc[1:].tolist() == [
        "text is missing",
        "text is missing",
        "text is not valid UTF-8 (character 0)",
        "text is of type int, not a string",
    ]


def test_an_error_column_from_a_reader_is_kept_and_not_scanned(scanner, watermarked):
    table = pa.table({"id": ["a", "b"], "text": [watermarked, None], "error": [None, "line is not valid JSON"]})
    assert scanner(table).column("error").to_pylist() == [None, "line is not valid JSON"]


def test_a_data_frame_error_column_with_missing_values_means_no_error(scanner):
    frame = pd.DataFrame({"id": ["a", "b"], "text": [HUMAN, HUMAN], "error": [float("nan"), "unreadable"]})
    assert scanner(frame)["decision"].tolist() == ["not_watermarked", pd.NA]


def test_an_iterator_of_tables_is_scanned_lazily(scanner):
    batches = (pa.table({"id": [i], "text": [HUMAN]}) for i in range(3))
    assert [table.column("id")[0].as_py() for table in scanner.scan_many(batches)] == [0, 1, 2]


def test_a_missing_column_aborts_with_its_name(scanner):
    with pytest.raises(ScanError, match="no column 'text'"):
        scanner(pa.table({"id": [1], "body": ["x"]}))


def test_a_non_text_column_aborts(scanner):
    with pytest.raises(ScanError, match="holds int64"):
        scanner(pa.table({"id": [1], "text": [5]}))
