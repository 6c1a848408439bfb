"""The built-in consent texts (organisation None): examples a clinic must review before use.

Created by migration 0002 through seed_consent_templates(), which is idempotent (seed-demo and the
test builders may call it too), as protocols ships its built-in templates. Clinics edit them into
versions of their own (ConsentTemplate). The facts each text rests on are sourced from
CLINICAL.md §1–§2; docs/consent.md lists the sources. Not legal or medical advice.
"""

from ketacare.consents.domain.rules import Coverage

EXAMPLE_NOTICE = (
    "> **Example text: your clinic must review it.** KetaCare ships this wording as a starting point only; "
    "it is not legal or medical advice. A clinic admin edits it into the clinic's own version.\n\n"
)

_NO_DRIVING = (
    "- **No driving** or operating machinery until the next day, after a restful sleep. An adult must take me "
    "home. (Spravato label; the same rule is applied to ketamine: CLINICAL.md §1–§2.)\n"
)

_KETAMINE_EFFECTS = (
    "## Common effects\n\n"
    "- **Dissociation**: feeling detached from my body or surroundings, changes in sight and sound; it usually "
    "passes within the monitoring period.\n"
    "- **A rise in blood pressure** during and shortly after treatment, peaking about 40 minutes after the start; "
    "my blood pressure is measured before and during treatment, and treatment may be delayed or stopped if it "
    "is too high.\n"
    "- **Nausea**, dizziness, drowsiness and headache.\n\n"
)


def _ketamine_body(route_words: str) -> str:
    return (
        EXAMPLE_NOTICE + f"## Treatment\n\nI agree to receive racemic ketamine {route_words} for depression. I "
        "understand that ketamine is approved by the FDA as an anaesthetic: its use for depression is **off-label**, "
        "and the evidence for repeated and maintenance treatment is limited (CANMAT 2021: third-line).\n\n"
        + _KETAMINE_EFFECTS
        + "## Safety\n\n"
        "- I will be monitored by clinical staff until I am fit to leave.\n"
        + _NO_DRIVING
        + "- I will tell the clinic about every medicine I take, and about any history of substance use, psychosis, "
        "high blood pressure or heart disease.\n\n"
        "## My choice\n\nI may ask questions at any time, and I may withdraw this consent at any time; withdrawing "
        "does not affect my other care.\n"
    )


_KETAMINE_SOURCE = (
    "Off-label status and evidence grade: CANMAT Task Force, Can J Psychiatry 2021;66:113 (CLINICAL.md §1). "
    "Blood-pressure rise peaking ~40 min: Gen Hosp Psychiatry 2024 (doi 10.1016/j.genhosppsych.2024.07.001), "
    "label §5.6 (CLINICAL.md §1–§2). Dissociation: CADSS data, Spravato label (CLINICAL.md §2). No driving until "
    "the next day after restful sleep: Spravato label (CLINICAL.md §2), applied to ketamine as clinic policy. "
    "Validity of 12 months: clinic policy (UNVERIFIED as a standard), editable."
)


def _treatment(key: str, title: str, route_words: str, coverage: Coverage) -> dict:
    return {
        "key": key,
        "title": title,
        "body_markdown": _ketamine_body(route_words),
        "covers": [coverage.value],
        "valid_months": 12,
        "source": _KETAMINE_SOURCE,
    }


