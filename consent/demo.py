"""Invented demonstration data for this app, loaded by `manage.py load_demo`."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

TODAY = timezone.localdate()


def load(stdout) -> None:
    """Add this app's demo records; safe to run again (nothing is duplicated).

    Children Amara Okafor works with get the consent situations a practitioner meets: a parent
    or carer who agreed, one who refused followed by a decision to share without consent, and a
    young person who agreed for themselves.
    """
    from children.models import Child
    from consent.models import Agreement, Ground, Kind, SharingDecision
    from lisa.models import User

    amara = User.objects.filter(username="amara.okafor").select_related("agency").first()
    if amara is None or amara.agency_id is None:
        return
    children = list(
        Child.objects.filter(
            involvements__practitioner=amara,
            involvements__ended_at__isnull=True,
            parents__isnull=False,
            merged_into__isnull=True,
        )
        .distinct()
        .order_by("lisa_ref")[:3]
    )
    added = 0
    for index, child in enumerate(children):
        if Agreement.objects.filter(child=child).exists():
            continue
        parent = child.parents.filter(entered_in_error=False).first()
        signed_on = max(TODAY - dt.timedelta(days=30 + 10 * index), child.date_of_birth)
        common = {
            "child": child,
            "professional": amara,
            "agency": amara.agency,
            "signed_on": signed_on,
            "created_by": amara,
            "copy_to_coordinator": True,
            "copy_to_coordinator_on": signed_on,
        }
        if index == 1:
            refusal = Agreement.objects.create(
                kind=Kind.PARENT_CARER, decision="do_not_agree", parent=parent, **common
            )
            SharingDecision.objects.create(
                child=child,
                ground=Ground.SAFEGUARD,
                what_shared="The health visitor's concern about the child's weight",
                shared_with="The school nurse and the GP",
                decided_by="Priya Shah, designated officer",
                reason="Weight well below expected; the family has missed three appointments",
                decided_on=signed_on + dt.timedelta(days=2),
                refusal=refusal,
                created_by=amara,
            )
        else:
            Agreement.objects.create(
                kind=Kind.PARENT_CARER, decision="agree", parent=parent, **common
            )
        if index == 2 and child.age >= 12:
            Agreement.objects.create(
                kind=Kind.YOUNG_PERSON,
                decision="agree",
                sufficient_understanding=True,
                understanding_assessed_by="Amara Okafor, health visitor",
                **common,
            )
        added += 1
    stdout.write(f"Consent: agreements added for {added} children.")
