"""The consent pages: who may see and change what, bad input kept and explained, every view,
change, print and download audited."""

from __future__ import annotations

import datetime as dt

import pytest

from audit.models import Action, AuditEvent
from consent.models import Agreement, SharingDecision
from tests.children.conftest import involve, make_child
from tests.consent.conftest import date_fields


def agreement_post(mother, **extra) -> dict:
    data = {
        "parent": str(mother.pk),
        "decision": "agree",
        **date_fields("signed_on", dt.date(2026, 5, 3)),
    }
    data.update(extra)
    return data


class TestPermissions:
    def test_anonymous_people_are_sent_to_sign_in(self, client, child):
        for path in (
            f"/consent/child/{child.pk}/",
            f"/consent/child/{child.pk}/agreements/new/parent-carer/",
            f"/consent/child/{child.pk}/print/parent-carer/",
            "/consent/blank/young-person/",
        ):
            response = client.get(path)
            assert response.status_code == 302 and response["Location"].startswith("/sign-in/")

    @pytest.mark.parametrize("who", ["daniel", "sam", "alex"])
    def test_the_wrong_people_are_refused_and_audited(self, client_for, personas, child, who):
        client = client_for(personas[who])
        for path in (
            f"/consent/child/{child.pk}/",
            f"/consent/child/{child.pk}/agreements/new/parent-carer/",
            f"/consent/child/{child.pk}/print/parent-carer/",
            f"/consent/child/{child.pk}/sharing/new/",
        ):
            assert client.get(path).status_code == 403, path
        if who == "daniel":
            assert AuditEvent.objects.filter(
                action=Action.DENIED, child_id=child.pk, user=personas[who]
            ).exists()

    def test_a_refused_post_records_nothing(self, client_for, daniel, child, mother):
        response = client_for(daniel).post(
            f"/consent/child/{child.pk}/agreements/new/parent-carer/", agreement_post(mother)
        )
        assert response.status_code == 403
        assert not Agreement.objects.exists()

    def test_the_involved_practitioner_sees_and_records(self, client_for, amara, child, mother):
        client = client_for(amara)
        assert client.get(f"/consent/child/{child.pk}/").status_code == 200
        assert AuditEvent.objects.filter(action=Action.VIEW, child_id=child.pk).exists()
        response = client.post(
            f"/consent/child/{child.pk}/agreements/new/parent-carer/",
            agreement_post(
                mother,
                copy_to_coordinator="on",
                **date_fields("copy_to_coordinator_on", dt.date(2026, 5, 4)),
            ),
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        agreement = Agreement.objects.get()
        assert agreement.parent == mother and agreement.copy_to_coordinator
        page = client.get(f"/consent/child/{child.pk}/").content.decode()
        assert "Parent/carer agreed on 3 May 2026; young person not asked" in page

    def test_break_glass_reads_but_does_not_record(self, client_for, daniel, child, mother):
        from django.utils import timezone

        from children.models import BreakGlass

        BreakGlass.objects.create(
            child=child,
            user=daniel,
            category="safeguarding",
            reason="Urgent",
            expires_at=timezone.now() + dt.timedelta(hours=1),
        )
        client = client_for(daniel)
        assert client.get(f"/consent/child/{child.pk}/").status_code == 200
        assert (
            client.get(f"/consent/child/{child.pk}/agreements/new/parent-carer/").status_code == 403
        )

    def test_the_central_team_sees_every_child(self, client_for, morgan, child):
        assert client_for(morgan).get(f"/consent/child/{child.pk}/").status_code == 200

    def test_an_unknown_form_kind_is_not_found(self, client_for, amara, child):
        client = client_for(amara)
        assert client.get(f"/consent/child/{child.pk}/print/grandparent/").status_code == 404


class TestForms:
    def test_bad_input_is_explained_beside_the_field_and_kept(
        self, client_for, amara, child, mother
    ):
        future = dt.date.today() + dt.timedelta(days=3)
        response = client_for(amara).post(
            f"/consent/child/{child.pk}/agreements/new/parent-carer/",
            agreement_post(mother, notes="Met at home", **date_fields("signed_on", future)),
        )
        page = response.content.decode()
        assert response.status_code == 200
        assert "There is a problem" in page and "today or in the past" in page
        assert "Met at home" in page
        assert not Agreement.objects.exists()

    def test_a_young_person_under_8_needs_a_capacity_note_on_the_page(self, client_for, amara):
        little = make_child(date_of_birth=dt.date(2019, 3, 1))
        involve(amara, little)
        response = client_for(amara).post(
            f"/consent/child/{little.pk}/agreements/new/young-person/",
            {
                "decision": "agree",
                "sufficient_understanding": "yes",
                "understanding_assessed_by": "Amara Okafor",
                **date_fields("signed_on", dt.date(2026, 5, 3)),
            },
        )
        assert response.status_code == 200
        assert "explain how their capacity to consent was assessed" in response.content.decode()

    def test_withdrawal_through_the_page(self, client_for, amara, child, mother):
        client = client_for(amara)
        client.post(
            f"/consent/child/{child.pk}/agreements/new/parent-carer/", agreement_post(mother)
        )
        agreement = Agreement.objects.get()
        url = f"/consent/child/{child.pk}/agreements/{agreement.pk}/withdraw/"
        stale = {
            "version": "stale",
            "withdrawn_by": "Henrietta",
            "how": "in_writing",
            **date_fields("withdrawn_on", dt.date(2026, 6, 1)),
        }
        response = client.post(url, stale)
        assert "Someone else changed this agreement" in response.content.decode()
        response = client.post(url, {**stale, "version": agreement.version})
        assert response.status_code == 302
        agreement.refresh_from_db()
        assert agreement.withdrawn_on == dt.date(2026, 6, 1)

    def test_refusal_then_decision_to_share(self, client_for, amara, child, mother):
        client = client_for(amara)
        client.post(
            f"/consent/child/{child.pk}/agreements/new/parent-carer/",
            agreement_post(mother, decision="do_not_agree"),
        )
        refusal = Agreement.objects.get()
        response = client.post(
            f"/consent/child/{child.pk}/sharing/new/",
            {
                "ground": "safeguard",
                "what_shared": "The level-3 concern",
                "shared_with": "Children's social care",
                "decided_by": "Priya Shah, designated officer",
                "reason": "Risk of significant harm",
                "refusal": str(refusal.pk),
                **date_fields("decided_on", dt.date(2026, 5, 5)),
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        assert SharingDecision.objects.get().refusal == refusal
        page = client.get(f"/consent/child/{child.pk}/").content.decode()
        assert "Does not agree" in page and "To safeguard the child" in page

    def test_list_queries_are_bounded(
        self, client_for, amara, child, mother, django_assert_max_num_queries
    ):
        from tests.consent.test_records import parent_agreement

        for n in range(15):
            parent_agreement(
                amara, child, mother, signed_on=dt.date(2026, 1, 1) + dt.timedelta(days=n)
            )
        client = client_for(amara)
        with django_assert_max_num_queries(16):
            response = client.get(f"/consent/child/{child.pk}/")
        assert response.content.decode().count("Henrietta Brackenbury") == 15

    def test_every_form_page_opens(self, client_for, amara, child, mother):
        from tests.consent.test_records import parent_agreement

        agreement = parent_agreement(amara, child, mother)
        client = client_for(amara)
        base = f"/consent/child/{child.pk}"
        for path in (
            f"{base}/agreements/new/parent-carer/",
            f"{base}/agreements/new/young-person/",
            f"{base}/agreements/{agreement.pk}/withdraw/",
            f"{base}/agreements/{agreement.pk}/copies/",
            f"{base}/agreements/{agreement.pk}/entered-in-error/",
            f"{base}/agreements/{agreement.pk}/scan/",
            f"{base}/sharing/new/",
        ):
            assert client.get(path).status_code == 200, path

    def test_the_full_record_links_to_consent(self, client_for, amara, child):
        page = client_for(amara).get(f"/children/{child.pk}/record/").content.decode()
        assert f"/consent/child/{child.pk}/" in page
        assert "Parent/carer not asked; young person not asked" in page


def test_an_empty_form_says_what_to_do_for_each_field(client_for, amara, child, mother):
    client = client_for(amara)
    page = client.post(
        f"/consent/child/{child.pk}/agreements/new/young-person/", {"notes": ""}
    ).content
    page = page.decode()
    for message in (
        "Select whether they agree or do not agree",
        "Enter date signatures obtained",
        "Select whether the young person has sufficient understanding to consent",
        "Enter who assessed the young person&#x27;s understanding",
    ):
        assert message in page, message
    page = client.post(f"/consent/child/{child.pk}/sharing/new/", {"reason": ""}).content.decode()
    for message in ("Select the ground", "Enter what is shared", "Enter who decided", "Enter why"):
        assert message in page, message


def test_the_printed_form_names_the_chosen_parent(client_for, amara, child, mother):
    from tests.consent.test_printing import flat, pdf_text

    response = client_for(amara).get(
        f"/consent/child/{child.pk}/print/parent-carer/?parent={mother.pk}"
    )
    assert "Henrietta Brackenbury" in flat(pdf_text(response.content))
