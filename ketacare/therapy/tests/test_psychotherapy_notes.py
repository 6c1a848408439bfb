"""Psychotherapy notes: only their author and the treating prescriber read them (HIPAA,
45 CFR 164.501 / 164.508(a)(2)); every read, refused or not, leaves an audit entry."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from ketacare.audit.models import AuditAction
from ketacare.therapy import actions
from ketacare.therapy.models import LockedNoteError, PsychotherapyNote
from ketacare.therapy.selectors import (
    access_psychotherapy_note_by_id,
    treating_prescriber_id,
)

TYPE = "therapy.psychotherapynote"


def _reads(audit_entries, note, user):
    return audit_entries(object_type=TYPE, object_id=str(note.pk), actor=user, action=AuditAction.VIEW)


def test_the_treating_prescriber_is_the_prescriber_of_the_active_plan(patient, plan, staff):
    assert treating_prescriber_id(patient) == staff["prescriber"].pk


def test_author_and_treating_prescriber_read_it_and_each_read_is_audited(psy_note, staff, audit_entries):
    for user in (staff["therapist"], staff["prescriber"]):
        assert access_psychotherapy_note_by_id(user, psy_note.pk).text.startswith("Transference")
        [entry] = _reads(audit_entries, psy_note, user)
        assert entry.detail == {"outcome": "read"} and entry.patient_id == psy_note.patient_id


@pytest.mark.parametrize("role", ["clinic_admin", "nurse", "front_desk"])
def test_other_roles_are_refused_and_the_attempt_is_audited(psy_note, staff, audit_entries, role):
    with pytest.raises(PermissionDenied):
        access_psychotherapy_note_by_id(staff[role], psy_note.pk)
    [entry] = _reads(audit_entries, psy_note, staff[role])
    assert entry.detail["outcome"] == "denied"


def test_another_therapist_and_another_prescriber_are_refused(
    psy_note, other_therapist, other_prescriber, audit_entries
):
    for user in (other_therapist, other_prescriber):
        with pytest.raises(PermissionDenied):
            access_psychotherapy_note_by_id(user, psy_note.pk)
        assert _reads(audit_entries, psy_note, user)[0].detail["outcome"] == "denied"


def test_the_patient_and_other_organisations_get_404_and_are_audited(psy_note, patient, other_staff, audit_entries):
    for user in (patient.user, other_staff["prescriber"], other_staff["therapist"]):
        with pytest.raises((Http404, PermissionDenied)):
            access_psychotherapy_note_by_id(user, psy_note.pk)
        assert _reads(audit_entries, psy_note, user)[0].detail["outcome"] == "denied"


PAGE_CASES = [("therapist", 200), ("prescriber", 200), ("clinic_admin", 403), ("nurse", 403), ("front_desk", 403)]


@pytest.mark.parametrize(("role", "status"), PAGE_CASES)
def test_the_page_answers_by_role(client, signed_in, psy_note, staff, audit_entries, role, status):
    response = signed_in(staff[role]).get(f"/therapy/psychotherapy/{psy_note.pk}/")
    assert response.status_code == status
    assert (b"Transference" in response.content) is (status == 200)
    assert len(_reads(audit_entries, psy_note, staff[role])) == 1


def test_page_and_api_refuse_the_patient_other_therapist_and_other_org(
    client, signed_in, psy_note, patient, other_therapist, other_staff, audit_entries
):
    for user, status in ((patient.user, 403), (other_therapist, 403), (other_staff["prescriber"], 404)):
        c = signed_in(user)
        assert c.get(f"/therapy/psychotherapy/{psy_note.pk}/").status_code == status
        assert c.get(f"/api/v1/therapy/psychotherapy-notes/{psy_note.pk}").status_code == status
        assert len(_reads(audit_entries, psy_note, user)) == 2


def test_the_list_shows_a_therapist_only_their_own_notes(
    patient, psy_note, other_therapist, staff, signed_in, audit_entries
):
    actions.do_create_psychotherapy_note(other_therapist, patient.pk, text="Other therapist's note")
    mine = signed_in(staff["therapist"]).get(f"/api/v1/therapy/patients/{patient.pk}/psychotherapy-notes").json()
    assert [n["id"] for n in mine] == [psy_note.pk]
    everyone = signed_in(staff["prescriber"]).get(f"/api/v1/therapy/patients/{patient.pk}/psychotherapy-notes").json()
    assert len(everyone) == 2
    assert audit_entries(object_type=TYPE, action=AuditAction.LIST, actor=staff["prescriber"])[0].detail["ids"]
    assert (
        signed_in(staff["clinic_admin"]).get(f"/api/v1/therapy/patients/{patient.pk}/psychotherapy-notes").status_code
        == 403
    )
    assert (
        audit_entries(object_type=TYPE, action=AuditAction.LIST, actor=staff["clinic_admin"])[0].detail["outcome"]
        == "denied"
    )


def test_a_signed_note_is_locked_and_takes_addenda_from_its_author_only(psy_note, staff, audit_entries):
    actions.do_sign_psychotherapy_note(staff["therapist"], psy_note.pk)
    with pytest.raises(ValidationError):
        actions.do_update_psychotherapy_note(staff["therapist"], psy_note.pk, text="changed")
    note = PsychotherapyNote.objects.get(pk=psy_note.pk)
    note.text = "tampered"
    with pytest.raises(LockedNoteError):
        note.save()
    assert PsychotherapyNote.objects.get(pk=psy_note.pk).text.startswith("Transference")
    actions.do_add_psychotherapy_note_addendum(staff["therapist"], psy_note.pk, text="Correction: date")
    with pytest.raises(ValidationError):
        actions.do_add_psychotherapy_note_addendum(staff["prescriber"], psy_note.pk, text="Prescriber's words")
    with pytest.raises(PermissionDenied):
        actions.do_add_psychotherapy_note_addendum(staff["nurse"], psy_note.pk, text="x")
    assert [a.text for a in psy_note.addenda.all()] == ["Correction: date"]


def test_a_refused_write_by_another_therapist_is_audited(psy_note, other_therapist, audit_entries):
    with pytest.raises(PermissionDenied):
        actions.do_update_psychotherapy_note(other_therapist, psy_note.pk, text="mine now")
    assert _reads(audit_entries, psy_note, other_therapist)[0].detail["outcome"] == "denied"
    assert PsychotherapyNote.objects.get(pk=psy_note.pk).text.startswith("Transference")


def test_the_audit_trail_never_holds_the_note_text(psy_note, staff, audit_entries):
    access_psychotherapy_note_by_id(staff["therapist"], psy_note.pk)
    assert all("Transference" not in str(e.detail) for e in audit_entries(object_type=TYPE))


def test_psychotherapy_notes_stay_out_of_the_chart_export(psy_note, staff, patient, signed_in):
    response = signed_in(staff["prescriber"]).get(f"/api/v1/therapy/patients/{patient.pk}/notes")
    assert response.status_code == 200 and b"Transference" not in response.content
    pdf = signed_in(staff["prescriber"]).get(f"/therapy/patients/{patient.pk}/progress-summary.pdf")
    assert pdf.status_code == 200 and b"Transference" not in pdf.content
