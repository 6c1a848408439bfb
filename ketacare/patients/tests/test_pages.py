"""Registry pages: who may open and post what, what is audited, and bad input changing nothing."""

import datetime as dt
import json

import pytest
from django.forms import Widget
from django.urls import reverse

from ketacare.audit.models import AuditAction
from ketacare.patients import actions
from ketacare.patients.models import Diagnosis, Medication, Patient, WeightMeasurement

STAFF_ROLES = ["front_desk", "nurse", "prescriber", "therapist", "clinic_admin"]
REGISTER_FORM = {
    "first_name": "Zoë",
    "last_name": "Nguyen",
    "date_of_birth": "1988-07-14",
    "phone": "(503) 555-0142",
    "email": "zoe@example.org",
    "country": "US",
    "emergency_contact_phone": "",
    "referring_clinician_phone": "",
}


def chart_url(patient):
    return reverse("patients:detail", args=[patient.pk])


# --- list and search -------------------------------------------------------


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_every_staff_role_can_search_patients(signed_in, staff, patient, role):
    response = signed_in(staff[role]).get(reverse("patients:list"), {"q": "pat"})
    assert response.status_code == 200
    assert patient.record_number in response.content.decode()


def test_the_list_shows_name_dob_record_number_stage_and_location(signed_in, staff, patient, org):
    patient.home_location = org.locations.get(name="Harbor Boston")
    patient.save(update_fields=["home_location"])
    page = signed_in(staff["nurse"]).get(reverse("patients:list")).content.decode()
    for text in ["Example1, Pat1", "1980-01-02", "T-00001", "Registered", "Harbor Boston"]:
        assert text in page


def test_a_search_is_audited(signed_in, staff, patient, audit_entries):
    signed_in(staff["therapist"]).get(reverse("patients:list"), {"q": "example"})
    [entry] = audit_entries(action=AuditAction.LIST)
    assert entry.actor == staff["therapist"] and entry.detail["query"] == "example"


def test_the_register_button_shows_only_for_roles_that_may_register(signed_in, staff, client):
    assert "Register patient" in signed_in(staff["front_desk"]).get(reverse("patients:list")).content.decode()
    client.logout()
    assert "Register patient" not in signed_in(staff["therapist"]).get(reverse("patients:list")).content.decode()


