"""PDF printing: real PDFs, and WeasyPrint may fetch only the project's static files."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from lisa.pdf import FetchRefused, StaticOnlyURLFetcher, render_pdf


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.org/logo.png",
        "https://lisa.invalid/etc/passwd",
        "https://lisa.invalid/static/../../etc/passwd",
        "data:text/plain,hello",
    ],
)
def test_the_fetcher_refuses_anything_but_static_files(url):
    with pytest.raises(FetchRefused):
        StaticOnlyURLFetcher().fetch(url)


def test_the_fetcher_serves_a_static_file():
    result = StaticOnlyURLFetcher().fetch(
        "https://lisa.invalid/static/govuk/assets/images/favicon.svg"
    )
    assert result.content_type == "image/svg+xml"
    assert b"<svg" in result.read()


def test_a_template_prints_to_a_real_pdf(tmp_path, settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}
    ]
    (tmp_path / "hello.html").write_text(
        '{% extends "pdf/base.html" %}{% block body %}<h1>Hello {{ name }}</h1>'
        '<img src="file:///etc/passwd"><img src="/static/govuk/assets/images/favicon.svg">'
        "{% endblock %}"
    )
    pdf = render_pdf("hello.html", {"name": "Kemi"})
    assert pdf.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Hello Kemi" in text


def test_a_refused_fetch_in_a_template_does_not_read_the_file(tmp_path, settings, caplog):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}
    ]
    (tmp_path / "leak.html").write_text(
        '{% extends "pdf/base.html" %}{% block head %}'
        '<link rel="stylesheet" href="file:///etc/passwd">{% endblock %}'
        "{% block body %}<p>x</p>{% endblock %}"
    )
    pdf = render_pdf("leak.html", {})
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "root:" not in text
    assert "PDF rendering may not fetch file URLs" in caplog.text
