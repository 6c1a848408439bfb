"""Signed consents (issue 16), given the lawful way: through consents' signing action, as staff in person.

A plan or session on a route needs a valid signed consent covering it (esketamine: and the REMS
enrollment); make_plan_ready() signs them, so every builder that makes a plan passes the gate.
"""

import base64
import io

import pytest
from PIL import Image, ImageDraw

from ketacare.consents import actions as consent_actions
from ketacare.consents.builtins import seed_consent_templates
from ketacare.consents.domain.rules import required_coverage
from ketacare.consents.selectors import covered_now, template_for_coverage


def signature_png(width: int = 300, height: int = 100) -> bytes:
    """A drawn-looking signature: a dark zig-zag on a transparent canvas, as the signing page sends."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = [(10 + i * 20, 30 if i % 2 else 70) for i in range(14)]
    draw.line(points, fill=(20, 20, 20, 255), width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def signature_data_url(png: bytes | None = None) -> str:
    return "data:image/png;base64," + base64.b64encode(png if png is not None else signature_png()).decode()


def sign_consents_for_route(patient, route: str, staff_member):
    """Sign, in person with `staff_member`, the clinic's current text for each consent `route` still needs."""
    seed_consent_templates()
    signed = []
    covered = covered_now(patient)
    for coverage in required_coverage(route):
        if coverage.value in covered:
            continue
        template = template_for_coverage(patient.organisation_id, coverage)
        consent = consent_actions.do_sign_consent(
            staff_member,
            patient.pk,
            template_id=template.pk,
            typed_name=patient.full_name,
            signature_data_url=signature_data_url(),
            channel="in_person",
        )
        covered.update(consent.template.covers)
        signed.append(consent)
    return signed


@pytest.fixture(name="sign_consents_for_route")
def sign_consents_for_route_fixture():
    """sign_consents_for_route(patient, route, staff_member) -> the consents signed in person for a plan route."""
    return sign_consents_for_route


@pytest.fixture(name="signature_data_url")
def signature_data_url_fixture():
    """signature_data_url(png=None) -> a canvas-like PNG data URL (a drawn zig-zag by default)."""
    return signature_data_url