def test_patients_cannot_open_the_staff_list(signed_in, patient):
    assert signed_in(patient.user).get(reverse("patients:list")).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, patient):
    for url in [
        reverse("patients:list"),
        chart_url(patient),
        reverse("patients:create"),
        reverse("patients:edit", args=[patient.pk]),
        reverse("patients:export", args=[patient.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login")), url


# --- registration ----------------------------------------------------------


@pytest.mark.parametrize("role", ["front_desk", "clinic_admin"])
def test_front_desk_and_admins_register_patients(signed_in, staff, role, audit_entries):
    response = signed_in(staff[role]).post(reverse("patients:create"), REGISTER_FORM)
    patient = Patient.objects.get(last_name="Nguyen")
    assert response.status_code == 302 and response.url == chart_url(patient)
    assert patient.record_number == "KC-000001"
    assert patient.phone == "+15035550142"
    assert patient.organisation == staff[role].organisation
    [entry] = audit_entries(patient=patient, action=AuditAction.CREATE)
    assert entry.detail["fields"] == ["country", "date_of_birth", "email", "first_name", "last_name", "phone"]
    assert "Nguyen" not in json.dumps(entry.detail) and "5550142" not in json.dumps(entry.detail)


@pytest.mark.parametrize("role", ["therapist", "nurse", "prescriber"])
def test_other_roles_cannot_register(signed_in, staff, role):
    client = signed_in(staff[role])
    assert client.get(reverse("patients:create")).status_code == 403
    assert client.post(reverse("patients:create"), REGISTER_FORM).status_code == 403
    assert not Patient.objects.exists()


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("date_of_birth", "2999-01-01", "The date of birth cannot be in the future."),
        ("phone", "555-12", "is not a valid phone number"),
        ("emergency_contact_phone", "12", "is not a valid phone number"),
        ("first_name", "", "This field is required."),
    ],
)
def test_bad_registration_input_is_named_and_nothing_is_saved(signed_in, staff, audit_entries, field, value, message):
    response = signed_in(staff["front_desk"]).post(reverse("patients:create"), {**REGISTER_FORM, field: value})
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert not Patient.objects.exists()
    assert not audit_entries(action=AuditAction.CREATE)


def test_a_location_of_another_clinic_cannot_be_chosen(signed_in, staff, other_org):
    elsewhere = other_org.locations.first()
    response = signed_in(staff["front_desk"]).post(
        reverse("patients:create"), {**REGISTER_FORM, "home_location": elsewhere.pk}
    )
    assert "home_location" in response.context["form"].errors
    assert not Patient.objects.exists()


# --- the chart -------------------------------------------------------------


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_open_the_chart_and_the_view_is_audited(signed_in, staff, patient, role, audit_entries):
    response = signed_in(staff[role]).get(chart_url(patient))
    assert response.status_code == 200
    [entry] = audit_entries(patient=patient, action=AuditAction.VIEW)
    assert entry.actor == staff[role]


def test_another_organisations_staff_get_404(signed_in, other_staff, patient, audit_entries):
    client = signed_in(other_staff["prescriber"])
    for url in [
        chart_url(patient),
        reverse("patients:edit", args=[patient.pk]),
        reverse("patients:export", args=[patient.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    assert not audit_entries(patient=patient)


def test_patients_cannot_open_staff_charts_even_their_own(signed_in, patient):
    assert signed_in(patient.user).get(chart_url(patient)).status_code == 403


def test_the_chart_shows_the_whole_record(signed_in, staff, patient, org):
    nurse = staff["nurse"]
    actions.do_update_patient(
        staff["front_desk"],
        patient.pk,
        home_location=org.locations.get(name="Harbor Portland"),
        emergency_contact_name="Sam Example",
        emergency_contact_phone="503 555 0177",
        referring_clinician_name="Dr. Rivera",
        referring_clinician_phone="503 555 0188",
        stage="screening",
        stage_reason="Intake on paper",
    )
    actions.do_add_diagnosis(nurse, patient.pk, icd10_code="f332", description="Major depressive disorder")
    actions.do_add_allergy(nurse, patient.pk, substance="Penicillin", reaction="Hives")
    actions.do_add_medication(nurse, patient.pk, name="Sertraline", dose="100 mg")
    actions.do_record_weight(nurse, patient.pk, weight_kg="80.0", measured_on=dt.date(2024, 1, 10))
    actions.do_record_weight(nurse, patient.pk, weight_kg="78.5", measured_on=dt.date(2024, 3, 5))

    page = signed_in(nurse).get(chart_url(patient)).content.decode()
    for text in [
        "Pat1 Example1",
        f"age {patient.age_years}",
        "Harbor Portland",
        "Candidacy screening",
        "Sam Example",
        "+15035550177",
        "Dr. Rivera",
        "F33.2",
        "Penicillin",
        "Sertraline",
    ]:
        assert text in page, text
    assert page.index("2024-03-05") < page.index("2024-01-10"), "weights newest first"
    assert "78.5 kg" in page


def test_the_chart_offers_edit_forms_only_to_roles_that_may_use_them(signed_in, staff, patient, client):
    page = signed_in(staff["therapist"]).get(chart_url(patient)).content.decode()
    assert "Add diagnosis" not in page and "Edit details" not in page and "Export" not in page
    client.logout()
    page = signed_in(staff["prescriber"]).get(chart_url(patient)).content.decode()
    assert "Add diagnosis" in page and "Edit details" in page and "Export" in page


# --- editing demographics --------------------------------------------------


def edit_form(patient, **changes):
    fields = {
        name: getattr(patient, name) or ""
        for name in [
            "first_name",
            "last_name",
            "preferred_name",
            "sex_at_birth",
            "gender_identity",
            "pronouns",
            "email",
            "phone",
            "address_line",
            "city",
            "region",
            "postal_code",
            "country",
            "emergency_contact_name",
            "emergency_contact_relationship",
            "emergency_contact_phone",
            "referring_clinician_name",
            "referring_clinician_practice",
            "referring_clinician_phone",
            "referring_clinician_email",
            "stage",
        ]
    }
    fields["date_of_birth"] = patient.date_of_birth.isoformat()
    fields["home_location"] = patient.home_location_id or ""
    fields.update(changes)
    return fields


def test_editing_contacts_saves_and_audits_field_names_only(signed_in, staff, patient, audit_entries):
    response = signed_in(staff["front_desk"]).post(
        reverse("patients:edit", args=[patient.pk]), edit_form(patient, phone="503-555-0199", email="new@example.org")
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert (patient.phone, patient.email) == ("+15035550199", "new@example.org")
    [entry] = audit_entries(patient=patient, action=AuditAction.UPDATE)
    assert entry.detail == {"fields": ["email", "phone"]}


def test_a_stage_change_is_audited_as_a_status_change(signed_in, staff, patient, audit_entries):
    client = signed_in(staff["nurse"])
    refused = client.post(reverse("patients:edit", args=[patient.pk]), edit_form(patient, stage="induction"))
    assert refused.status_code == 200 and "errorlist" in refused.content.decode()  # the reason is asked for
    patient.refresh_from_db()
    assert patient.stage == "registered"
    form = edit_form(patient, stage="induction", stage_reason="Started elsewhere")
    client.post(reverse("patients:edit", args=[patient.pk]), form)
    patient.refresh_from_db()
    assert patient.stage == "induction"
    [entry] = audit_entries(patient=patient, action=AuditAction.STATUS_CHANGE)
    assert entry.detail["fields"] == ["stage"] and entry.detail["reason"] == "Started elsewhere"
    assert not audit_entries(patient=patient, action=AuditAction.UPDATE)


def test_the_edit_page_is_audited_as_a_view(signed_in, staff, patient, audit_entries):
    response = signed_in(staff["front_desk"]).get(reverse("patients:edit", args=[patient.pk]))
    assert response.status_code == 200 and 'value="Pat1"' in response.content.decode()
    assert len(audit_entries(patient=patient, action=AuditAction.VIEW)) == 1


def test_a_therapist_cannot_edit_demographics(signed_in, staff, patient):
    client = signed_in(staff["therapist"])
    assert client.get(reverse("patients:edit", args=[patient.pk])).status_code == 403
    response = client.post(reverse("patients:edit", args=[patient.pk]), edit_form(patient, email="x@example.org"))
    assert response.status_code == 403
    patient.refresh_from_db()
    assert patient.email == "pat1@example.org"


def test_another_organisation_cannot_edit_our_patient(signed_in, other_staff, patient):
    response = signed_in(other_staff["front_desk"]).post(
        reverse("patients:edit", args=[patient.pk]), edit_form(patient, email="x@example.org")
    )
    assert response.status_code == 404
    patient.refresh_from_db()
    assert patient.email == "pat1@example.org"


def test_a_bad_phone_number_is_named_and_nothing_changes(signed_in, staff, patient, audit_entries):
    response = signed_in(staff["front_desk"]).post(
        reverse("patients:edit", args=[patient.pk]),
        edit_form(patient, email="new@example.org", referring_clinician_phone="call the office"),
    )
    assert response.status_code == 200
    assert "is not a phone number" in response.context["form"].errors["referring_clinician_phone"][0]
    patient.refresh_from_db()
    assert patient.email == "pat1@example.org"
    assert not audit_entries(patient=patient, action=AuditAction.UPDATE)


# --- clinical entries on the chart -----------------------------------------


def test_a_nurse_records_a_weight(signed_in, staff, patient, audit_entries):
    response = signed_in(staff["nurse"]).post(
        reverse("patients:weight_add", args=[patient.pk]), {"weight_kg": "71.4", "measured_on": "2024-05-01"}
    )
    assert response.status_code == 302 and response.url.endswith("#weights")
    weight = WeightMeasurement.objects.get(patient=patient)
    assert (str(weight.weight_kg), weight.measured_on) == ("71.4", dt.date(2024, 5, 1))
    assert weight.recorded_by == staff["nurse"]
    [entry] = audit_entries(patient=patient, action=AuditAction.CREATE)
    assert entry.object_type == "patients.weightmeasurement"
    assert entry.detail == {"fields": ["measured_on", "weight_kg"]}


@pytest.mark.parametrize(
    "weight_kg, measured_on, field, message",
    [
        ("20", "2024-05-01", "weight_kg", "greater than or equal to 30"),
        ("301", "2024-05-01", "weight_kg", "less than or equal to 300"),
        ("70", "2999-05-01", "measured_on", "The date cannot be in the future."),
        ("70", "1970-01-01", "measured_on", "before the date of birth"),
    ],
)
def test_an_impossible_weight_is_named_and_not_saved(signed_in, staff, patient, weight_kg, measured_on, field, message):
    response = signed_in(staff["nurse"]).post(
        reverse("patients:weight_add", args=[patient.pk]), {"weight_kg": weight_kg, "measured_on": measured_on}
    )
    assert response.status_code == 200
    assert message in response.context["weight_form"].errors[field][0]
    assert not WeightMeasurement.objects.exists()


def test_a_diagnosis_code_is_normalised(signed_in, staff, patient, audit_entries):
    signed_in(staff["prescriber"]).post(
        reverse("patients:diagnosis_add", args=[patient.pk]), {"icd10_code": "f332", "description": "MDD, severe"}
    )
    assert Diagnosis.objects.get(patient=patient).icd10_code == "F33.2"
    [entry] = audit_entries(patient=patient, action=AuditAction.CREATE)
    assert entry.detail == {"fields": ["description", "icd10_code"]}


def test_the_charts_empty_add_forms_are_rendered_once_and_a_refused_one_keeps_what_was_typed(
    signed_in, staff, patient, monkeypatch
):
    """Issue 19: the empty add-forms are the same HTML on every chart, so their widgets are rendered once per
    process; a refused form is never taken from there (it shows the typed value and the error), and the next
    chart's form is empty again."""
    client = signed_in(staff["prescriber"])
    first = client.get(chart_url(patient)).content.decode()
    rendered = []
    render_widget = Widget.render
    monkeypatch.setattr(
        Widget,
        "render",
        lambda self, name, *args, **kwargs: rendered.append(name) or render_widget(self, name, *args, **kwargs),
    )
    again = client.get(chart_url(patient)).content.decode()
    add_form_fields = {"icd10_code", "substance", "frequency", "weight_kg", "measured_on"}
    assert add_form_fields.isdisjoint(rendered)
    assert again.count('name="icd10_code"') == first.count('name="icd10_code"') == 1
    refused = client.post(
        reverse("patients:diagnosis_add", args=[patient.pk]), {"icd10_code": "depressed", "description": "MDD"}
    ).content.decode()
    assert 'value="depressed"' in refused and "is not an ICD-10-CM code" in refused
    assert "icd10_code" in rendered
    after = client.get(chart_url(patient)).content.decode()
    assert 'value="depressed"' not in after and "is not an ICD-10-CM code" not in after


@pytest.mark.parametrize("code", ["33.2", "F3", "depressed"])
def test_a_bad_diagnosis_code_is_named_and_not_saved(signed_in, staff, patient, code):
    response = signed_in(staff["prescriber"]).post(
        reverse("patients:diagnosis_add", args=[patient.pk]), {"icd10_code": code, "description": "MDD"}
    )
    assert "is not an ICD-10-CM code" in " ".join(response.context["diagnosis_form"].errors["icd10_code"])
    assert not Diagnosis.objects.exists()


def test_front_desk_cannot_add_a_diagnosis(signed_in, staff, patient):
    response = signed_in(staff["front_desk"]).post(
        reverse("patients:diagnosis_add", args=[patient.pk]), {"icd10_code": "F33.2", "description": "MDD"}
    )
    assert response.status_code == 403
    assert not Diagnosis.objects.exists()


def test_another_organisations_clinician_cannot_add_to_our_chart(signed_in, other_staff, patient):
    response = signed_in(other_staff["nurse"]).post(
        reverse("patients:weight_add", args=[patient.pk]), {"weight_kg": "70", "measured_on": "2024-05-01"}
    )
    assert response.status_code == 404
    assert not WeightMeasurement.objects.exists()


def test_allergies_and_medications_are_added(signed_in, staff, patient):
    client = signed_in(staff["nurse"])
    client.post(reverse("patients:allergy_add", args=[patient.pk]), {"substance": "Latex", "severity": "mild"})
    client.post(
        reverse("patients:medication_add", args=[patient.pk]),
        {"name": "Bupropion", "dose": "150 mg", "started_on": "2023-02-01"},
    )
    assert [a.substance for a in patient.allergies.all()] == ["Latex"]
    assert [m.name for m in patient.medications.all()] == ["Bupropion"]


def test_a_diagnosis_is_resolved_and_that_is_audited(signed_in, staff, patient, audit_entries):
    diagnosis = actions.do_add_diagnosis(staff["prescriber"], patient.pk, icd10_code="F33.2", description="MDD")
    response = signed_in(staff["prescriber"]).post(
        reverse("patients:diagnosis_status", args=[patient.pk, diagnosis.pk]), {"status": "resolved"}
    )
    assert response.status_code == 302
    diagnosis.refresh_from_db()
    assert diagnosis.status == "resolved"
    [entry] = audit_entries(patient=patient, action=AuditAction.STATUS_CHANGE)
    assert (entry.object_id, entry.detail) == (str(diagnosis.pk), {"fields": ["status"]})


def test_an_allergy_is_marked_inactive(signed_in, staff, patient):
    allergy = actions.do_add_allergy(staff["nurse"], patient.pk, substance="Latex")
    url = reverse("patients:allergy_status", args=[patient.pk, allergy.pk])
    signed_in(staff["nurse"]).post(url, {"status": "inactive"})
    allergy.refresh_from_db()
    assert allergy.status == "inactive"


def test_stopping_a_medication_needs_the_date_it_stopped(signed_in, staff, patient, audit_entries):
    medication = actions.do_add_medication(
        staff["nurse"], patient.pk, name="Sertraline", started_on=dt.date(2023, 1, 1)
    )
    client = signed_in(staff["nurse"])
    url = reverse("patients:medication_status", args=[patient.pk, medication.pk])

    response = client.post(url, {"status": "stopped"}, follow=True)
    assert "Stopped on: Enter the date the medication was stopped." in response.content.decode()
    medication.refresh_from_db()
    assert medication.status == "active"
    assert not audit_entries(action=AuditAction.STATUS_CHANGE)

    client.post(url, {"status": "stopped", "stopped_on": "2024-02-01"})
    medication.refresh_from_db()
    assert (medication.status, medication.stopped_on) == ("stopped", dt.date(2024, 2, 1))
    assert audit_entries(action=AuditAction.STATUS_CHANGE)[0].detail == {"fields": ["status", "stopped_on"]}


def test_an_entry_of_another_patient_cannot_be_changed_through_this_chart(signed_in, staff, patient, second_patient):
    theirs = actions.do_add_medication(staff["nurse"], second_patient.pk, name="Lithium")
    response = signed_in(staff["nurse"]).post(
        reverse("patients:medication_status", args=[patient.pk, theirs.pk]), {"status": "entered_in_error"}
    )
    assert response.status_code == 404
    assert Medication.objects.get(pk=theirs.pk).status == "active"


# --- export ----------------------------------------------------------------


@pytest.mark.parametrize("role", ["prescriber", "clinic_admin"])
def test_the_record_is_exported_as_json_and_audited(signed_in, staff, patient, role, audit_entries):
    actions.do_add_diagnosis(staff["prescriber"], patient.pk, icd10_code="F33.2", description="MDD")
    response = signed_in(staff[role]).get(reverse("patients:export", args=[patient.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="T-00001.json"'
    record = json.loads(response.content)
    assert (record["record_number"], record["diagnoses"][0]["icd10_code"]) == ("T-00001", "F33.2")
    [entry] = audit_entries(patient=patient, action=AuditAction.EXPORT)
    assert entry.actor == staff[role]
    assert not audit_entries(patient=patient, action=AuditAction.VIEW)


@pytest.mark.parametrize("role", ["front_desk", "nurse", "therapist"])
def test_other_roles_cannot_export(signed_in, staff, patient, role, audit_entries):
    assert signed_in(staff[role]).get(reverse("patients:export", args=[patient.pk])).status_code == 403
    assert not audit_entries(action=AuditAction.EXPORT)


def test_an_empty_status_change_on_another_organisations_chart_is_not_found(signed_in, other_staff, staff, patient):
    diagnosis = actions.do_add_diagnosis(staff["nurse"], patient.pk, icd10_code="F33.2", description="MDD")
    response = signed_in(other_staff["nurse"]).post(
        reverse("patients:diagnosis_status", args=[patient.pk, diagnosis.pk])
    )
    assert response.status_code == 404
