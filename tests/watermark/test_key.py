import pytest

from greenmark.watermark import InvalidKeyError, WatermarkKey


def test_generated_keys_are_distinct_and_32_bytes():
    first, second = WatermarkKey.generate(), WatermarkKey.generate()
    assert first != second
    assert len(first.secret_bytes()) == 32


def test_secret_never_appears_in_repr_or_str():
    key = WatermarkKey.generate()
    for shown in (repr(key), str(key), f"{key}"):
        assert key.to_hex() not in shown
        assert key.key_id in shown


def test_key_id_is_derived_not_the_secret():
    key = WatermarkKey.from_hex("ab" * 32)
    assert "ab" * 8 not in key.key_id
    assert key.key_id == WatermarkKey.from_hex("ab" * 32).key_id


def test_hex_round_trip():
    key = WatermarkKey.generate()
    assert WatermarkKey.from_hex(key.to_hex()) == key


@pytest.mark.parametrize("bad", ["", "zz" * 32, "00" * 31, "00" * 33, None, 5])
def test_malformed_hex_keys_are_rejected(bad):
    with pytest.raises(InvalidKeyError):
        WatermarkKey.from_hex(bad)


@pytest.mark.parametrize("bad", [b"\x00" * 16, "x" * 32, None])
def test_malformed_secret_is_rejected(bad):
    with pytest.raises(InvalidKeyError):
        WatermarkKey(bad)
