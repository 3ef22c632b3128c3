"""`greenmark keys import`: another engine's secret becomes a stored key; bad input is one line and exit 2."""

import json

import numpy as np
import pytest

from greenmark.watermark import ImportedKey, WatermarkSpec, default_tokenizer
from tests.cli.conftest import assert_one_line_error, load_key
from tests.cli.green_text import word_tokens


def test_import_stores_the_secret_with_the_engines_parameters(greenmark):
    result = greenmark(
        "keys", "import", "engine", "--json", "--scheme", "transformers-kgw", "--secret", "987654321",
        "--param", "gamma=0.5", "--param", "seeding_scheme=selfhash", "--param", "context_width=4",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    imported = json.loads(result.stdout)
    key, spec = load_key(imported["key_id"])
    assert isinstance(key, ImportedKey) and key.imported_secret == "987654321"
    assert spec == WatermarkSpec.for_tokenizer(
        default_tokenizer(), scheme="transformers-kgw", gamma=0.5, context_width=4,
        parameters={"seeding_scheme": "selfhash"},
    )  # fmt: skip
    assert "987654321" not in result.output


def test_import_reads_the_secret_from_standard_input(greenmark):
    result = greenmark(
        "keys", "import", "engine", "--json", "--scheme", "transformers-synthid", "--secret", "-",
        "--param", "depth=3", input="5, 6, 7\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert load_key(json.loads(result.stdout)["key_id"])[0].imported_secret == "5,6,7"


def test_import_help_says_where_each_engine_keeps_its_values(greenmark):
    help_text = " ".join(greenmark("keys", "import", "--help").stdout.split())
    assert "hashing_key" in help_text and "greenlist_ratio" in help_text and "seeding_scheme" in help_text
    assert "ngram_len" in help_text and "depth" in help_text and "15485863, which is public" in help_text


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        (["--scheme", "transformers-kgw", "--secret", "0x2a"], "decimal integer"),
        (["--scheme", "transformers-kgw", "--secret", "42", "--param", "gamma"], "NAME=VALUE"),
        (["--scheme", "transformers-kgw", "--secret", "42", "--param", "gamma=2"], "gamma"),
        (["--scheme", "transformers-kgw", "--secret", "42", "--param", "seeding_scheme=minhash"], "seeding_scheme"),
        (["--scheme", "transformers-kgw", "--secret", "42", "--param", "ngram_len=5"], "no parameters"),
        (["--scheme", "transformers-synthid", "--secret", "1,2,3"], "depth"),
        (["--scheme", "transformers-synthid", "--secret", "1,2,x", "--param", "depth=3"], "integer"),
        (["--scheme", "transformers-synthid", "--secret", "1,2", "--param", "depth=3"], "depth is 3"),
    ],
)
def test_bad_import_input_is_one_line_and_exit_2(greenmark, arguments, fragment):
    assert_one_line_error(greenmark("keys", "import", "engine", *arguments), fragment)
    assert json.loads(greenmark("keys", "list", "--json").stdout) == []


def test_a_native_scheme_cannot_be_imported_nor_a_foreign_one_created(greenmark):
    assert greenmark("keys", "import", "own", "--scheme", "lefthash", "--secret", "42").exit_code == 2
    assert greenmark("keys", "create", "engine", "--scheme", "transformers-kgw").exit_code == 2


def green_words_under(key, spec, length: int = 120) -> str:
    """Words each green under an imported KGW key after the word before it (whole-word tokens re-tokenise alike)."""
    scheme, words = spec.watermark_scheme, word_tokens()
    material = scheme.key_material(key)
    rng = np.random.default_rng(3)
    ids = [int(rng.choice(words))]
    for _ in range(length):
        green = scheme.score_pairs(material, np.full((len(words), 1), ids[-1]), words).statistic > 0
        ids.append(int(rng.choice(words[green])))
    return default_tokenizer().decode(ids).strip()


def test_detect_names_the_imported_key_and_scheme_and_warns_that_the_default_key_is_public(greenmark, create_key):
    create_key("own")
    imported = json.loads(
        greenmark("keys", "import", "hf", "--json", "--scheme", "transformers-kgw", "--secret", "15485863").stdout
    )
    text = green_words_under(*load_key(imported["key_id"]))
    table = greenmark("detect", "--text", text)
    assert table.exit_code == 1  # watermarked
    assert "transformers-kgw@tf1" in table.stdout and "hf v1" in table.stdout and "forge" in table.stdout
    (result,) = json.loads(greenmark("detect", "--json", "--text", text).stdout)["results"]
    assert (result["key_id"], result["key_name"], result["num_hypotheses"]) == (imported["key_id"], "hf", 2)
    assert "15485863" in result["key_warning"]
