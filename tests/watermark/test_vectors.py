"""Published test vectors of scheme gm1: changing any of them orphans every existing watermark."""

import pytest

from greenmark.watermark import WatermarkKey, WatermarkSpec

KEYS = {"zeros": "00" * 32, "ones": "ff" * 32, "counting": bytes(range(32)).hex()}

# key, scheme, context width, vocab size, context, token, PRF input, green (gamma = 0.25)
VECTORS = [
    ("zeros", "lefthash", 1, 8192, [17], 5, 3250519248, False),
    ("zeros", "lefthash", 1, 8192, [0], 0, 1776387692, False),
    ("zeros", "lefthash", 1, 8192, [8191], 8191, 3042207543, False),
    ("zeros", "lefthash", 2, 8192, [3, 4], 5, 3406863762, False),
    ("zeros", "lefthash", 4, 8192, [1, 2, 3, 4], 9, 1024893609, True),
    ("zeros", "selfhash", 4, 8192, [10, 20, 30], 40, 3051366292, False),
    ("zeros", "selfhash", 4, 8192, [7, 7, 7], 7, 1735938950, False),
    ("zeros", "selfhash", 2, 8192, [100], 200, 388581052, True),
    ("zeros", "lefthash", 1, 151936, [151935], 42, 832828564, True),
    ("ones", "lefthash", 1, 8192, [17], 5, 2383716604, False),
    ("ones", "lefthash", 1, 8192, [0], 0, 4239215070, True),
    ("ones", "lefthash", 1, 8192, [8191], 8191, 1218341078, False),
    ("ones", "lefthash", 2, 8192, [3, 4], 5, 774922140, False),
    ("ones", "lefthash", 4, 8192, [1, 2, 3, 4], 9, 600102903, False),
    ("ones", "selfhash", 4, 8192, [10, 20, 30], 40, 686117576, False),
    ("ones", "selfhash", 4, 8192, [7, 7, 7], 7, 311945802, False),
    ("ones", "selfhash", 2, 8192, [100], 200, 714202906, False),
    ("ones", "lefthash", 1, 151936, [151935], 42, 3936587981, False),
    ("counting", "lefthash", 1, 8192, [17], 5, 3659849957, False),
    ("counting", "lefthash", 1, 8192, [0], 0, 2675880108, True),
    ("counting", "lefthash", 1, 8192, [8191], 8191, 2543376145, True),
    ("counting", "lefthash", 2, 8192, [3, 4], 5, 2645127469, False),
    ("counting", "lefthash", 4, 8192, [1, 2, 3, 4], 9, 607971181, False),
    ("counting", "selfhash", 4, 8192, [10, 20, 30], 40, 3015607389, False),
    ("counting", "selfhash", 4, 8192, [7, 7, 7], 7, 3231347159, False),
    ("counting", "selfhash", 2, 8192, [100], 200, 3786007525, True),
    ("counting", "lefthash", 1, 151936, [151935], 42, 2625478540, True),
]


@pytest.mark.parametrize(("key", "scheme", "width", "vocab", "context", "token", "prf_input", "green"), VECTORS)
def test_published_vector(key, scheme, width, vocab, context, token, prf_input, green):
    spec = WatermarkSpec(vocab_size=vocab, scheme=scheme, context_width=width)
    watermark_key = WatermarkKey.from_hex(KEYS[key])
    assert int(spec.pair_inputs(watermark_key, [context], [token])[0]) == prf_input
    assert bool(spec.is_green(watermark_key, [context], [token])[0]) is green


@pytest.mark.parametrize(
    ("key", "key_id"),
    [("zeros", "gm1k_181c231ba1038132"), ("ones", "gm1k_ac76fb63095358a1"), ("counting", "gm1k_338688f31593a7ac")],
)
def test_published_key_ids(key, key_id):
    assert WatermarkKey.from_hex(KEYS[key]).key_id == key_id
