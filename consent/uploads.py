"""Scans of signed forms: checked by their content, stored under a random name below MEDIA_ROOT.

The name a person gives a file says nothing about what it is, so it is ignored: a file is taken
only if its bytes are a PDF, a JPEG or a PNG, and images must open and verify with Pillow.
"""

from __future__ import annotations

import io
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

MAX_SCAN_BYTES = 10 * 1024 * 1024
SCAN_FOLDER = "consent-scans"

TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}
REFUSED = "The scan must be a PDF, JPEG or PNG file"


def sniff(head: bytes) -> str | None:
    """The extension for these first bytes, or None when they are not a PDF, JPEG or PNG."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    return None


def check_scan(upload) -> tuple[bytes, str]:
    """The bytes and extension of an uploaded scan, or a ValidationError saying what is wrong."""
    if upload is None:
        raise ValidationError({"scan": "Choose the scanned signed form"})
    if upload.size > MAX_SCAN_BYTES:
        raise ValidationError({"scan": "The scan must be smaller than 10 MB"})
    data = upload.read(MAX_SCAN_BYTES + 1)
    if len(data) > MAX_SCAN_BYTES:
        raise ValidationError({"scan": "The scan must be smaller than 10 MB"})
    if not data:
        raise ValidationError({"scan": "The chosen file is empty"})
    extension = sniff(data[:16])
    if extension is None:
        raise ValidationError({"scan": REFUSED})
    if extension == "pdf":
        _check_pdf(data)
    else:
        _check_image(data, extension)
    return data, extension


def _check_pdf(data: bytes) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if len(reader.pages) < 1:
            raise ValidationError({"scan": "The PDF has no pages"})
    except (PyPdfError, ValueError, KeyError, TypeError) as error:
        raise ValidationError({"scan": "The PDF could not be read"}) from error


def _check_image(data: bytes, extension: str) -> None:
    from PIL import Image, UnidentifiedImageError

    expected = {"jpg": "JPEG", "png": "PNG"}[extension]
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError({"scan": "The image could not be read"}) from error
    if image_format != expected:
        raise ValidationError({"scan": REFUSED})


def scan_root() -> Path:
    return Path(settings.MEDIA_ROOT) / SCAN_FOLDER


def store_scan(data: bytes, extension: str) -> str:
    """Write the bytes under a new random name and return that name."""
    folder = scan_root()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = f"{secrets.token_hex(16)}.{extension}"
    path = folder / name
    with open(path, "xb") as handle:
        handle.write(data)
    path.chmod(0o600)
    return name


def scan_path(name: str) -> Path:
    """The stored file for a name the database holds (always a random hex name)."""
    path = (scan_root() / name).resolve()
    if path.parent != scan_root().resolve():
        raise ValueError("bad scan name")
    return path
