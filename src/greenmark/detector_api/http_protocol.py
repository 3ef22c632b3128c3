"""uvicorn's HTTP protocol, answering a request it cannot parse with problem+json instead of text/plain.

uvicorn answers malformed HTTP (a bad request line or header, a header section too large)
itself, before any ASGI app runs, with a fixed ``400`` text body. Its ``http`` setting takes a
protocol class; this one is uvicorn's own (httptools when installed, as uvicorn's "auto"
picks, else h11) with that answer replaced. Errors raised inside the app never come here.

>>> ProblemHttpProtocol.__mro__[1].__module__.startswith("uvicorn.protocols.http.")
True
"""

from __future__ import annotations

import json

from greenmark.detector_api.problems import PROBLEM_MEDIA_TYPE, problem_body

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as UvicornProtocol
except ImportError:  # httptools is optional: uvicorn then parses with h11
    from uvicorn.protocols.http.h11_impl import H11Protocol as UvicornProtocol


class ProblemHttpProtocol(UvicornProtocol):
    """uvicorn's protocol; its parse-error answer is an RFC 9457 problem, and the connection is closed."""

    def send_400_response(self, msg: str) -> None:
        body = json.dumps(problem_body(400, "the request is not valid HTTP/1.1")).encode()
        head = (
            "HTTP/1.1 400 Bad Request\r\n"
            f"content-type: {PROBLEM_MEDIA_TYPE}\r\n"
            f"content-length: {len(body)}\r\n"
            "connection: close\r\n\r\n"
        )
        self.transport.write(head.encode() + body)
        self.transport.close()
