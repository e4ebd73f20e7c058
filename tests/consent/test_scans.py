"""Scanned signed forms: PDF, JPEG or PNG by content, size capped, a random name outside the
static root, and downloaded only through an audited, access-checked attachment."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter

from audit.models import Action, AuditEvent
from consent import uploads
from consent.models import Agreement
from tests.consent.test_records import parent_agreement


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buffer, "JPEG")
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture
def agreement(amara, child, mother):
    return parent_agreement(amara, child, mother)


def upload(client, child, agreement, name, content, content_type="application/pdf"):
    return client.post(
        f"/consent/child/{child.pk}/agreements/{agreement.pk}/scan/",
        {"scan": SimpleUploadedFile(name, content, content_type=content_type)},
    )


class TestUpload:
    @pytest.mark.parametrize(
        ("maker", "name", "extension", "content_type"),
        [
            (pdf_bytes, "signed.pdf", "pdf", "application/pdf"),
            (jpeg_bytes, "signed.jpg", "jpg", "image/jpeg"),
            (png_bytes, "photo-of-form.jpeg", "png", "image/png"),
        ],
    )
    def test_accepted_by_content_and_stored_under_a_random_name(
        self, client_for, amara, child, agreement, maker, name, extension, content_type
    ):
        content = maker()
        response = upload(client_for(amara), child, agreement, name, content)
        assert response.status_code == 302, response.content.decode()[:2000]
        agreement.refresh_from_db()
        assert agreement.scan_name.endswith(f".{extension}")
        assert name.split(".")[0] not in agreement.scan_name
        assert agreement.scan_content_type == content_type
        stored = uploads.scan_path(agreement.scan_name)
        assert stored.read_bytes() == content
        assert Path(settings.MEDIA_ROOT) in stored.parents
        assert Path(settings.STATIC_ROOT) not in stored.parents
        event = AuditEvent.objects.filter(action=Action.UPDATE, child_id=child.pk).last()
        assert event.detail["scan"] == extension

    @pytest.mark.parametrize(
        ("name", "content"),
        [
            ("signed.pdf", b"\x7fELF\x02\x01\x01" + b"\0" * 200),
            ("signed.pdf", b"MZ\x90\x00" + b"\0" * 200),
            ("signed.png", b"<html><script>alert(1)</script></html>"),
            ("signed.jpg", b"\xff\xd8\xff\xe0 not really a jpeg"),
            ("signed.pdf", b"%PDF-1.7 truncated nonsense"),
        ],
    )
    def test_anything_else_is_refused_beside_the_field(
        self, client_for, amara, child, agreement, name, content
    ):
        response = upload(client_for(amara), child, agreement, name, content)
        assert response.status_code == 200
        page = response.content.decode()
        assert "There is a problem" in page
        assert "PDF, JPEG or PNG" in page or "could not be read" in page
        assert Agreement.objects.get(pk=agreement.pk).scan_name == ""
        assert not uploads.scan_root().exists() or not any(uploads.scan_root().iterdir())

    def test_too_big_is_refused(self, client_for, amara, child, agreement, monkeypatch):
        monkeypatch.setattr(uploads, "MAX_SCAN_BYTES", 1000)
        response = upload(
            client_for(amara), child, agreement, "big.pdf", pdf_bytes() + b"\0" * 2000
        )
        assert "smaller than 10 MB" in response.content.decode()
        assert Agreement.objects.get(pk=agreement.pk).scan_name == ""

    def test_only_those_with_a_relationship_may_attach(self, client_for, daniel, child, agreement):
        response = upload(client_for(daniel), child, agreement, "signed.pdf", pdf_bytes())
        assert response.status_code == 403
        assert Agreement.objects.get(pk=agreement.pk).scan_name == ""


class TestDownload:
    @pytest.fixture
    def scanned(self, client_for, amara, child, agreement):
        upload(client_for(amara), child, agreement, "signed.png", png_bytes())
        agreement.refresh_from_db()
        return agreement

    def test_an_audited_attachment_that_is_never_sniffed(self, client_for, amara, child, scanned):
        response = client_for(amara).get(
            f"/consent/child/{child.pk}/agreements/{scanned.pk}/scan/download/"
        )
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"] == "image/png"
        assert b"".join(response.streaming_content) == png_bytes()
        event = AuditEvent.objects.get(action=Action.DOWNLOAD)
        assert event.child_id == child.pk and event.user == amara

    def test_refused_to_the_wrong_person(self, client_for, daniel, child, scanned):
        response = client_for(daniel).get(
            f"/consent/child/{child.pk}/agreements/{scanned.pk}/scan/download/"
        )
        assert response.status_code == 403
        assert not AuditEvent.objects.filter(action=Action.DOWNLOAD).exists()

    def test_an_agreement_of_another_child_is_not_found(self, client_for, amara, child, scanned):
        from tests.children.conftest import involve, make_child

        other = make_child()
        involve(amara, other)
        response = client_for(amara).get(
            f"/consent/child/{other.pk}/agreements/{scanned.pk}/scan/download/"
        )
        assert response.status_code == 404


def test_sniffing_reads_bytes_not_names():
    assert uploads.sniff(b"%PDF-1.4") == "pdf"
    assert uploads.sniff(b"\x89PNG\r\n\x1a\n") == "png"
    assert uploads.sniff(b"\xff\xd8\xff\xe0") == "jpg"
    assert uploads.sniff(b"\x7fELF") is None
    assert uploads.sniff(b"MZ") is None
