"""The record of decisions once a meeting is held: sending it, reading each version sent (and
who has opened it), correcting it, the family copy and the invitation letter.

Each view opens its meeting through meetings/access.py (the one access policy, for each child
discussed) and renders what the reader may see through meetings/record.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from audit.models import Action
from consent.printing import family_paper
from lisa.access import deny, role_required
from lisa.forms import ReasonForm, submit
from lisa.pdf import pdf_response, render_pdf
from meetings import actions
from meetings.access import audit_each, meeting_for_user
from meetings.forms import CopyGivenForm, SendRecordForm
from meetings.models import InviteeKind, Meeting, RecordOfDecisions
from meetings.record import RECORD, for_reader, snapshot
from meetings.views import CHILD_ROLES, _changing, _form_page, venue_for


def live_record(meeting: Meeting) -> dict:
    """The record as it stands (not yet sent), as this reader may see it."""
    return for_reader(snapshot(meeting, venue=venue_for(meeting, meeting.children_list)), meeting)


@role_required(*CHILD_ROLES)
def send_record(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair, the lead professional and the central team: send the record of decisions to
    every practitioner invited and the LISA co-ordinator."""
    meeting = _changing(request, pk)
    form = SendRecordForm(request.POST or None, initial={"version": meeting.version})
    saved = submit(
        request,
        form,
        lambda data: actions.send_record(
            request=request,
            by=request.user,
            meeting=meeting,
            version=data["version"],
            venue=venue_for(meeting, meeting.children_list),
        ),
        done=lambda sent: (
            f"The record of decisions (version {sent.version}) has been sent to "
            f"{sent.recipients.count()} people."
        ),
        to=reverse("meetings:detail", args=[meeting.pk]),
    )
    if saved:
        return saved
    recipients = [
        meeting.access.author(user, user.agency) for user in actions.record_recipients(meeting)
    ]
    return _form_page(
        request,
        "meetings/send_record.html",
        meeting,
        form,
        "send the record of decisions",
        title="Send the record of decisions",
        recipients=recipients,
        record=live_record(meeting),
    )


def _sent(request: HttpRequest, pk: int) -> RecordOfDecisions:
    sent = RecordOfDecisions.objects.select_related("sent_by__agency").filter(pk=pk).first()
    if sent is None:
        deny(request, "no such record of decisions", not_found=True, object_type=RECORD)
    sent.meeting = meeting_for_user(request, sent.meeting_id, audit=False)
    return sent


@role_required(*CHILD_ROLES)
def sent_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Those who may see the meeting: one version of the record of decisions as it was sent.
    Opening it is audited under each child, and that is how the chair sees who has read it."""
    sent = _sent(request, pk)
    meeting = sent.meeting
    audit_each(request, Action.VIEW, sent, meeting.children_list, version=sent.version)
    later = meeting.records.filter(version__gt=sent.version).order_by("-version").first()
    return render(
        request,
        "meetings/sent_record.html",
        {
            "sent": sent,
            "meeting": meeting,
            "child": meeting.children_list[0],
            "record": for_reader(sent.content, meeting),
            "sent_by": meeting.access.author(sent.sent_by, sent.sent_by.agency),
            "later": later,
        },
    )


@role_required(*CHILD_ROLES)
def sent_record_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Those who may see the meeting: a sent version as an A4 PDF (audited as a print)."""
    sent = _sent(request, pk)
    meeting = sent.meeting
    audit_each(request, Action.PRINT, sent, meeting.children_list, printed=sent.version)
    context = {
        "record": for_reader(sent.content, meeting),
        "sent": sent,
        "printed_at": timezone.now(),
        "printed_by": request.user,
    }
    pdf = render_pdf("meetings/record_pdf.html", context, request=request)
    return pdf_response(pdf, f"record-of-decisions-{meeting.pk}-v{sent.version}.pdf")


