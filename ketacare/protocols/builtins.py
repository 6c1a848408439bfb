"""The built-in protocol templates (organisation None), each value naming its source.

Created by migration 0002 through seed_protocols(); seed_protocols() is idempotent, so it can
also be called by seed-demo. Clinics edit them into versions of their own; the rows here stay
as shipped. Not medical advice: see CLINICAL.md §1–§2.
"""

_PREPARATION_IV = (
    "Follow the fasting instructions your clinic gives you (clinic policy).\n"
    "Arrange for an adult to drive you home: you must not drive or operate machinery until the next day "
    "after a restful sleep."
)
_PREPARATION_ESKETAMINE = (
    "No food for 2 hours and no liquids for 30 minutes before the dose; use any nasal corticosteroid or "
    "decongestant at least 1 hour before (CLINICAL.md §2).\n"
    "Arrange transport home: no driving or operating machinery until the next day after a restful sleep "
    "(Spravato label)."
)
_QUESTIONNAIRES = [
    {"instrument": "phq9", "timing": "before each session"},
    {"instrument": "gad7", "timing": "before each session"},
    {"instrument": "cssrs_screener", "timing": "before each session"},
    {"instrument": "cadss", "timing": "after dosing"},
]

BUILTIN_TEMPLATES: list[dict] = [
    {
        "code": "iv-racemic-ketamine",
        "name": "IV racemic ketamine 0.5 mg/kg over 40 min, induction of 6",
        "route": "iv",
        "drug": "ketamine_racemic",
        "dose_mg_per_kg": "0.500",
        "min_dose_mg_per_kg": "0.100",
        "max_dose_mg_per_kg": "0.750",
        "hard_cap_dose_mg_per_kg": "1.000",
        "titration_steps_mg_per_kg": ["0.5", "0.75"],
        "infusion_min": 40,
        "induction_session_count": 6,
        "induction_window_days": 21,
        "sessions_per_week_min": 2,
        "sessions_per_week_max": 3,
        "min_days_between": 1,
        "maintenance_description": (
            "Evidence is weak: individualise, dosing a little before the effect of the previous session is "
            "expected to wear off (Andrade 2017)."
        ),
        "session_length_min": 120,
        "vital_check_times_min": [0, 15, 30, 40, 60, 90, 120],
        "bp_delay_systolic_mmhg": 140,
        "bp_delay_diastolic_mmhg": 90,
        "bp_stop_systolic_mmhg": 180,
        "bp_stop_diastolic_mmhg": 100,
        "preparation_instructions": _PREPARATION_IV,
        "questionnaires_due": _QUESTIONNAIRES,
        "source": (
            "Dose 0.5 mg/kg over 40 min: Andrade, J Clin Psychiatry 2017;78:e852; ELEKT-D, NEJM 2023 (pubmed 37224232). "
            "Range 0.1–0.75 mg/kg: Andrade 2017. Hard cap 1.0 mg/kg: highest dose tested in Fava et al. "
            "(NCT01920555) — clinic policy. Induction 6 sessions at 2–3 a week within 21 days: Murrough, Biol "
            "Psychiatry 2013;74:250 (3×/week); ELEKT-D (2×/week × 3 weeks). BP 140/90 delay: the esketamine label "
            "anchor (§5.6), UNVERIFIED for IV; 180/100 stop: UNVERIFIED (commonly attributed to the APA consensus). "
            "Session length, check times and rounding: clinic choices. CLINICAL.md §1."
        ),
    },
    {
        "code": "esketamine-nasal",
        "name": "Esketamine nasal spray (Spravato) per US label, TRD",
        "route": "intranasal_esketamine",
        "drug": "esketamine",
        "fixed_dose_schedule": [
            {
                "phase": "induction",
                "weeks": "1-4",
                "frequency": "twice a week",
                "first_dose_mg": 56,
                "dose_mg_options": [56, 84],
            },
            {"phase": "maintenance", "weeks": "5-8", "frequency": "once a week", "dose_mg_options": [56, 84]},
            {
                "phase": "maintenance",
                "weeks": "9+",
                "frequency": "every 2 weeks or once a week",
                "dose_mg_options": [56, 84],
            },
        ],
        "max_dose_mg_per_session": "84.000",
        "min_dose_mg_per_session": "56.000",
        "induction_session_count": 8,
        "induction_window_days": 28,
        "sessions_per_week_min": 2,
        "sessions_per_week_max": 2,
        "min_days_between": 2,
        "maintenance_description": (
            "Weeks 5–8: 56 or 84 mg once weekly. Week 9 on: 56 or 84 mg every 2 weeks or weekly, the lowest "
            "frequency that keeps remission/response. Evaluate benefit at the end of the 4-week induction."
        ),
        "session_length_min": 120,
        "vital_check_times_min": [0, 40, 120],
        "bp_delay_systolic_mmhg": 140,
        "bp_delay_diastolic_mmhg": 90,
        "preparation_instructions": _PREPARATION_ESKETAMINE,
        "questionnaires_due": _QUESTIONNAIRES,
        "source": (
            "Spravato US label and spravatohcp.com (CLINICAL.md §2): weeks 1–4 twice a week, day 1 56 mg then 56 "
            "or 84 mg; weeks 5–8 weekly; week 9+ weekly or every 2 weeks. 28 mg per device, 5 min rest after each "
            "device. Monitor at least 2 h and until stable (REMS). BP before dosing, ~40 min after and before "
            "discharge; >140/90 → weigh delaying therapy (label §5.6). No BP stop level is given by the label."
        ),
    },
    {
        "code": "im-racemic-ketamine",
        "name": "IM racemic ketamine (clinic-set dose)",
        "route": "im",
        "drug": "ketamine_racemic",
        "induction_session_count": 6,
        "induction_window_days": 21,
        "sessions_per_week_min": 2,
        "sessions_per_week_max": 3,
        "min_days_between": 1,
        "session_length_min": 120,
        "vital_check_times_min": [0, 15, 30, 60, 90, 120],
        "preparation_instructions": _PREPARATION_IV,
        "questionnaires_due": _QUESTIONNAIRES,
        "source": (
            "UNVERIFIED: no mg/kg for depression by IM is confirmed in a primary text (CLINICAL.md §1; IM bolus "
            "described as safe/effective, Andrade 2017; bioavailability ~93%). The clinic must set the dose and "
            "its limits before use."
        ),
    },
    {
        "code": "sublingual-racemic-ketamine",
        "name": "Sublingual racemic ketamine (clinic-set dose)",
        "route": "sublingual",
        "drug": "ketamine_racemic",
        "induction_session_count": 6,
        "induction_window_days": 21,
        "sessions_per_week_min": 2,
        "sessions_per_week_max": 3,
        "min_days_between": 1,
        "session_length_min": 120,
        "vital_check_times_min": [0, 30, 60, 120],
        "preparation_instructions": _PREPARATION_IV,
        "questionnaires_due": _QUESTIONNAIRES,
        "source": (
            "UNVERIFIED: bioavailability ~29–32% (Rolan 2014; Chong 2006); 10 mg 'very low dose' SL reported "
            "(Lara 2013). No dose for depression is confirmed (CLINICAL.md §1). The clinic must set the dose and "
            "its limits before use."
        ),
    },
]


def seed_protocols(template_model=None) -> int:
    """Create any missing built-in template (version 1); returns how many were created.

    `template_model` is the historical model when called from a migration.
    """
    if template_model is None:
        from ketacare.protocols.models import ProtocolTemplate as template_model
    created = 0
    for values in BUILTIN_TEMPLATES:
        _, was_created = template_model.objects.get_or_create(
            organisation=None, code=values["code"], version=1, defaults=values
        )
        created += was_created
    return created
