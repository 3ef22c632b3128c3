"""``flat_canonical_json`` writes byte for byte what the reference, ``rfc8785.dumps``, writes."""

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from greenmark.store.canonical_json import flat_canonical_json

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()  # control characters, quotes, backslashes, U+2028, astral planes
)


@settings(max_examples=2_000, derandomize=True)
@given(st.dictionaries(st.text(), scalars | st.lists(scalars, max_size=3), max_size=14))
def test_flat_records_match_the_reference(fields):
    assert flat_canonical_json(fields) == rfc8785.dumps(fields)


@pytest.mark.parametrize("number", [2**53, -(2**53), 10**30])
def test_integers_past_two_to_the_53_raise_as_the_reference_does(number):
    with pytest.raises(rfc8785.IntegerDomainError):
        flat_canonical_json({"sequence": number})


def test_a_lone_surrogate_raises_as_the_reference_does():
    with pytest.raises(rfc8785.CanonicalizationError):
        flat_canonical_json({"request_id": "\ud800"})
