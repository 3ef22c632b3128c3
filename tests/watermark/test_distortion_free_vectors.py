"""Published test vectors of the gm1 distortion-free schemes: changing any of them orphans every watermark.

Each row: key, context width h, vocabulary size, context, token, the Gumbel uniform's 24-bit code
(r = code / 2**24) and the tournament's 30 g-bits (bit l = layer l) under that key.
"""

import numpy as np
import pytest

from greenmark.watermark import WatermarkKey, WatermarkSpec

KEYS = {"zeros": "00" * 32, "ones": "ff" * 32, "counting": bytes(range(32)).hex()}

VECTORS = [
    ("zeros", 4, 8192, [1, 2, 3, 4], 5, 4616032, 0x2D1F3F20),
    ("zeros", 4, 8192, [0, 0, 0, 0], 0, 16690411, 0x269EE66C),
    ("zeros", 4, 8192, [8191, 8191, 8191, 8191], 8191, 13624456, 0x1A9680E6),
    ("zeros", 1, 8192, [17], 5, 8843745, 0x226E62C3),
    ("zeros", 2, 49152, [3, 4], 49151, 13919614, 0x0A3F9BF6),
    ("zeros", 4, 49152, [100, 200, 300, 400], 500, 14526960, 0x3FBB76FF),
    ("zeros", 4, 151936, [151935, 0, 151935, 0], 42, 8856846, 0x0DC8DBFD),
    ("zeros", 8, 151936, [1, 2, 3, 4, 5, 6, 7, 8], 151935, 9400406, 0x0F67E699),
    ("ones", 4, 8192, [1, 2, 3, 4], 5, 11130681, 0x0E7DB392),
    ("ones", 4, 8192, [0, 0, 0, 0], 0, 15165602, 0x26EDB848),
    ("ones", 4, 8192, [8191, 8191, 8191, 8191], 8191, 489500, 0x3535432D),
    ("ones", 1, 8192, [17], 5, 4311779, 0x3A10A77A),
    ("ones", 2, 49152, [3, 4], 49151, 4044789, 0x2151FB3C),
    ("ones", 4, 49152, [100, 200, 300, 400], 500, 15521202, 0x33896FAA),
    ("ones", 4, 151936, [151935, 0, 151935, 0], 42, 9817723, 0x3BD8F6E2),
    ("ones", 8, 151936, [1, 2, 3, 4, 5, 6, 7, 8], 151935, 15668948, 0x30BB4F4E),
    ("counting", 4, 8192, [1, 2, 3, 4], 5, 15090266, 0x1C916966),
    ("counting", 4, 8192, [0, 0, 0, 0], 0, 10605407, 0x284EAFAA),
    ("counting", 4, 8192, [8191, 8191, 8191, 8191], 8191, 11706634, 0x328B6401),
    ("counting", 1, 8192, [17], 5, 2257695, 0x293E8420),
    ("counting", 2, 49152, [3, 4], 49151, 10538745, 0x080DC479),
    ("counting", 4, 49152, [100, 200, 300, 400], 500, 9400304, 0x377EDC32),
    ("counting", 4, 151936, [151935, 0, 151935, 0], 42, 566363, 0x0400C039),
    ("counting", 8, 151936, [1, 2, 3, 4, 5, 6, 7, 8], 151935, 14285400, 0x1E968EC7),
]
ROWS = ("key", "width", "vocab", "context", "token", "uniform_code", "g_bits")


@pytest.mark.parametrize(ROWS, VECTORS)
def test_published_gumbel_uniform(key, width, vocab, context, token, uniform_code, g_bits):
    scheme = WatermarkSpec(vocab_size=vocab, scheme="gumbel", context_width=width).watermark_scheme
    material = scheme.key_material(WatermarkKey.from_hex(KEYS[key]))
    uniform = scheme.uniforms(material, np.array([context]), np.array([token]))[0]
    assert uniform == uniform_code * 2.0**-24
    statistic = scheme.score_pairs(material, np.array([context]), np.array([token])).statistic[0]
    assert statistic == -np.log1p(-uniform_code * 2.0**-24)


@pytest.mark.parametrize(ROWS, VECTORS)
def test_published_tournament_g_bits(key, width, vocab, context, token, uniform_code, g_bits):
    scheme = WatermarkSpec(vocab_size=vocab, scheme="tournament", context_width=width).watermark_scheme
    material = scheme.key_material(WatermarkKey.from_hex(KEYS[key]))
    bits = scheme.g_bits(material, np.array([context]), np.array([token]))[0]
    assert bits.tolist() == [(g_bits >> layer) & 1 for layer in range(30)]
    ones = scheme.score_pairs(material, np.array([context]), np.array([token])).statistic[0]
    assert ones == bin(g_bits).count("1")