BUILTIN_CONSENT_TEMPLATES: list[dict] = [
    _treatment("ketamine-iv", "Consent to IV ketamine treatment", "by intravenous infusion", Coverage.KETAMINE_IV),
    _treatment("ketamine-im", "Consent to IM ketamine treatment", "by intramuscular injection", Coverage.KETAMINE_IM),
    _treatment(
        "ketamine-sublingual",
        "Consent to sublingual ketamine treatment",
        "as a tablet or lozenge held under the tongue",
        Coverage.KETAMINE_SUBLINGUAL,
    ),
    {
        "key": "esketamine",
        "title": "Consent to esketamine (Spravato) nasal spray treatment",
        "body_markdown": EXAMPLE_NOTICE + "## Treatment\n\nI agree to receive esketamine nasal spray (Spravato), "
        "approved by the FDA for treatment-resistant depression in adults, at the clinic under supervision. "
        "It is never given to take home.\n\n" + _KETAMINE_EFFECTS + "Sedation and, rarely, slowed breathing "
        "(respiratory depression) can occur.\n\n## Safety\n\n"
        "- I will stay at the clinic and be monitored **for at least 2 hours** after each dose, and until the "
        "effects have resolved, including my breathing with a pulse oximeter (Spravato REMS).\n"
        "- No food for 2 hours and no drink for 30 minutes before each dose.\n"
        + _NO_DRIVING
        + "\n## My choice\n\nI may withdraw this consent at any time; withdrawing does not affect my other care.\n",
        "covers": [Coverage.ESKETAMINE.value],
        "valid_months": 12,
        "source": (
            "Indication, sedation, dissociation, respiratory depression, 2-hour monitoring until resolution, pulse "
            "oximetry, no driving until next day after restful sleep, pre-dose food and drink: Spravato label and "
            "REMS (FDA REMS summary REMS=386; spravatohcp.com), CLINICAL.md §2. Validity of 12 months: clinic "
            "policy (UNVERIFIED as a standard), editable."
        ),
    },
    {
        "key": "rems-enrollment",
        "title": "Spravato REMS patient enrollment",
        "body_markdown": EXAMPLE_NOTICE + "## Spravato REMS patient enrollment\n\nI understand that esketamine "
        "(Spravato) is available only through a restricted programme, the **Spravato REMS**, because of the "
        "risks of sedation, dissociation, respiratory depression and abuse or misuse.\n\n"
        "- I must be enrolled in the REMS **before my first treatment**.\n"
        "- I will be monitored at a certified treatment setting for **at least 2 hours** after each dose and "
        "until I am ready to leave.\n"
        "- The clinic sends a Patient Monitoring Form to the REMS after every session.\n"
        "- I will not take Spravato home; " + _NO_DRIVING[2:].replace("**No driving**", "no driving"),
        "covers": [Coverage.REMS_ENROLLMENT.value],
        "valid_months": None,
        "source": (
            "REMS requirements (enrollment before first treatment, certified setting, ≥2 h monitoring, PMF after "
            "every session): FDA REMS summary REMS=386, spravatorems.com (CLINICAL.md §2). The official enrollment "
            "form is Janssen's: this text records the patient's signature and does not replace it."
        ),
    },
    {
        "key": "integration-therapy",
        "title": "Consent to integration therapy",
        "body_markdown": EXAMPLE_NOTICE + "I agree to integration therapy sessions with a therapist of the clinic "
        "to talk through my treatment experiences. Notes are kept in my record; psychotherapy notes are kept "
        "apart and read only by their author and my treating prescriber. I may stop at any time.\n",
        "covers": [Coverage.INTEGRATION_THERAPY.value],
        "valid_months": 12,
        "source": "Clinic policy (no clinical fact cited).",
    },
    {
        "key": "telehealth",
        "title": "Consent to telehealth visits",
        "body_markdown": EXAMPLE_NOTICE + "I agree to consultations by secure video or telephone. I understand "
        "that no ketamine or esketamine is given by telehealth in this clinic, that a visit may be moved to the "
        "clinic if needed, and that I can ask for an in-person visit at any time.\n",
        "covers": [Coverage.TELEHEALTH.value],
        "valid_months": 12,
        "source": "Clinic policy (no clinical fact cited).",
    },
    {
        "key": "financial-policy",
        "title": "Financial policy",
        "body_markdown": EXAMPLE_NOTICE + "I have read the clinic's fees, cancellation and payment policy. I "
        "understand that insurance may not cover off-label ketamine treatment and that I am responsible for "
        "charges it does not pay.\n",
        "covers": [Coverage.FINANCIAL_POLICY.value],
        "valid_months": None,
        "source": "Clinic policy; off-label status of ketamine for depression: CLINICAL.md §1.",
    },
    {
        "key": "privacy-notice",
        "title": "Acknowledgement of the notice of privacy practices",
        "body_markdown": EXAMPLE_NOTICE + "I acknowledge that I have received the clinic's Notice of Privacy "
        "Practices (HIPAA), which describes how my health information may be used and disclosed and my rights.\n",
        "covers": [Coverage.PRIVACY_NOTICE.value],
        "valid_months": None,
        "source": "HIPAA notice acknowledgement: clinic policy (45 CFR 164.520, UNVERIFIED here).",
    },
]


def seed_consent_templates(template_model=None) -> None:
    """Create the built-in texts (version 1.0) that are missing; existing rows are left as shipped."""
    if template_model is None:
        from ketacare.consents.models import ConsentTemplate as template_model
    for values in BUILTIN_CONSENT_TEMPLATES:
        template_model.objects.get_or_create(
            organisation=None,
            key=values["key"],
            version_major=1,
            version_minor=0,
            defaults={name: value for name, value in values.items() if name != "key"},
        )
