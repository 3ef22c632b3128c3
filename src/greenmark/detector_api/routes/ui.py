"""The moderator page at ``/`` and ``/ui``: static files shipped in the package, under a strict CSP.

The page and its three assets are read from ``greenmark/detector_api/static`` once. Every
response carries a Content-Security-Policy that allows only this origin's own script, style,
icon and API calls (no inline code, no other host), demands Trusted Types (so ``innerHTML``
cannot be used at all) and forbids framing.

>>> "script-src 'self'" in CONTENT_SECURITY_POLICY and "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
True
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from fastapi import APIRouter, Response

from greenmark.detector_api.problems import ProblemError

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; require-trusted-types-for 'script'; "
    "trusted-types 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-cache",
}
ASSETS = {
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}

router = APIRouter(include_in_schema=False)


@cache
def _static(name: str) -> bytes:
    return resources.files("greenmark.detector_api").joinpath("static", name).read_bytes()


@router.get("/")
@router.get("/ui")
async def page() -> Response:
    """The moderator page."""
    return Response(_static("index.html"), media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)


@router.get("/ui/{name}")
async def asset(name: str) -> Response:
    """One of the page's own assets; anything else is a 404."""
    if name not in ASSETS:
        raise ProblemError(404, f"no asset {name!r}")
    return Response(_static(name), media_type=ASSETS[name], headers=SECURITY_HEADERS)
