"""Printing to PDF with WeasyPrint, locked down.

Templates are rendered by Django and laid out by WeasyPrint. WeasyPrint may fetch nothing from
the network or the file system except the project's own static files: every URL goes through
:class:`StaticOnlyURLFetcher`, which serves ``/static/…`` paths from the static files finders
(or the collected static root) and refuses everything else — ``file://``, ``http(s)://`` to
anywhere, ``data:`` too — so a crafted value in a record cannot make a print read a server file
or call out. Every path is resolved, symbolic links followed, and must end inside one of the
static folders: an absolute path, a ``..`` or a link that points elsewhere is refused.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from weasyprint.urls import URLFetcher, URLFetcherResponse

# WeasyPrint resolves relative URLs against this; it is never contacted.
BASE_URL = "https://lisa.invalid/"


class FetchRefused(ValueError):
    """WeasyPrint asked for something outside the project's static files."""


def _allowed_roots() -> list[Path]:
    """The folders static files may come from: each finder's and the collected static root."""
    roots = [Path(settings.STATIC_ROOT)]
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            location = getattr(storage, "location", None)
            if location:
                roots.append(Path(location))
    return [root.resolve() for root in roots]


def _confined(candidate: str | Path, roots: list[Path]) -> Path | None:
    """``candidate`` with every link followed, if it is a file inside one of ``roots``."""
    resolved = Path(candidate).resolve()
    if not any(resolved.is_relative_to(root) for root in roots):
        return None
    return resolved if resolved.is_file() else None


def _static_file(path: str) -> Path | None:
    relative = path[len(settings.STATIC_URL) :]
    # A name inside the static files only: not absolute, no way up, nothing a file system or
    # the finders would read differently from how it looks.
    if (
        not relative
        or relative.startswith(("/", "\\"))
        or "\\" in relative
        or "\0" in relative
        or ".." in Path(relative).parts
    ):
        return None
    roots = _allowed_roots()
    try:
        found = finders.find(relative)
    except SuspiciousFileOperation:
        return None
    if found:
        # A symbolic link in a static folder that points elsewhere is refused, not followed.
        return _confined(found, roots)
    return _confined(Path(settings.STATIC_ROOT) / relative, roots)


def _fetch_static(url: str) -> tuple[bytes, str]:
    """The bytes and type of the static file ``url`` names; anything else is refused."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}/" != BASE_URL:
        raise FetchRefused(f"PDF rendering may not fetch {parts.scheme or 'this'} URLs: {url[:80]}")
    path = unquote(parts.path)
    if not path.startswith(settings.STATIC_URL):
        raise FetchRefused(f"PDF rendering may fetch only static files, not {path[:80]}")
    found = _static_file(path)
    if found is None:
        raise FetchRefused(f"No such static file: {path[:80]}")
    mime_type, _ = mimetypes.guess_type(found.name)
    return found.read_bytes(), mime_type or "application/octet-stream"


class StaticOnlyURLFetcher(URLFetcher):
    """WeasyPrint's fetcher, allowed to read the project's static files and nothing else."""

    def fetch(self, url, headers=None):
        body, mime_type = _fetch_static(url)
        return URLFetcherResponse(url, body, {"Content-Type": mime_type})


def render_pdf(template_name: str, context: dict, request: HttpRequest | None = None) -> bytes:
    """Render ``template_name`` with ``context`` to PDF bytes."""
    from weasyprint import HTML

    html = render_to_string(template_name, context, request=request)
    return HTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnlyURLFetcher()).write_pdf()


def pdf_response(pdf: bytes, filename: str, *, inline: bool = False) -> HttpResponse:
    """An HTTP response for a generated PDF, never cached by the browser or a proxy."""
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    return response
