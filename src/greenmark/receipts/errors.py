"""The one error receipts raise: a receipt, a text or a public key that does not check out."""


class ReceiptError(ValueError):
    """Why a receipt failed to verify (or could not be read), in one line.

    >>> str(ReceiptError("the signature does not match"))
    'the signature does not match'
    """
