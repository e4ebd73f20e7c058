"""The agreement forms as PDFs: pre-filled for a child or a recorded agreement, or blank."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from consent import text
from consent.models import Agreement, Kind
from lisa import policy
from lisa.pdf import render_pdf

TEMPLATE = "consent/pdf/agreement.html"
LARGE_PRINT_PT = 16
STANDARD_PT = 11


def family_paper(*, large: bool = False) -> dict:
    """What every paper handed to a family prints (templates/pdf/family.html): the council,
    the translation block, the other formats, and the size."""
    return {
        "translation_heading": text.TRANSLATION_HEADING,
        "translation_lines": text.TRANSLATION_LINES,
        "other_formats": text.OTHER_FORMATS,
        "council_name": settings.LISA_COUNCIL_NAME,
        "contact_phone": settings.LISA_CONTACT_PHONE,
        "contact_email": settings.LISA_CONTACT_EMAIL,
        "large": large,
    }


def form_context(
    kind: str,
    *,
    child=None,
    agreement: Agreement | None = None,
    professional=None,
    parent=None,
    large: bool = False,
    access=None,
) -> dict:
    """What the form prints: the handbook's text and whatever is already known."""
    kind = Kind(kind)
    context = {
        "kind": kind.value,
        "title": text.TITLES[kind],
        "intro": text.INTRO[kind],
        "statement": text.STATEMENT[kind],
        "signature_label": text.SIGNATURE[kind],
        "text_parental_responsibility": text.PARENTAL_RESPONSIBILITY,
        "text_copies": text.COPIES,
        **family_paper(large=large),
    }
    if agreement is not None:
        child = agreement.child
        professional = agreement.professional
        parent = agreement.parent
        context.update(
            decision=agreement.decision,
            signed_on=agreement.signed_on,
            copy_to_child=agreement.copy_to_child,
            copy_to_child_on=agreement.copy_to_child_on,
            copy_to_coordinator=agreement.copy_to_coordinator,
            copy_to_coordinator_on=agreement.copy_to_coordinator_on,
            agency_name=agreement.agency.name,
        )
    elif professional is not None and professional.agency_id:
        context["agency_name"] = professional.agency.name
    if child is not None:
        context["child_name"] = child.full_name
        context["lisa_ref"] = child.lisa_ref
    if professional is not None:
        context["professional_name"] = professional.get_full_name() or professional.username
    if kind == Kind.PARENT_CARER and parent is not None:
        context["given_by_name"] = parent.name
    if agreement is not None and access is not None and not access.see_agency(agreement.agency):
        # Recorded by a sensitive service this reader may not know of: neither named.
        context["agency_name"] = policy.WITHHELD_AGENCY
        context["professional_name"] = policy.WITHHELD_PRACTITIONER
    return context


def render_form(context: dict, request: HttpRequest | None = None) -> bytes:
    return render_pdf(TEMPLATE, context, request=request)


def filename(context: dict) -> str:
    stem = "parent-carer" if context["kind"] == Kind.PARENT_CARER else "young-person"
    ref = context.get("lisa_ref") or "blank"
    size = "-large-print" if context["large"] else ""
    return f"lisa-{stem}-agreement-{ref}{size}.pdf"
