"""The observers' and moderators' pages, served by the observer service from its own origin.

The pages are static files (``pages/templates/observe/``): HTML, one stylesheet, the scripts
and a service worker that caches the page shell so that a volunteer can reload the page with
no network and still see (and later send) the submissions kept on the phone. Every answer
carries a Content-Security-Policy that forbids every origin but the service's own and inline
scripts (no CDN, font or analytics can be added by accident, and an injected script cannot
run), and ``Referrer-Policy: no-referrer``. The token never reaches these routes: it travels
in the URL fragment (``/#t=TOKEN``), which browsers do not send.
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI, Path
from fastapi.responses import Response

from smartvote.observe.storage import NotFound

#: The one policy of every page: own origin only, no inline script, photos shown from blob: URLs.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
    "connect-src 'self'; manifest-src 'self'; worker-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}
TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript"}
#: The files a browser may ask for under /static/ (anything else is a 404).
STATIC = ("observe.css", "checks.js", "outbox.js", "observer.js", "moderate.js")


def _file(name: str) -> Response:
    folder = resources.files("smartvote.pages").joinpath("templates", "observe")
    data = folder.joinpath(name).read_bytes()
    kind = TYPES[name[name.rindex(".") :]]
    return Response(data, media_type=kind, headers=HEADERS)


def add_pages(app: FastAPI) -> None:
    """Routes ``/`` (observers), ``/moderate`` (moderators), ``/sw.js`` and ``/static/NAME``."""

    @app.get("/", include_in_schema=False)
    async def observer() -> Response:
        return _file("observer.html")

    @app.get("/moderate", include_in_schema=False)
    async def moderator() -> Response:
        return _file("moderate.html")

    @app.get("/sw.js", include_in_schema=False)
    async def service_worker() -> Response:
        # At the root so that its scope covers "/"; it caches the shell only, never /api/.
        return _file("sw.js")

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str = Path(max_length=40)) -> Response:
        if name not in STATIC:
            raise NotFound(f"no file {name}")
        return _file(name)
