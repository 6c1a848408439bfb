"""Signed consents for the demo patients (issue 16): each patient signs, in person with a nurse, the
clinic's current consent texts their plan's route needs (esketamine: and the REMS enrollment) before
the plan is made, through the signing action, as a clinic would."""

import base64
import io

from PIL import Image, ImageDraw

from ketacare.consents.actions import do_sign_consent
from ketacare.consents.builtins import seed_consent_templates
from ketacare.consents.domain.rules import required_coverage
from ketacare.consents.selectors import covered_now, template_for_coverage
from ketacare.patients.models import Patient


def _drawn_signature(seed: int) -> str:
    """A signature-like stroke (varies per patient), as the canvas on the signing page sends it."""
    image = Image.new("RGBA", (360, 120), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = [(12 + i * 24, 40 + ((i * 7 + seed) % 5) * 12) for i in range(14)]
    draw.line(points, fill=(25, 25, 60, 255), width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def sign_consents_for_plan(staff_member, patient: Patient, protocol_route: str) -> None:
    """Sign what a plan on `protocol_route` still needs (nothing if already valid)."""
    seed_consent_templates()
    covered = covered_now(patient)
    for coverage in required_coverage(protocol_route):
        if coverage.value in covered:
            continue
        template = template_for_coverage(patient.organisation_id, coverage)
        consent = do_sign_consent(
            staff_member,
            patient.pk,
            template_id=template.pk,
            typed_name=patient.full_name,
            signature_data_url=_drawn_signature(patient.pk),
            channel="in_person",
        )
        covered.update(consent.template.covers)
