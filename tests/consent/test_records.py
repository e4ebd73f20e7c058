"""Recording agreements and decisions to share: validation, database invariants, the consent
position, and the sensitive-involvement hook."""

from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import RequestFactory

from audit.models import Action, AuditEvent
from children import rules as child_rules
from children.models import Involvement, ParentalResponsibility
from consent import actions
from consent.models import Agreement, Ground, Kind, SharingDecision
from consent.rules import consent_position, consent_to_show_sensitive
from tests.children.conftest import involve, make_child
from tests.conftest import make_user


def _request(user):
    request = RequestFactory().post("/consent/")
    request.user = user
    return request


def parent_agreement(user, child, parent, *, decision="agree", signed_on=None, **values):
    return actions.record_agreement(
        request=_request(user),
        by=user,
        child=child,
        kind=Kind.PARENT_CARER,
        values={
            "decision": decision,
            "parent": parent.pk,
            "signed_on": signed_on or dt.date(2026, 5, 3),
            **values,
        },
    )


def young_person_agreement(user, child, *, decision="agree", signed_on=None, **values):
    base = {
        "decision": decision,
        "signed_on": signed_on or dt.date(2026, 5, 3),
        "sufficient_understanding": True,
        "understanding_assessed_by": "Amara Okafor, health visitor",
    }
    base.update(values)
    return actions.record_agreement(
        request=_request(user), by=user, child=child, kind=Kind.YOUNG_PERSON, values=base
    )


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


class TestParentCarerAgreement:
    def test_recorded_with_audit_and_field_history(self, amara, child, mother):
        agreement = parent_agreement(
            amara, child, mother, copy_to_child=True, copy_to_child_on=dt.date(2026, 5, 4)
        )
        assert agreement.professional == amara and agreement.agency == amara.agency
        event = AuditEvent.objects.get(action=Action.CREATE, object_type="consent.agreement")
        assert event.child_id == child.pk and event.detail["decision"] == "agree"
        assert LogEntry.objects.get_for_object(agreement).count() == 1

    def test_the_parent_must_hold_responsibility_for_this_child(self, amara, child):
        other_child = make_child()
        stranger = ParentalResponsibility.objects.create(
            child=other_child, name="Someone Else", relationship="mother"
        )
        with pytest.raises(ValidationError) as excinfo:
            parent_agreement(amara, child, stranger)
        assert "parent" in errors_of(excinfo)

    def test_a_parent_entered_in_error_cannot_sign(self, amara, child, mother):
        mother.entered_in_error = True
        mother.error_reason = "Wrong family"
        mother.save()
        with pytest.raises(ValidationError) as excinfo:
            parent_agreement(amara, child, mother)
        assert "parent" in errors_of(excinfo)

    def test_the_signature_date_cannot_be_in_the_future(self, amara, child, mother, today):
        with pytest.raises(ValidationError) as excinfo:
            parent_agreement(amara, child, mother, signed_on=today + dt.timedelta(days=1))
        assert "future" in " ".join(errors_of(excinfo)["signed_on"]) or "past" in " ".join(
            errors_of(excinfo)["signed_on"]
        )

    def test_a_ticked_copy_needs_a_date_and_a_date_needs_a_tick(self, amara, child, mother):
        with pytest.raises(ValidationError) as excinfo:
            parent_agreement(amara, child, mother, copy_to_coordinator=True)
        assert "copy_to_coordinator_on" in errors_of(excinfo)
        with pytest.raises(ValidationError) as excinfo:
            parent_agreement(amara, child, mother, copy_to_child_on=dt.date(2026, 5, 4))
        assert "copy_to_child" in errors_of(excinfo)

    def test_a_copy_cannot_be_given_before_the_form_was_signed(self, amara, child, mother):
        with pytest.raises(ValidationError) as excinfo:
            parent_agreement(
                amara, child, mother, copy_to_child=True, copy_to_child_on=dt.date(2026, 5, 1)
            )
        assert "copy_to_child_on" in errors_of(excinfo)

    def test_only_those_with_a_relationship_may_record(self, daniel, child, mother):
        with pytest.raises(PermissionDenied):
            parent_agreement(daniel, child, mother)


