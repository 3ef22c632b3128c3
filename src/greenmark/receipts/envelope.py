"""The DSSE form of a receipt (the envelope in-toto attestations use) and its pre-authentication encoding.

A DSSE envelope signs ``PAE(payloadType, payload)`` rather than the payload itself, so a
signature cannot be replayed under another payload type. The payload is the receipt's
statement in RFC 8785 canonical JSON; ``payloadType`` is ``DSSE_PAYLOAD_TYPE``.

>>> pre_authentication_encoding("http://example.com/HelloWorld", b"hello world")
b'DSSEv1 29 http://example.com/HelloWorld 11 hello world'
"""

DSSE_PAYLOAD_TYPE = "application/vnd.greenmark.detection-receipt.v1+json"


def pre_authentication_encoding(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 PAE: ``"DSSEv1" SP len(type) SP type SP len(body) SP body`` (lengths in bytes, decimal)."""
    encoded_type = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(encoded_type), encoded_type, len(payload), payload)
