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


@pytest.mark.parametrize(
    "path",
    [
        "/static//etc/passwd",  # the static root joined with an absolute path is that path
        "/static/%2Fetc%2Fpasswd",
        "/static/govuk/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "/static/%5C..%5C..%5Cetc%5Cpasswd",
        "/static/govuk/%00.svg",
    ],
)
def test_the_fetcher_refuses_absolute_and_escaping_paths(path):
    with pytest.raises(FetchRefused):
        StaticOnlyURLFetcher().fetch("https://lisa.invalid" + path)


@pytest.fixture
def secret_outside(tmp_path):
    secret = tmp_path / "outside" / "secret.css"
    secret.parent.mkdir()
    secret.write_text("body { content: 'server secret' }")
    return secret


def test_a_symlink_in_a_static_folder_that_points_outside_is_refused(
    tmp_path, settings, secret_outside
):
    from django.contrib.staticfiles import finders

    static = tmp_path / "static"
    static.mkdir()
    (static / "own.css").write_text("p { color: black }")
    (static / "leak.css").symlink_to(secret_outside)
    settings.STATICFILES_DIRS = [("extra", static)]
    finders.get_finder.cache_clear()
    try:
        fetcher = StaticOnlyURLFetcher()
        assert b"color: black" in fetcher.fetch("https://lisa.invalid/static/extra/own.css").read()
        with pytest.raises(FetchRefused):
            fetcher.fetch("https://lisa.invalid/static/extra/leak.css")
    finally:
        finders.get_finder.cache_clear()


def test_a_symlink_in_the_collected_static_root_that_points_outside_is_refused(
    tmp_path, settings, secret_outside
):
    root = tmp_path / "collected"
    root.mkdir()
    (root / "kept.css").write_text("p { color: black }")
    (root / "leak.css").symlink_to(secret_outside)
    settings.STATIC_ROOT = root
    fetcher = StaticOnlyURLFetcher()
    assert b"color: black" in fetcher.fetch("https://lisa.invalid/static/kept.css").read()
    with pytest.raises(FetchRefused):
        fetcher.fetch("https://lisa.invalid/static/leak.css")
