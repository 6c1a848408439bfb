"""Issue 14.5: the facts at the top of the chart, today's questionnaires derived from what was
submitted, and sedation/dissociation ratings with no pre-set answers."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ketacare.measures.actions import do_assign_questionnaire, do_enter_response, do_submit_response
from ketacare.measures.models import QuestionnaireResponse, ResponseChannel, ResponseStatus
from ketacare.patients.models import Allergy, Diagnosis, Medication, MedicationStatus
from ketacare.treatments import actions
from ketacare.treatments.forms import RatingForm
from ketacare.treatments.models import CheckItem, SessionRating, SessionStatus, TreatmentSession
from ketacare.treatments.selectors.bedside import bedside_facts
from ketacare.treatments.tests.conftest import ALL_CHECKS, checked_in, vitals

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
PHQ9_NONE = dict.fromkeys(map(str, range(1, 10)), 0)


def _phq9_submitted_at(patient, nurse, at, item9: int) -> QuestionnaireResponse:
    """A PHQ-9 taken at `at` (a paper form entered then): rows are written directly because a
    submitted response keeps the time it was entered."""
    return QuestionnaireResponse.objects.create(
        patient=patient,
        instrument="phq9",
        instrument_version="PHQ-9",
        answers={**PHQ9_NONE, "9": item9},
        status=ResponseStatus.SUBMITTED,
        submitted_at=at,
        total=item9,
        channel=ResponseChannel.STAFF,
        entered_by=nurse,
    )


class TestFactsAtTheTop:
    def test_allergies_medicines_diagnoses_risk_and_route_on_the_chart(
        self, client, staff, patient, iv_world, signed_in, django_assert_max_num_queries
    ):
        nurse = staff["nurse"]
        Allergy.objects.create(patient=patient, substance="Propofol", reaction="Rash", recorded_by=nurse)
        Allergy.objects.create(patient=patient, substance="Latex", status="inactive", recorded_by=nurse)
        Medication.objects.create(patient=patient, name="Sertraline", dose="100 mg", recorded_by=nurse)
        Medication.objects.create(
            patient=patient,
            name="Lorazepam",
            status=MedicationStatus.STOPPED,
            stopped_on=dt.date(2026, 1, 2),
            recorded_by=nurse,
        )
        Diagnosis.objects.create(patient=patient, icd10_code="F33.2", description="MDD, recurrent", recorded_by=nurse)
        # Positive PHQ-9 item 9 today (raises an open safety alert too), and one beyond the look-back.
        do_enter_response(nurse, patient, "phq9", {**PHQ9_NONE, "9": 2})
        _phq9_submitted_at(patient, nurse, timezone.now() - dt.timedelta(days=45), item9=3)
        session = actions.do_start_session(nurse, iv_world["appointment"].pk)
        signed_in(nurse)
        page = client.get(f"/sessions/{session.pk}/").content.decode()
        facts = page[page.index('id="facts"') : page.index('id="checklist"')]
        assert "Propofol (Rash)" in facts and "Latex" not in facts
        assert "Sertraline 100 mg" in facts and "Lorazepam" not in facts
        assert "F33.2 MDD, recurrent" in facts
        assert "Open safety alert: suicidal ideation" in facts
        assert "PHQ-9 item 9 = 2" in facts and "item 9 = 3" not in facts  # 45 days ago: outside 30 days
        assert "IV racemic ketamine" in facts and "not approved" not in facts
        session = TreatmentSession.objects.select_related("patient", "location", "organisation").get(pk=session.pk)
        with django_assert_max_num_queries(8):
            facts = bedside_facts(session, timezone.now())
        assert len(facts.ideation_answers) == 1 and facts.has_risk

    def test_no_risk_and_an_unapproved_route_are_said(self, client, staff, patient, iv_world, signed_in):
        session = actions.do_start_session(staff["nurse"], iv_world["appointment"].pk)
        facts = bedside_facts(session, timezone.now())
        assert not facts.has_risk and facts.allergies == []
        esketamine_session = TreatmentSession(route="intranasal_esketamine", patient=patient, location=session.location)
        esketamine_session.organisation = session.organisation
        assert not bedside_facts(esketamine_session, timezone.now()).route_approved
        signed_in(staff["nurse"])
        page = client.get(f"/sessions/{session.pk}/").content.decode()
        assert "no open safety alert; no suicidal-ideation answer in the last 30 days" in page
        assert "none recorded" in page


class TestQuestionnairesToday:
    """The tick is derived from the questionnaires submitted today (the location's day)."""

    def test_due_questionnaire_blocks_until_submitted(self, staff, patient, iv_world, portland):
        nurse = staff["nurse"]
        phq9 = do_assign_questionnaire(nurse, patient, "phq9", timezone.now() + dt.timedelta(minutes=5)).assignment
        session = checked_in(nurse, iv_world["appointment"], checks={**ALL_CHECKS, "questionnaires": False})
        vitals(session, nurse)
        # The nurse cannot tick it while the PHQ-9 is not submitted.
        with pytest.raises(ValidationError, match="Not yet submitted today: PHQ-9"):
            actions.do_record_check(nurse, session.pk, item=CheckItem.QUESTIONNAIRES, passed=True)
        with pytest.raises(ValidationError, match="Not yet submitted today: PHQ-9"):
            actions.do_complete_prechecks(nurse, session.pk)
        assert TreatmentSession.objects.get(pk=session.pk).status == SessionStatus.CHECKED_IN
        do_submit_response(nurse, phq9, channel="tablet", answers=PHQ9_NONE)
        assert actions.do_complete_prechecks(nurse, session.pk).status == SessionStatus.PRECHECKS_DONE
        check = session.checks.get(item=CheckItem.QUESTIONNAIRES)
        assert check.passed and check.note == "Submitted today: PHQ-9."

    def test_a_ticked_box_is_not_enough_and_tomorrows_do_not_count(self, staff, patient, iv_world, portland):
        nurse = staff["nurse"]
        do_assign_questionnaire(nurse, patient, "gad7", timezone.now() + dt.timedelta(days=2))
        session = checked_in(nurse, iv_world["appointment"])  # ALL_CHECKS claims questionnaires done
        check = session.checks.get(item=CheckItem.QUESTIONNAIRES)
        assert check.passed and check.note == "None due today."  # the GAD-7 is due the day after tomorrow

    def test_the_checklist_form_offers_no_questionnaire_tick(self, client, staff, iv_world, signed_in):
        session = actions.do_start_session(staff["nurse"], iv_world["appointment"].pk)
        signed_in(staff["nurse"])
        page = client.get(f"/sessions/{session.pk}/").content.decode()
        assert 'name="check_questionnaires"' not in page and 'id="questionnaires-today"' in page


class TestRatingsHaveNoPresetAnswers:
    def _observing(self, staff, iv_world):
        nurse = staff["nurse"]
        session = checked_in(nurse, iv_world["appointment"])
        vitals(session, nurse)
        actions.do_complete_prechecks(nurse, session.pk)
        actions.do_prepare_dose(nurse, session.pk, vial_id=iv_world["vial"].pk, **iv_world["second_check"])
        actions.do_start_administration(nurse, session.pk)
        return session

    def test_forms_start_unrated_with_moaas_anchors_and_the_cadss_note(self):
        moaas, cadss = RatingForm(instrument="moaas", prefix="moaas"), RatingForm(instrument="cadss", prefix="cadss")
        for form in (moaas, cadss):
            for field in form.visible_fields():
                assert field.value() in (None, "") and field.field.choices[0] == ("", "— not rated —")
        anchors = dict(moaas.fields["item_1"].choices)
        assert anchors[5] == "5 · Responds readily to the name spoken in a normal tone"
        assert anchors[0] == "0 · No response after a painful trapezius squeeze"
        assert cadss.fields["item_1"].label == "Item 1 · CADSS-6" and cadss.fields["item_3"].label == "Item 3"
        assert "licence is UNVERIFIED" in cadss.instrument.licence

    def test_an_unanswered_cadss_item_is_refused_not_counted_as_zero(self, client, staff, iv_world, clock, signed_in):
        session = self._observing(staff, iv_world)
        answers = {f"cadss-item_{n}": "1" for n in range(1, 24) if n != 7}
        signed_in(staff["nurse"])
        page = client.post(
            f"/sessions/{session.pk}/step/rating/", {"cadss-instrument": "cadss", **answers}, **HX
        ).content.decode()
        assert "Rate item 7 (CADSS item 7): an unrated item is not counted as 0." in page
        assert not SessionRating.objects.exists()
        # The action refuses too (API, commands): missing and blank items name the item.
        for missing in ({}, {"7": None}, {"7": ""}):
            given = {str(n): 1 for n in range(1, 24) if n != 7} | missing
            with pytest.raises(ValidationError, match="item 7"):
                actions.do_record_rating(staff["nurse"], session.pk, instrument="cadss", answers=given)
        assert not SessionRating.objects.exists()
        rating = actions.do_record_rating(
            staff["nurse"], session.pk, instrument="cadss", answers={str(n): 1 for n in range(1, 24)}
        )
        assert rating.response.total == 23

    def test_moaas_must_be_chosen(self, client, staff, iv_world, clock, signed_in):
        session = self._observing(staff, iv_world)
        signed_in(staff["nurse"])
        page = client.post(f"/sessions/{session.pk}/step/rating/", {"moaas-instrument": "moaas"}, **HX)
        assert b"an unrated item is not counted as 0" in page.content and not SessionRating.objects.exists()