class TestYoungPersonAgreement:
    def test_a_child_under_8_needs_a_capacity_note(self, amara):
        little = make_child(date_of_birth=dt.date(2019, 1, 10))
        involve(amara, little)
        with pytest.raises(ValidationError) as excinfo:
            young_person_agreement(amara, little, signed_on=dt.date(2026, 5, 3))
        assert "capacity_note" in errors_of(excinfo)
        agreement = young_person_agreement(
            amara, little, signed_on=dt.date(2026, 5, 3), capacity_note="Explained with pictures"
        )
        assert agreement.capacity_note == "Explained with pictures"

    def test_the_age_is_taken_at_the_signature_date(self, amara):
        # Eight on 10 January 2026: signed on 9 January 2026 they were still seven.
        child = make_child(date_of_birth=dt.date(2018, 1, 10))
        involve(amara, child)
        with pytest.raises(ValidationError):
            young_person_agreement(amara, child, signed_on=dt.date(2026, 1, 9))
        assert young_person_agreement(amara, child, signed_on=dt.date(2026, 1, 10)).pk

    def test_understanding_and_who_assessed_it_are_required(self, amara, child):
        with pytest.raises(ValidationError) as excinfo:
            young_person_agreement(
                amara, child, sufficient_understanding=None, understanding_assessed_by=""
            )
        assert {"sufficient_understanding", "understanding_assessed_by"} <= set(errors_of(excinfo))


class TestDatabaseInvariants:
    def _row(self, amara, child, constraint, **fields):
        """The row is refused, by the named constraint (the others all hold for it)."""
        values = {
            "child": child,
            "kind": Kind.PARENT_CARER,
            "decision": "agree",
            "professional": amara,
            "agency": amara.agency,
            "signed_on": dt.date(2026, 5, 3),
            "created_by": amara,
        }
        values.update(fields)
        with (
            pytest.raises(IntegrityError, match=f'check constraint "{constraint}"'),
            transaction.atomic(),
        ):
            Agreement.objects.create(**values)

    def test_a_parent_carer_agreement_needs_a_parent(self, amara, child):
        self._row(amara, child, "agreement_given_by_matches_kind")

    def test_a_young_person_agreement_needs_the_assessment(self, amara, child):
        self._row(
            amara, child, "agreement_young_person_understanding_assessed", kind=Kind.YOUNG_PERSON
        )

    def test_a_copy_must_be_dated(self, amara, child, mother):
        self._row(amara, child, "agreement_copy_to_child_dated", parent=mother, copy_to_child=True)

    def test_a_withdrawal_must_say_who_and_how(self, amara, child, mother):
        self._row(
            amara,
            child,
            "agreement_withdrawal_complete",
            parent=mother,
            withdrawn_on=dt.date(2026, 6, 1),
        )

    def test_entered_in_error_needs_a_reason(self, amara, child, mother):
        self._row(amara, child, "agreement_error_has_reason", parent=mother, entered_in_error=True)

    def test_a_sharing_decision_needs_a_known_ground(self, amara, child):
        with (
            pytest.raises(IntegrityError, match='check constraint "sharing_ground_known"'),
            transaction.atomic(),
        ):
            SharingDecision.objects.create(
                child=child,
                ground="because",
                what_shared="x",
                shared_with="y",
                decided_by="z",
                reason="r",
                decided_on=dt.date(2026, 5, 3),
                created_by=amara,
            )


class TestWithdrawal:
    def test_recorded_once_with_who_and_how(self, amara, child, mother):
        agreement = parent_agreement(amara, child, mother)
        withdrawn = actions.withdraw(
            request=_request(amara),
            by=amara,
            agreement=agreement,
            version=agreement.version,
            withdrawn_on=dt.date(2026, 6, 1),
            withdrawn_by="Henrietta Brackenbury",
            how="in_writing",
        )
        assert withdrawn.withdrawal_recorded_by == amara
        with pytest.raises(ValidationError):
            actions.withdraw(
                request=_request(amara),
                by=amara,
                agreement=withdrawn,
                version=withdrawn.version,
                withdrawn_on=dt.date(2026, 6, 2),
                withdrawn_by="x",
                how="in_writing",
            )

    def test_a_stale_version_is_refused(self, amara, child, mother):
        agreement = parent_agreement(amara, child, mother)
        with pytest.raises(actions.ConcurrentEditError):
            actions.withdraw(
                request=_request(amara),
                by=amara,
                agreement=agreement,
                version="stale",
                withdrawn_on=dt.date(2026, 6, 1),
                withdrawn_by="x",
                how="in_writing",
            )


