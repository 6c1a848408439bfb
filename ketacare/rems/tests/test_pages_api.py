"""REMS pages, the printable form and the API."""

from ketacare.audit.models import AuditAction
from ketacare.rems.models import MonitoringForm, RemsCertification, RemsEnrollment

API = "/api/v1/rems"


def test_dashboard_page_by_role(signed_in, staff, make_chart, other_staff):
    make_chart()
    page = signed_in(staff["nurse"]).get("/rems/")
    assert page.status_code == 200 and b"Start the form" in page.content and b"Pat1 Example1" in page.content
    assert signed_in(staff["front_desk"]).get("/rems/").status_code == 403
    assert b"Pat1 Example1" not in signed_in(other_staff["nurse"]).get("/rems/").content


def test_from_session_to_finalised_form_in_pages(signed_in, staff, make_chart, audit_entries):
    session = make_chart()
    client = signed_in(staff["nurse"])
    response = client.post(f"/rems/sessions/{session.pk}/form/")
    form = MonitoringForm.objects.get(session=session)
    assert response.status_code == 302 and response["Location"] == f"/rems/forms/{form.pk}/"
    page = client.get(f"/rems/forms/{form.pk}/")
    assert b"LOT-ESK-42" in page.content and b"Missing before" not in page.content
    # Clearing a field and finalising: refused, naming it.
    data = {name: (value if value is not None else "") for name, value in page.context["edit_form"].initial.items()}
    data.update({"lot_number": "", "sedation": "no", "dissociation": "yes", "respiratory_depression": "no"})
    for name in (
        "first_treatment",
        "vitals_in_range_before_dose",
        "vitals_in_range_before_leaving",
        "benzodiazepines",
        "non_benzodiazepine_sedative_hypnotics",
        "psychostimulants",
        "maois",
        "opioids",
    ):
        data[name] = {True: "yes", False: "no"}[getattr(form, name)]
    data["treatment_date"] = form.treatment_date.isoformat()
    assert client.post(f"/rems/forms/{form.pk}/", data).status_code == 302
    client.post(f"/rems/forms/{form.pk}/finalise/")
    page = client.get(f"/rems/forms/{form.pk}/")
    assert b"Not finalised" in page.content and b"Lot number is required" in page.content
    assert MonitoringForm.objects.get(pk=form.pk).status == "draft"
    data["lot_number"] = "LOT-ESK-43"
    client.post(f"/rems/forms/{form.pk}/", data)
    client.post(f"/rems/forms/{form.pk}/finalise/")
    form.refresh_from_db()
    assert (form.status, form.lot_number, form.dissociation) == ("finalised", "LOT-ESK-43", True)
    pdf = client.get(f"/rems/forms/{form.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert audit_entries(object_type="rems.monitoringform", action=AuditAction.EXPORT)


def test_certification_and_enrollment_pages(signed_in, staff, patient, portland):
    admin = signed_in(staff["clinic_admin"])
    response = admin.post(
        "/rems/certifications/",
        {
            "location_id": portland.pk,
            "certificate_id": "HCS-1",
            "certified_on": "2026-01-05",
            "authorized_representative": "Dana Rivera",
        },
    )
    assert response.status_code == 302 and RemsCertification.objects.get().certificate_id == "HCS-1"
    bad = admin.post(
        "/rems/certifications/",
        {"location_id": portland.pk, "certificate_id": "", "certified_on": "x", "authorized_representative": ""},
    )
    assert bad.status_code == 200 and RemsCertification.objects.count() == 1
    assert signed_in(staff["nurse"]).post("/rems/certifications/", {}).status_code == 403
    prescriber = signed_in(staff["prescriber"])
    assert b"Not enrolled" in prescriber.get(f"/rems/patients/{patient.pk}/").content
    response = prescriber.post(
        f"/rems/patients/{patient.pk}/",
        {
            "enrollment_id": "PT-1",
            "enrolled_on": "2026-11-01",
            "enrolled_by_id": staff["prescriber"].pk,
        },
    )
    assert response.status_code == 302 and RemsEnrollment.objects.get().enrollment_id == "PT-1"


def test_api_round_trip(signed_in, staff, patient, portland, make_chart):
    admin = signed_in(staff["clinic_admin"])
    response = admin.post(
        f"{API}/certifications",
        {
            "location_id": portland.pk,
            "certificate_id": "HCS-9",
            "certified_on": "2026-01-05",
            "authorized_representative": "Dana",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    response = admin.post(
        f"{API}/patients/{patient.pk}/enrollments",
        {
            "enrollment_id": "PT-9",
            "enrolled_on": "2026-11-01",
            "enrolled_by_id": staff["prescriber"].pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    nurse = signed_in(staff["nurse"])
    session = make_chart(medicines=None)
    body = nurse.post(f"{API}/sessions/{session.pk}/form").json()
    assert body["dose_mg"] == 56 and body["missing"] == [
        "benzodiazepines",
        "non_benzodiazepine_sedative_hypnotics",
        "psychostimulants",
        "maois",
        "opioids",
    ]
    refused = nurse.post(f"{API}/forms/{body['id']}/finalise")
    assert refused.status_code == 422
    assert {d["loc"][1] for d in refused.json()["detail"]} == set(body["missing"])
    changed = nurse.patch(
        f"{API}/forms/{body['id']}", dict.fromkeys(body["missing"], False), content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["missing"] == []
    assert nurse.post(f"{API}/forms/{body['id']}/finalise").json()["status"] == "finalised"
    assert nurse.patch(f"{API}/forms/{body['id']}", {"dose_mg": 84}, content_type="application/json").status_code == 422
    dashboard = nurse.get(f"{API}/dashboard").json()
    assert dashboard["due"][0]["form_id"] == body["id"]
    assert [loc["certified"] for loc in dashboard["locations"]] == [False, True]  # Boston, Portland
    assert nurse.get(f"{API}/forms/999999").status_code == 404
    assert signed_in(staff["front_desk"]).get(f"{API}/dashboard").status_code == 403
