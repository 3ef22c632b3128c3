import pytest

from greenmark.watermark import WatermarkKey

pytest.importorskip("torch", reason="generation needs the [generate] extra")


@pytest.fixture(scope="module")
def key():
    return WatermarkKey(bytes(range(100, 132)))


@pytest.fixture(scope="module")
def generator(key):
    from greenmark.generator import WatermarkedGenerator

    return WatermarkedGenerator.from_default(key=key)