@role_required(*CHILD_ROLES)
def correct_record(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair, the lead professional and the central team: correct a sent record. The
    meeting may then be changed, and the corrected record is sent as a new version."""
    meeting = _changing(request, pk)
    form = ReasonForm(
        request.POST or None,
        label="What needs correcting, and why",
        submit="Correct the record",
        version=meeting.version,
        required_message="Say what needs correcting and why",
    )
    saved = submit(
        request,
        form,
        lambda data: actions.start_correction(
            request=request,
            by=request.user,
            meeting=meeting,
            version=data["version"],
            reason=data["reason"],
        ),
        done="Make the corrections, then send the record again: it will be sent as a new "
        "version, and the earlier one stays readable.",
        to=reverse("meetings:detail", args=[meeting.pk]),
    )
    if saved:
        return saved
    return _form_page(
        request,
        "meetings/form.html",
        meeting,
        form,
        "correct the record form",
        title="Correct the record of decisions",
        intro="A record that has been sent is never changed. Your correction will be sent as a "
        "new version to everyone who had the record, with the reason you give here.",
    )


def _family_record(meeting: Meeting) -> tuple[dict, RecordOfDecisions | None]:
    latest = meeting.records.order_by("-version").first()
    if latest is not None and meeting.record_sent_at is not None:
        return for_reader(latest.content, meeting), latest
    return live_record(meeting), None


@role_required(*CHILD_ROLES)
def family_copy(request: HttpRequest, pk: int) -> HttpResponse:
    """Those who may see the meeting: the family copy, in plain words ("what we agreed", "who
    will do what by when"), standard or large print (``?size=large``), to hand to the parent or
    carer and the young person. Audited as a print."""
    meeting = meeting_for_user(request, pk, audit=False)
    if not meeting.is_held:
        messages.info(request, "The family copy can be printed once the meeting is recorded.")
        return redirect("meetings:detail", pk=meeting.pk)
    large = request.GET.get("size") == "large"
    content, sent = _family_record(meeting)
    audit_each(
        request,
        Action.PRINT,
        meeting,
        meeting.children_list,
        printed="family copy",
        large_print=large,
    )
    context = {
        **family_paper(large=large),
        "record": content,
        "sent": sent,
        "lisa_ref": "",
    }
    pdf = render_pdf("meetings/family_copy_pdf.html", context, request=request)
    size = "-large-print" if large else ""
    return pdf_response(pdf, f"family-copy-{meeting.pk}{size}.pdf")


@role_required(*CHILD_ROLES)
def copies(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair, the lead professional and the central team: record a family copy given."""
    meeting = _changing(request, pk)
    form = CopyGivenForm(request.POST or None, initial={"given_on": timezone.localdate()})
    saved = submit(
        request,
        form,
        lambda data: actions.record_copy_given(
            request=request,
            by=request.user,
            meeting=meeting,
            given_to=data["given_to"],
            given_on=data["given_on"],
            large_print=data["large_print"],
        ),
        done=lambda copy: f"The copy given to {copy.given_to} is recorded.",
        to=reverse("meetings:detail", args=[meeting.pk]),
    )
    if saved:
        return saved
    return _form_page(
        request,
        "meetings/form.html",
        meeting,
        form,
        "copies given form",
        title="Record a family copy given",
    )


@role_required(*CHILD_ROLES)
def invitation(request: HttpRequest, pk: int, invitee_pk: int) -> HttpResponse:
    """Those who may see the meeting: the invitation letter to a parent or carer (or the young
    person) invited, in plain language, standard or large print. Audited as a print."""
    meeting = meeting_for_user(request, pk, audit=False)
    invitee = (
        meeting.invitees.filter(
            pk=invitee_pk, kind__in=[InviteeKind.PARENT, InviteeKind.YOUNG_PERSON]
        )
        .select_related("parent", "young_person")
        .first()
    )
    if invitee is None:
        deny(request, "no such family invitee", not_found=True, object_type="meetings.invitee")
    large = request.GET.get("size") == "large"
    audit_each(
        request,
        Action.PRINT,
        meeting,
        meeting.children_list,
        printed="invitation letter",
        invitee=invitee.pk,
        large_print=large,
    )
    chair = meeting.chair
    context = {
        **family_paper(large=large),
        "meeting": meeting,
        "to": invitee.parent.name if invitee.parent_id else invitee.young_person.forenames,
        "young_person": invitee.kind == InviteeKind.YOUNG_PERSON,
        "children": meeting.children_list,
        "venue": venue_for(meeting, meeting.children_list),
        "chair_name": meeting.access.author(chair, chair.agency),
        "chair_phone": chair.phone if meeting.access.see_agency(chair.agency) else "",
        "lisa_ref": "",
    }
    pdf = render_pdf("meetings/invitation_pdf.html", context, request=request)
    size = "-large-print" if large else ""
    return pdf_response(pdf, f"meeting-invitation-{meeting.pk}-{invitee.pk}{size}.pdf")
