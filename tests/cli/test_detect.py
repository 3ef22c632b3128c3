"""`greenmark detect`: verdicts, key ids, the family-wise correction over a tenant's keys, inputs, outputs."""

import json

from tests.cli.conftest import watermarked_text


def detect_json(greenmark, *args, input=None) -> tuple[int, dict]:
    result = greenmark("detect", "--json", *args, input=input)
    return result.exit_code, json.loads(result.stdout)


def test_watermarked_file_exits_1_with_the_key_id(greenmark, create_key, tmp_path):
    created = create_key("news")
    path = tmp_path / "generated.txt"
    path.write_text(watermarked_text(created["key_id"]))
    status, report = detect_json(greenmark, path)
    assert status == 1
    (result,) = report["results"]
    assert result["decision"] == "watermarked" and result["p_value"] < 1e-6
    assert (result["key_id"], result["key_name"], result["key_version"]) == (created["key_id"], "news", 1)


def test_human_text_exits_0(greenmark, create_key, human_text):
    create_key("news")
    status, report = detect_json(greenmark, "--text", human_text)
    assert status == 0
    assert report["results"][0]["decision"] == "not_watermarked"


def test_a_rotated_keys_old_text_is_still_detected(greenmark, create_key):
    old = create_key("news")
    text = watermarked_text(old["key_id"])
    new = json.loads(greenmark("keys", "rotate", "news", "--json").stdout)
    status, report = detect_json(greenmark, "--text", text)
    assert status == 1
    assert report["keys_tested"] == [old["key_id"], new["key_id"]]
    assert report["results"][0]["key_id"] == old["key_id"]
    assert report["results"][0]["num_hypotheses"] == 2


def test_a_retired_keys_text_is_not_tested(greenmark, create_key):
    retired = create_key("old")
    create_key("news")
    text = watermarked_text(retired["key_id"])
    greenmark("keys", "retire", retired["key_id"])
    status, report = detect_json(greenmark, "--text", text)
    assert status == 0
    assert retired["key_id"] not in report["keys_tested"]
    assert report["results"][0]["decision"] == "not_watermarked"


def test_keys_with_different_specs_are_tested_together_and_corrected_for(greenmark, create_key):
    create_key("narrow")
    wide = create_key("wide", "--gamma", "0.5", "--scheme", "selfhash")
    status, report = detect_json(greenmark, "--text", watermarked_text(wide["key_id"]))
    assert status == 1
    (result,) = report["results"]
    assert result["key_id"] == wide["key_id"] and result["num_hypotheses"] == 2
    assert result["p_value"] == min(1.0, 2 * result["raw_p_value"])


def test_only_the_tenants_keys_are_tested(greenmark, create_key):
    other = create_key("news", "--tenant", "other")
    create_key("news", "--tenant", "acme")
    status, report = detect_json(greenmark, "--tenant", "acme", "--text", watermarked_text(other["key_id"]))
    assert status == 0 and other["key_id"] not in report["keys_tested"]


def test_directories_are_searched_recursively_for_text_files(greenmark, create_key, tmp_path, human_text):
    created = create_key("news")
    (tmp_path / "docs" / "nested").mkdir(parents=True)
    (tmp_path / "docs" / "human.txt").write_text(human_text)
    (tmp_path / "docs" / "nested" / "generated.md").write_text(watermarked_text(created["key_id"]))
    (tmp_path / "docs" / ".hidden.txt").write_text("never read")
    (tmp_path / "docs" / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    result = greenmark("detect", "--jsonl", tmp_path / "docs")
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["input"].split("docs/")[1], r["decision"]) for r in records] == [
        ("human.txt", "not_watermarked"),
        ("nested/generated.md", "watermarked"),
    ]
    assert "skipped binary file" in result.stderr and "image.png" in result.stderr


def test_stdin_and_text_inputs(greenmark, create_key):
    created = create_key("news")
    text = watermarked_text(created["key_id"])
    status, report = detect_json(greenmark, "-", "--text", text, input=text)
    assert status == 1
    assert [r["input"] for r in report["results"]] == ["<stdin>", "--text #1"]
    assert greenmark("detect", "--json", input=text).exit_code == 1  # no PATH: stdin


def test_spans_locate_watermarked_text_pasted_into_human_text(greenmark, create_key, human_text):
    created = create_key("news")
    pasted = watermarked_text(created["key_id"], length=150)
    text = f"{human_text}\n\n{pasted}\n\n{human_text[:2000]}"
    status, report = detect_json(greenmark, "--spans", "--text", text)
    assert status == 1
    span = report["results"][0]["spans"][0]
    start = text.index(pasted)
    assert span["key_id"] == created["key_id"]
    assert start - 200 <= span["start_char"] and span["end_char"] <= start + len(pasted) + 200


def test_the_default_output_is_a_table(greenmark, create_key):
    created = create_key("news")
    result = greenmark("detect", "--text", watermarked_text(created["key_id"]))
    assert result.exit_code == 1
    assert "watermarked" in result.stdout and f"news v1 ({created['key_id']})" in result.stdout
    assert greenmark("detect", "--quiet", "--text", watermarked_text(created["key_id"])).stdout == ""


def test_exit_zero_keeps_the_verdict_but_exits_0(greenmark, create_key):
    created = create_key("news")
    status, report = detect_json(greenmark, "--exit-zero", "--text", watermarked_text(created["key_id"]))
    assert status == 0
    assert report["results"][0]["decision"] == "watermarked"


def test_json_names_the_scheme_of_the_matched_key_among_mixed_schemes(greenmark, create_key):
    create_key("news")
    essays = create_key("essays", "--scheme", "selfhash")
    status, report = detect_json(greenmark, "--text", watermarked_text(essays["key_id"]))
    (result,) = report["results"]
    assert (status, result["key_id"], result["scheme"]) == (1, essays["key_id"], "selfhash@gm1")
    assert result["num_hypotheses"] == 2
