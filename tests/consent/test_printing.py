"""The printable forms: real PDFs with the child's name, the handbook's wording, every line of
the translation block in fonts that have its script, a large-print variant, and every print
audited."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from audit.models import Action, AuditEvent
from consent import text
from consent.models import Kind
from lisa.pdf import _static_file
from tests.consent.test_records import parent_agreement
from tests.helpers import font_sizes, pdf_text

# Shaping joins and reorders the letters of these scripts, so a PDF's text layer cannot give
# them back exactly; that they are printed is shown by the fonts instead (below).
SHAPED = {"bn", "ur", "pa", "gu", "hi"}
FONTS_TEMPLATE = Path(settings.BASE_DIR) / "templates" / "consent" / "pdf" / "_fonts.html"


def flat(value: str) -> str:
    return " ".join(value.split())


def embedded_fonts(content: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


@pytest.fixture
def printed(client_for, amara, child):
    response = client_for(amara).get(f"/consent/child/{child.pk}/print/parent-carer/")
    assert response.status_code == 200
    return response


class TestThePrintedForm:
    def test_a_pdf_attachment_never_cached(self, printed, child):
        assert printed["Content-Type"] == "application/pdf"
        assert printed["Content-Disposition"].startswith("attachment;")
        assert child.lisa_ref in printed["Content-Disposition"]
        assert "no-store" in printed["Cache-Control"]
        assert printed.content.startswith(b"%PDF")

    def test_prefilled_with_the_child_practitioner_and_agency(self, printed, amara, child):
        words = flat(pdf_text(printed.content))
        assert words.count("Ottoline Brackenbury") >= 2
        assert child.lisa_ref in words
        assert "Amara Okafor" in words and amara.agency.name in words

    @pytest.mark.parametrize("kind", [Kind.PARENT_CARER, Kind.YOUNG_PERSON])
    def test_the_handbook_wording(self, client_for, amara, child, kind):
        slug = "parent-carer" if kind == Kind.PARENT_CARER else "young-person"
        response = client_for(amara).get(f"/consent/child/{child.pk}/print/{slug}/")
        words = flat(pdf_text(response.content))
        for paragraph in [text.TITLES[kind], *text.INTRO[kind], text.STATEMENT[kind]]:
            assert flat(paragraph) in words
        for label in (
            text.SIGNATURE[kind],
            "Signature of professional/worker",
            "Agency",
            "Date signatures obtained",
            text.COPIES,
            "I agree",
            "I do not agree",
        ):
            assert label in words
        if kind == Kind.PARENT_CARER:
            assert text.PARENTAL_RESPONSIBILITY in words

    def test_the_translation_and_other_formats_blocks(self, printed):
        extracted = pdf_text(printed.content)
        assert text.TRANSLATION_HEADING in extracted
        for lang, _, line in text.TRANSLATION_LINES:
            if lang not in SHAPED:
                assert line in extracted, line
        words = flat(extracted)
        assert flat(text.OTHER_FORMATS) in words
        assert settings.LISA_CONTACT_PHONE in words and settings.LISA_CONTACT_EMAIL in words
        assert settings.LISA_COUNCIL_NAME in words

    def test_every_script_is_printed_in_its_own_font(self, printed):
        fonts = embedded_fonts(printed.content)
        for family in (
            "LISA-Latin",
            "LISA-Latin-Ext",
            "LISA-Vietnamese",
            "LISA-Cyrillic",
            "LISA-Tamil",
            "LISA-Bengali",
            "LISA-Arabic",
            "LISA-Devanagari",
        ):
            assert family in fonts, (family, fonts)
        assert any(name.startswith("LISA-Chinese") for name in fonts)
        assert not any("DejaVu" in name for name in fonts), fonts

    def test_each_shaped_line_keeps_most_of_its_letters(self, printed):
        extracted = pdf_text(printed.content)
        lines = extracted.splitlines()
        for lang, _, line in text.TRANSLATION_LINES:
            if lang in SHAPED:
                letters = [c for c in line if c.isalpha()]
                best = max(
                    sum(c in candidate for c in letters) / len(letters) for candidate in lines
                )
                assert best >= 0.6, (line, best)

    def test_the_print_is_audited(self, printed, amara, child):
        event = AuditEvent.objects.get(action=Action.PRINT)
        assert event.child_id == child.pk and event.user == amara
        # With why Amara could print it: she works with the child.
        assert event.detail == {"form": "parent_carer", "large_print": False, "basis": "involved"}

    def test_a_recorded_agreement_prints_with_its_ticks(self, client_for, amara, child, mother):
        agreement = parent_agreement(amara, child, mother, decision="do_not_agree")
        response = client_for(amara).get(
            f"/consent/child/{child.pk}/agreements/{agreement.pk}/print/"
        )
        words = flat(pdf_text(response.content))
        assert "Henrietta Brackenbury" in words and "3 May 2026" in words
        assert re.search(r"I agree X ?I do not agree", words), words
        assert AuditEvent.objects.get(action=Action.PRINT).object_id == str(agreement.pk)


class TestLargePrint:
    def test_body_text_is_at_least_16_point(self, client_for, amara, child):
        client = client_for(amara)
        large = client.get(f"/consent/child/{child.pk}/print/young-person/?size=large")
        standard = client.get(f"/consent/child/{child.pk}/print/young-person/")
        large_sizes, standard_sizes = font_sizes(large.content), font_sizes(standard.content)
        assert min(large_sizes) >= 16, large_sizes
        assert large_sizes.most_common(1)[0][0] == 16
        assert standard_sizes.most_common(1)[0][0] == 11
        assert "large-print" in large["Content-Disposition"]
        assert AuditEvent.objects.filter(action=Action.PRINT, detail__large_print=True).exists()


class TestBlankForm:
    def test_a_blank_form_for_a_child_not_on_lisa(self, client_for, daniel):
        response = client_for(daniel).get("/consent/blank/parent-carer/")
        assert response.status_code == 200
        words = flat(pdf_text(response.content))
        assert text.PARENTAL_RESPONSIBILITY in words and "Daniel Price" in words
        event = AuditEvent.objects.get(action=Action.PRINT)
        assert event.child_id is None and event.object_id == "parent_carer"

    @pytest.mark.parametrize("who", ["sam", "alex"])
    def test_not_for_those_without_child_work(self, client_for, personas, who):
        assert client_for(personas[who]).get("/consent/blank/parent-carer/").status_code == 403


class TestFonts:
    def _faces(self) -> list[str]:
        return re.findall(r"\{% static '([^']+)' %\}", FONTS_TEMPLATE.read_text())

    def test_every_font_is_a_project_static_file(self):
        faces = self._faces()
        assert len(faces) >= 10
        for relative in faces:
            assert _static_file(settings.STATIC_URL + relative) is not None, (
                f"{relative} is not a static file: STATICFILES_DIRS needs "
                '("fonts", BASE_DIR / "node_modules" / "@fontsource") and `npm ci` must have run'
            )

    def test_the_fonts_cover_every_character_of_the_translation_block(self):
        covered: set[int] = set()
        for relative in self._faces():
            font = TTFont(io.BytesIO(_static_file(settings.STATIC_URL + relative).read_bytes()))
            covered |= set(font.getBestCmap())
        for _, _, line in text.TRANSLATION_LINES:
            missing = [c for c in line if not c.isspace() and ord(c) not in covered]
            assert not missing, (line, missing)