class TestConsentPosition:
    def test_nobody_asked(self, child):
        assert consent_position(child) == "Parent/carer not asked; young person not asked"

    def test_parent_agreed(self, amara, child, mother):
        parent_agreement(amara, child, mother)
        assert (
            consent_position(child) == "Parent/carer agreed on 3 May 2026; young person not asked"
        )

    def test_a_refusal_and_a_later_decision_to_share_both_stand(self, amara, child, mother):
        refusal = parent_agreement(amara, child, mother, decision="do_not_agree")
        decision = actions.record_sharing_decision(
            request=_request(amara),
            by=amara,
            child=child,
            values={
                "ground": Ground.SAFEGUARD,
                "what_shared": "The concern of 2 May",
                "shared_with": "Children's social care",
                "decided_by": "Priya Shah, designated officer",
                "reason": "Risk of significant harm",
                "decided_on": dt.date(2026, 5, 5),
                "refusal": refusal.pk,
            },
        )
        assert decision.refusal == refusal
        assert Agreement.objects.get(pk=refusal.pk).decision == "do_not_agree"
        assert consent_position(child) == (
            "Parent/carer did not agree on 3 May 2026; young person not asked; decision to "
            "share without consent on 5 May 2026 (to safeguard the child)"
        )
        assert not consent_to_show_sensitive(child)

    def test_an_entry_in_error_no_longer_counts(self, amara, child, mother):
        agreement = parent_agreement(amara, child, mother)
        actions.agreement_entered_in_error(
            request=_request(amara), by=amara, agreement=agreement, reason="Wrong child"
        )
        assert consent_position(child).startswith("Parent/carer not asked")

    def test_a_decision_needs_every_part(self, amara, child):
        with pytest.raises(ValidationError) as excinfo:
            actions.record_sharing_decision(
                request=_request(amara), by=amara, child=child, values={"ground": "x"}
            )
        assert {"ground", "what_shared", "shared_with", "decided_by", "reason", "decided_on"} <= (
            set(errors_of(excinfo))
        )


class TestSensitiveInvolvements:
    @pytest.fixture
    def camhs_involvement(self, agencies, child) -> Involvement:
        from lisa.models import Role

        nurse = make_user("grace.liu", agencies["camhs"], [Role.PRACTITIONER])
        return involve(nurse, child, role="Mental health nurse")

    def test_hidden_until_consent_then_shown_then_hidden_on_withdrawal(
        self, amara, daniel, child, mother, camhs_involvement
    ):
        assert not child_rules.can_see_involvement(daniel, camhs_involvement)
        agreement = parent_agreement(amara, child, mother)
        assert child_rules.can_see_involvement(daniel, camhs_involvement)
        actions.withdraw(
            request=_request(amara),
            by=amara,
            agreement=agreement,
            version=agreement.version,
            withdrawn_on=dt.date(2026, 6, 1),
            withdrawn_by="Henrietta Brackenbury",
            how="by_phone",
        )
        assert not child_rules.can_see_involvement(daniel, camhs_involvement)

    def test_a_young_person_with_understanding_decides_for_themselves(
        self, amara, daniel, child, mother, camhs_involvement
    ):
        parent_agreement(amara, child, mother)
        young_person_agreement(amara, child, decision="do_not_agree")
        assert not child_rules.can_see_involvement(daniel, camhs_involvement)

    def test_shown_on_the_index_card_with_consent(
        self, client_for, amara, daniel, child, mother, camhs_involvement
    ):
        assert "Grace" not in client_for(daniel).get(f"/children/{child.pk}/").content.decode()
        parent_agreement(amara, child, mother)
        page = client_for(daniel).get(f"/children/{child.pk}/").content.decode()
        assert "Grace" in page
        # The card says only that consent is recorded; what was agreed is full-record data.
        assert "Recorded: see the full record" in page
        assert "Parent/carer agreed" not in page


def test_a_merge_brings_the_consent_records_to_the_kept_child(amara, morgan, child, mother):
    from children.actions import merge_children

    duplicate = make_child(forenames="Ottoline", surname="Brackenbury")
    involve(amara, duplicate)
    duplicate_mother = ParentalResponsibility.objects.create(
        child=duplicate, name="Henrietta B", relationship="mother"
    )
    agreement = parent_agreement(amara, duplicate, duplicate_mother)
    merge_children(
        request=_request(morgan), by=morgan, keep=child, other=duplicate, reason="Same child"
    )
    agreement.refresh_from_db()
    assert agreement.child == child and agreement.parent.child == child
    assert consent_position(child).startswith("Parent/carer agreed on 3 May 2026")
