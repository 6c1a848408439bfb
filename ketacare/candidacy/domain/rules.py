"""Contraindication, caution and information rules, one object per rule.

Esketamine rules follow its US label (CLINICAL.md §2). Racemic ketamine for
depression is off-label: its rules follow the APA consensus (CLINICAL.md §1), apply
the esketamine label where the pharmacology is the same (racemic ketamine contains
esketamine and raises blood pressure the same way; marked DERIVED) and leave
exclusions that are clinic choices to CandidacyPolicy. A rule's explanation is a
template filled from what its `match` found.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ketacare.candidacy.domain.case import (
    Case,
    DisorderStatus,
    Hypertension,
    LiverDisease,
    MedicalHistory,
    Psychosis,
    Response,
    Vitals,
)
from ketacare.candidacy.domain.drugs import MEDICINE_CLASSES, DrugClass, normalize_drug_name
from ketacare.candidacy.domain.findings import (
    ALL_ROUTES,
    ESKETAMINE_ROUTES,
    RACEMIC_ROUTES,
    Route,
    Severity,
)
from ketacare.candidacy.domain.policy import CandidacyPolicy
from ketacare.candidacy.domain.trd import TrdAssessment, TrialStatus

# Substances whose use disorder means misuse of ketamine itself or a close relative.
DISSOCIATIVE_SUBSTANCES = frozenset({"ketamine", "esketamine", "phencyclidine", "pcp"})


@dataclass(frozen=True)
class Context:
    """What the rules look at: the case plus what was derived from it once."""

    case: Case
    policy: CandidacyPolicy
    age_years: int
    trd: TrdAssessment
    medicines: Mapping[DrugClass, tuple[str, ...]]  # names taken now, by class

    @property
    def history(self) -> MedicalHistory:
        return self.case.medical_history

    @property
    def vitals(self) -> Vitals | None:
        return self.case.baseline_vitals


def current_medicines_by_class(case: Case) -> dict[DrugClass, tuple[str, ...]]:
    """Listed current medicines, plus ongoing antidepressant trials of a listed class (an MAOI)."""
    named: dict[DrugClass, dict[str, str]] = {}
    for medicine in case.current_medications:
        named.setdefault(medicine.drug_class, {})[normalize_drug_name(medicine.name)] = medicine.name
    for trial in case.trials:
        drug_class = MEDICINE_CLASSES.get(normalize_drug_name(trial.drug))
        if trial.ongoing and drug_class is not None:
            named.setdefault(drug_class, {}).setdefault(normalize_drug_name(trial.drug), trial.drug)
    return {drug_class: tuple(names.values()) for drug_class, names in named.items()}


Match = Callable[[Context], Mapping[str, object] | None]
SeverityRule = Callable[[CandidacyPolicy], Severity]


@dataclass(frozen=True)
class Rule:
    code: str
    routes: frozenset[Route]
    severity: SeverityRule
    match: Match
    explanation: str
    source: str


def always(severity: Severity) -> SeverityRule:
    return lambda policy: severity


def from_policy(parameter: str) -> SeverityRule:
    return lambda policy: getattr(policy, parameter)


def when(predicate: Callable[[Context], bool]) -> Match:
    return lambda context: {} if predicate(context) else None


def _taking(drug_class: DrugClass) -> Match:
    return lambda context: (
        {"names": ", ".join(context.medicines[drug_class])} if drug_class in context.medicines else None
    )


def _not_adult(context: Context) -> Mapping[str, object] | None:
    if context.age_years >= context.policy.adult_age_years:
        return None
    return {"age_years": context.age_years, "adult_age_years": context.policy.adult_age_years}


def _older_adult(context: Context) -> Mapping[str, object] | None:
    if context.age_years < context.policy.older_adult_age_years:
        return None
    return {"age_years": context.age_years, "older_adult_age_years": context.policy.older_adult_age_years}


def _trd_not_met(context: Context) -> Mapping[str, object] | None:
    if context.trd.met:
        return None
    return {"failures": context.trd.adequate_failures, "threshold": context.trd.threshold}


def _racemic_trd_not_met(context: Context) -> Mapping[str, object] | None:
    found = _trd_not_met(context)
    if found is None:
        return None
    policy = "requires" if context.policy.require_trd_for_racemic else "does not require"
    return {**found, "policy": policy}


def _above_trial_range(context: Context) -> Mapping[str, object] | None:
    maximum = context.policy.esketamine_trial_maximum_failed_trials
    if context.trd.adequate_failures <= maximum:
        return None
    return {"failures": context.trd.adequate_failures, "maximum": maximum, "threshold": context.trd.threshold}


def _trials_with_status(status: TrialStatus) -> Match:
    def match(context: Context) -> Mapping[str, object] | None:
        drugs = [f"{trial.drug} (trials[{trial.index}])" for trial in context.trd.trials if trial.status is status]
        return {"drugs": ", ".join(drugs)} if drugs else None

    return match


def _bp_hold(context: Context) -> bool:
    vitals, policy = context.vitals, context.policy
    return vitals is not None and (
        vitals.systolic_mmhg > policy.bp_hold_systolic_mmhg or vitals.diastolic_mmhg > policy.bp_hold_diastolic_mmhg
    )


def _bp_above(systolic_parameter: str, diastolic_parameter: str) -> Match:
    """BP above the caution line (either number), unless it is already above the hold line."""

    def match(context: Context) -> Mapping[str, object] | None:
        vitals = context.vitals
        limit_systolic = getattr(context.policy, systolic_parameter)
        limit_diastolic = getattr(context.policy, diastolic_parameter)
        if vitals is None or _bp_hold(context):
            return None
        if vitals.systolic_mmhg <= limit_systolic and vitals.diastolic_mmhg <= limit_diastolic:
            return None
        return {
            "systolic": f"{vitals.systolic_mmhg:g}",
            "diastolic": f"{vitals.diastolic_mmhg:g}",
            "limit_systolic": limit_systolic,
            "limit_diastolic": limit_diastolic,
        }

    return match


def _bp_hold_match(context: Context) -> Mapping[str, object] | None:
    if not _bp_hold(context):
        return None
    assert context.vitals is not None
    return {
        "systolic": f"{context.vitals.systolic_mmhg:g}",
        "diastolic": f"{context.vitals.diastolic_mmhg:g}",
        "limit_systolic": context.policy.bp_hold_systolic_mmhg,
        "limit_diastolic": context.policy.bp_hold_diastolic_mmhg,
    }


def _tachycardia(context: Context) -> Mapping[str, object] | None:
    vitals, limit = context.vitals, context.policy.heart_rate_caution_bpm
    if vitals is None or vitals.heart_rate_bpm is None or vitals.heart_rate_bpm <= limit:
        return None
    return {"heart_rate": f"{vitals.heart_rate_bpm:g}", "limit": limit}


def _low_spo2(context: Context) -> Mapping[str, object] | None:
    vitals = context.vitals
    limit = context.policy.spo2_caution_below_percent
    if vitals is None or vitals.spo2_percent is None or vitals.spo2_percent >= limit:
        return None
    return {"spo2": f"{vitals.spo2_percent:g}", "limit": f"{limit:g}"}


def _substance_use(status: DisorderStatus) -> Match:
    def match(context: Context) -> Mapping[str, object] | None:
        substances = [d.substance for d in context.history.substance_use_disorders if d.status is status]
        return {"substances": ", ".join(substances)} if substances else None

    return match


def _dissociative_use(context: Context) -> Mapping[str, object] | None:
    found = [
        f"{d.substance} ({d.status.value})"
        for d in context.history.substance_use_disorders
        if normalize_drug_name(d.substance) in DISSOCIATIVE_SUBSTANCES
    ]
    return {"substances": ", ".join(found)} if found else None


def _liver_disease(context: Context) -> Mapping[str, object] | None:
    severity = context.history.liver_disease
    return None if severity is LiverDisease.NONE else {"severity": severity.value}


def _prior_nonresponse(context: Context) -> Mapping[str, object] | None:
    treatments = [
        f"{t.drug.value} ({t.route.value})" for t in context.case.prior_ketamine if t.response is Response.NONE
    ]
    return {"treatments": ", ".join(treatments)} if treatments else None


# Sources, as CLINICAL.md cites them.
LABEL_CONTRAINDICATIONS = (
    "Spravato (esketamine) US label, Contraindications (label highlights, docslib.org/doc/9815815; CLINICAL.md §2)"
)
LABEL_CONTRAINDICATIONS_FOR_RACEMIC = (
    f"{LABEL_CONTRAINDICATIONS}; applied to racemic ketamine, which contains esketamine and raises blood "
    "pressure the same way (CLINICAL.md §1) — DERIVED"
)
LABEL_INDICATION = "Spravato US indication: treatment-resistant depression in adults (CLINICAL.md §2)"
TRD_DEFINITION = (
    "CLINICAL.md §4: TRD = inadequate response to ≥2 antidepressants of adequate dose and duration in the "
    "current episode"
)
LABEL_BP = "Spravato US label §5.6, blood pressure (CLINICAL.md §2)"
LABEL_BP_FOR_RACEMIC = f"{LABEL_BP}; applied to racemic ketamine, which raises blood pressure the same way — DERIVED"
APA_PSYCHOSIS = (
    "APA consensus (Sanacora, JAMA Psychiatry 2017;74:399): attention to psychosis history; ELEKT-D enrolled "
    "non-psychotic patients (CLINICAL.md §1, §7)"
)
APA_SUBSTANCE = (
    "APA consensus (Sanacora 2017): attention to substance use history (CLINICAL.md §1); esketamine REMS goal "
    "covers abuse and misuse (CLINICAL.md §2)"
)
RESPIRATORY = (
    "Spravato boxed warning (respiratory depression, sedation) and REMS Patient Monitoring Form "
    "concomitant-medicine fields (CLINICAL.md §2)"
)
YALE_BP = (
    "Yale chart review, Gen Hosp Psychiatry 2024 (doi 10.1016/j.genhosppsych.2024.07.001): severe BP rises more "
    "frequent in older and hypertensive patients (CLINICAL.md §1)"
)
_BP_UNVERIFIED = (
    "UNVERIFIED: >140/90 mmHg before treatment → evaluate, often attributed to the APA consensus but not "
    "found in its text (CLINICAL.md §1); thresholds are policy parameters"
)
_HOLD_UNVERIFIED = (
    "UNVERIFIED: stop/hold if >180/100 mmHg or HR >110 bpm, often attributed to the APA consensus but not "
    "found in its text (CLINICAL.md §1); applied to the baseline as a clinic policy; thresholds are policy "
    "parameters"
)
_EMBRYO_FETAL = (
    "Spravato US label warnings: embryo-fetal toxicity — not in CLINICAL.md, UNVERIFIED here; racemic ketamine "
    "contains esketamine (DERIVED); severity is policy pregnancy_severity"
)
_LACTATION = (
    "Spravato US label, lactation — not in CLINICAL.md, UNVERIFIED here; racemic ketamine contains esketamine (DERIVED)"
)

ANEURYSM = (
    "aneurysmal vascular disease (including the thoracic and abdominal aorta and intracranial and peripheral "
    "arterial vessels)"
)

RULES: tuple[Rule, ...] = (
    # Esketamine: US label contraindications and indication.
    Rule(
        "esketamine.aneurysm",
        ESKETAMINE_ROUTES,
        always(Severity.CONTRAINDICATION),
        when(lambda c: c.history.aneurysmal_vascular_disease),
        f"The patient has {ANEURYSM}: a contraindication on the esketamine label, because esketamine raises "
        "blood pressure.",
        LABEL_CONTRAINDICATIONS,
    ),
    Rule(
        "esketamine.avm",
        ESKETAMINE_ROUTES,
        always(Severity.CONTRAINDICATION),
        when(lambda c: c.history.arteriovenous_malformation),
        "The patient has an arteriovenous malformation: a contraindication on the esketamine label.",
        LABEL_CONTRAINDICATIONS,
    ),
    Rule(
        "esketamine.intracerebral_haemorrhage",
        ESKETAMINE_ROUTES,
        always(Severity.CONTRAINDICATION),
        when(lambda c: c.history.intracerebral_haemorrhage),
        "The patient has had an intracerebral haemorrhage: a contraindication on the esketamine label.",
        LABEL_CONTRAINDICATIONS,
    ),
    Rule(
        "esketamine.hypersensitivity",
        ESKETAMINE_ROUTES,
        always(Severity.CONTRAINDICATION),
        when(lambda c: c.history.ketamine_hypersensitivity),
        "The patient is hypersensitive to ketamine or esketamine: a contraindication on the esketamine label "
        "(hypersensitivity to esketamine, ketamine or an excipient).",
        LABEL_CONTRAINDICATIONS,
    ),
    Rule(
        "esketamine.not_adult",
        ESKETAMINE_ROUTES,
        always(Severity.CONTRAINDICATION),
        _not_adult,
        "The patient is {age_years}; esketamine is indicated for adults ({adult_age_years} and over), so this "
        "would be outside the label.",
        LABEL_INDICATION,
    ),
    Rule(
        "trd.not_met",
        ESKETAMINE_ROUTES,
        always(Severity.CONTRAINDICATION),
        _trd_not_met,
        "Treatment resistance is not established: {failures} adequate failed antidepressant trial(s) in the "
        "current episode, {threshold} needed. Esketamine's US indication is treatment-resistant depression.",
        f"{LABEL_INDICATION}; {TRD_DEFINITION}",
    ),
    Rule(
        "trd.above_trial_range",
        ESKETAMINE_ROUTES,
        always(Severity.INFORMATION),
        _above_trial_range,
        "{failures} adequate failed trials: more than the esketamine phase-3 trials enrolled ({threshold} to "
        "{maximum}), so the trial evidence covers this degree of resistance less directly.",
        "CLINICAL.md §4: Spravato phase-3 eligibility ≥2 and ≤5 failed oral antidepressants (MGH-ATRQ)",
    ),
    Rule(
        "esketamine.uncontrolled_hypertension",
        ESKETAMINE_ROUTES,
        always(Severity.CAUTION),
        when(lambda c: c.history.hypertension is Hypertension.UNCONTROLLED),
        "Hypertension is recorded as uncontrolled. Esketamine raises blood pressure (peak about 40 minutes "
        "after dosing, lasting about 4 hours); the label asks to weigh delaying treatment while it is elevated. "
        "Not a label contraindication.",
        LABEL_BP,
    ),
    Rule(
        "esketamine.psychosis_current",
        ESKETAMINE_ROUTES,
        always(Severity.CAUTION),
        when(lambda c: c.history.psychosis is Psychosis.CURRENT),
        "Current psychosis is recorded. It is not a contraindication on the esketamine label, but psychosis "
        "history needs attention and esketamine commonly causes dissociation.",
        f"{APA_PSYCHOSIS}; dissociation 61–84% on the Spravato label (CLINICAL.md §2)",
    ),
    Rule(
        "bp.elevated_baseline",
        ESKETAMINE_ROUTES,
        always(Severity.CAUTION),
        _bp_above("esketamine_bp_caution_systolic_mmhg", "esketamine_bp_caution_diastolic_mmhg"),
        "Baseline blood pressure {systolic}/{diastolic} mmHg is above {limit_systolic}/{limit_diastolic} mmHg: "
        "weigh delaying treatment until it is lower (benefit and risk).",
        LABEL_BP,
    ),
    # Racemic ketamine (off-label): the same vascular contraindications, clinic-policy exclusions.
    Rule(
        "ketamine.aneurysm",
        RACEMIC_ROUTES,
        always(Severity.CONTRAINDICATION),
        when(lambda c: c.history.aneurysmal_vascular_disease),
        f"The patient has {ANEURYSM}. Ketamine raises blood pressure as esketamine does, and this is a "
        "contraindication on the esketamine label.",
        LABEL_CONTRAINDICATIONS_FOR_RACEMIC,
    ),
    Rule(
        "ketamine.avm",
        RACEMIC_ROUTES,
        always(Severity.CONTRAINDICATION),
        when(lambda c: c.history.arteriovenous_malformation),
        "The patient has an arteriovenous malformation. Ketamine raises blood pressure as esketamine does, and "
        "this is a contraindication on the esketamine label.",
        LABEL_CONTRAINDICATIONS_FOR_RACEMIC,
    ),
    Rule(
        "ketamine.intracerebral_haemorrhage",
        RACEMIC_ROUTES,
        always(Severity.CONTRAINDICATION),
        when(lambda c: c.history.intracerebral_haemorrhage),
        "The patient has had an intracerebral haemorrhage. Ketamine raises blood pressure as esketamine does, "
        "and this is a contraindication on the esketamine label.",
        LABEL_CONTRAINDICATIONS_FOR_RACEMIC,
    ),
    Rule(
        "ketamine.hypersensitivity",
        RACEMIC_ROUTES,
        always(Severity.CONTRAINDICATION),
        when(lambda c: c.history.ketamine_hypersensitivity),
        "The patient is hypersensitive to ketamine or esketamine.",
        f"{LABEL_CONTRAINDICATIONS} (hypersensitivity to esketamine or ketamine)",
    ),
    Rule(
        "ketamine.not_adult",
        RACEMIC_ROUTES,
        always(Severity.CAUTION),
        _not_adult,
        "The patient is {age_years}; the ketamine studies behind this service enrolled adults "
        "({adult_age_years} and over). Treatment of a minor needs specialist review.",
        "DERIVED: the studies cited in CLINICAL.md §1 and §7 enrolled adults",
    ),
    Rule(
        "trd.not_met",
        RACEMIC_ROUTES,
        lambda policy: Severity.CONTRAINDICATION if policy.require_trd_for_racemic else Severity.CAUTION,
        _racemic_trd_not_met,
        "Treatment resistance is not established: {failures} adequate failed antidepressant trial(s) in the "
        "current episode, {threshold} needed. Clinic policy {policy} treatment resistance for off-label racemic "
        "ketamine.",
        f"{TRD_DEFINITION}; policy require_trd_for_racemic",
    ),
    Rule(
        "ketamine.psychosis_current",
        RACEMIC_ROUTES,
        from_policy("racemic_current_psychosis_severity"),
        when(lambda c: c.history.psychosis is Psychosis.CURRENT),
        "Current psychosis is recorded. Ketamine has psychotomimetic effects (monitored with the BPRS), and "
        "psychosis history needs attention before ketamine treatment.",
        f"{APA_PSYCHOSIS}; severity is policy racemic_current_psychosis_severity",
    ),
    Rule(
        "ketamine.uncontrolled_hypertension",
        RACEMIC_ROUTES,
        from_policy("racemic_uncontrolled_hypertension_severity"),
        when(lambda c: c.history.hypertension is Hypertension.UNCONTROLLED),
        "Hypertension is recorded as uncontrolled. IV ketamine raises blood pressure (mean peak +16/+11 mmHg "
        "about 40 minutes after the start), and severe rises are more frequent in hypertensive patients.",
        f"{YALE_BP}; APA consensus: medical evaluation before treatment (CLINICAL.md §1); severity is policy "
        "racemic_uncontrolled_hypertension_severity",
    ),
    Rule(
        "bp.elevated_baseline",
        RACEMIC_ROUTES,
        always(Severity.CAUTION),
        _bp_above("racemic_bp_caution_systolic_mmhg", "racemic_bp_caution_diastolic_mmhg"),
        "Baseline blood pressure {systolic}/{diastolic} mmHg is above {limit_systolic}/{limit_diastolic} mmHg: "
        "evaluate it, and weigh delaying treatment until it is lower.",
        _BP_UNVERIFIED,
    ),
    # Every route.
    Rule(
        "bp.severe_baseline",
        ALL_ROUTES,
        always(Severity.CONTRAINDICATION),
        _bp_hold_match,
        "Baseline blood pressure {systolic}/{diastolic} mmHg is above {limit_systolic}/{limit_diastolic} mmHg: "
        "do not dose until blood pressure is controlled, then evaluate again.",
        _HOLD_UNVERIFIED,
    ),
    Rule(
        "bp.hypertensive_encephalopathy",
        ALL_ROUTES,
        always(Severity.CAUTION),
        when(lambda c: c.history.hypertensive_encephalopathy),
        "The patient has had hypertensive encephalopathy: monitor blood pressure more closely.",
        LABEL_BP_FOR_RACEMIC,
    ),
    Rule(
        "bp.controlled_hypertension",
        ALL_ROUTES,
        always(Severity.INFORMATION),
        when(lambda c: c.history.hypertension is Hypertension.CONTROLLED),
        "Hypertension, recorded as controlled: severe blood-pressure rises during ketamine treatment are more "
        "frequent in hypertensive patients; check blood pressure before each dose.",
        YALE_BP,
    ),
    Rule(
        "vitals.missing",
        ALL_ROUTES,
        always(Severity.INFORMATION),
        when(lambda c: c.vitals is None),
        "No baseline vital signs were recorded: blood pressure must be assessed before dosing.",
        LABEL_BP,
    ),
    Rule(
        "vitals.tachycardia",
        ALL_ROUTES,
        always(Severity.CAUTION),
        _tachycardia,
        "Baseline heart rate {heart_rate} bpm is above {limit} bpm: find the cause before dosing.",
        _HOLD_UNVERIFIED,
    ),
    Rule(
        "vitals.low_spo2",
        ALL_ROUTES,
        always(Severity.CAUTION),
        _low_spo2,
        "Baseline oxygen saturation {spo2}% is below {limit}%. Ketamine and esketamine can depress breathing; "
        "find the cause before dosing.",
        "UNVERIFIED clinic choice of threshold, no source in CLINICAL.md; respiratory depression is in the "
        "Spravato boxed warning and REMS, which require pulse oximetry (CLINICAL.md §2)",
    ),
    Rule(
        "age.older_adult",
        ALL_ROUTES,
        always(Severity.INFORMATION),
        _older_adult,
        "The patient is {age_years} ({older_adult_age_years} or over): severe blood-pressure rises are more "
        "frequent in older patients, and some non-US esketamine labels start at 28 mg from this age.",
        f"{YALE_BP}; HK/EU-style esketamine label (CLINICAL.md §2)",
    ),
    Rule(
        "reproductive.pregnancy",
        ALL_ROUTES,
        from_policy("pregnancy_severity"),
        when(lambda c: c.case.patient.pregnant),
        "The patient is pregnant. The esketamine label warns of embryo-fetal toxicity (possible harm to the "
        "fetus), and racemic ketamine contains esketamine; discuss risks and alternatives.",
        _EMBRYO_FETAL,
    ),
    Rule(
        "reproductive.breastfeeding",
        ALL_ROUTES,
        always(Severity.CAUTION),
        when(lambda c: c.case.patient.breastfeeding),
        "The patient is breast-feeding. Esketamine passes into breast milk and its label advises against "
        "breast-feeding during treatment; racemic ketamine contains esketamine.",
        _LACTATION,
    ),
    Rule(
        "history.psychosis_past",
        ALL_ROUTES,
        always(Severity.CAUTION),
        when(lambda c: c.history.psychosis is Psychosis.PAST),
        "Past psychosis is recorded: ketamine and esketamine have psychotomimetic effects; watch for a return "
        "of psychotic symptoms (BPRS).",
        APA_PSYCHOSIS,
    ),
    Rule(
        "history.substance_use_current",
        ALL_ROUTES,
        always(Severity.CAUTION),
        _substance_use(DisorderStatus.CURRENT),
        "Current substance use disorder ({substances}): ketamine and esketamine can be misused; assess the "
        "risk of misuse and diversion.",
        APA_SUBSTANCE,
    ),
    Rule(
        "history.substance_use_past",
        ALL_ROUTES,
        always(Severity.INFORMATION),
        _substance_use(DisorderStatus.PAST),
        "Past substance use disorder ({substances}): keep misuse and relapse in mind.",
        APA_SUBSTANCE,
    ),
    Rule(
        "history.dissociative_misuse",
        ALL_ROUTES,
        always(Severity.CAUTION),
        _dissociative_use,
        "Use disorder involving a dissociative: {substances}. Treatment gives access to the substance itself; "
        "plan for misuse and diversion.",
        f"{APA_SUBSTANCE}; ASA guidance (Feb 2025): diversion vigilance (CLINICAL.md §1)",
    ),
    Rule(
        "history.cardiovascular_disease",
        ALL_ROUTES,
        always(Severity.CAUTION),
        when(lambda c: c.history.cardiovascular_disease),
        "Cardiovascular disease is recorded: ketamine and esketamine raise blood pressure, and the treating team "
        "must be able to manage cardiovascular events.",
        "APA consensus: medical evaluation; clinician able to manage cardiovascular events, ACLS (exact wording "
        "UNVERIFIED); BP rises (CLINICAL.md §1, §2)",
    ),
    Rule(
        "history.liver_disease",
        ALL_ROUTES,
        always(Severity.CAUTION),
        _liver_disease,
        "Liver disease ({severity}): ketamine and esketamine are cleared by the liver, so exposure and the "
        "time to recovery may be longer.",
        "General pharmacology (hepatic metabolism) — not in CLINICAL.md, UNVERIFIED",
    ),
    Rule(
        "history.urological",
        ALL_ROUTES,
        always(Severity.CAUTION),
        when(lambda c: c.history.interstitial_cystitis),
        "Interstitial cystitis or ketamine-related uropathy is recorded: ketamine is associated with cystitis, "
        "and repeated treatment may worsen urinary symptoms.",
        "Ketamine-associated cystitis reports — not in CLINICAL.md, UNVERIFIED",
    ),
    Rule(
        "medication.psychostimulant",
        ALL_ROUTES,
        always(Severity.CAUTION),
        _taking(DrugClass.PSYCHOSTIMULANT),
        "Current psychostimulant ({names}): monitor blood pressure more closely.",
        LABEL_BP_FOR_RACEMIC,
    ),
    Rule(
        "medication.maoi",
        ALL_ROUTES,
        always(Severity.CAUTION),
        _taking(DrugClass.MAOI),
        "Current MAOI ({names}): monitor blood pressure more closely.",
        LABEL_BP_FOR_RACEMIC,
    ),
    Rule(
        "medication.benzodiazepine",
        ALL_ROUTES,
        always(Severity.CAUTION),
        _taking(DrugClass.BENZODIAZEPINE),
        "Current benzodiazepine ({names}): adds to sedation and respiratory depression, and benzodiazepines "
        "may blunt the antidepressant response.",
        f"{RESPIRATORY}; blunted response: observational reports — not in CLINICAL.md, UNVERIFIED",
    ),
    Rule(
        "medication.sedative_hypnotic",
        ALL_ROUTES,
        always(Severity.CAUTION),
        _taking(DrugClass.SEDATIVE_HYPNOTIC),
        "Current non-benzodiazepine sedative hypnotic ({names}): adds to sedation and respiratory depression.",
        RESPIRATORY,
    ),
    Rule(
        "medication.opioid",
        ALL_ROUTES,
        always(Severity.CAUTION),
        _taking(DrugClass.OPIOID),
        "Current opioid ({names}): adds to sedation and respiratory depression.",
        RESPIRATORY,
    ),
    Rule(
        "medication.lamotrigine",
        ALL_ROUTES,
        always(Severity.INFORMATION),
        _taking(DrugClass.LAMOTRIGINE),
        "Current lamotrigine ({names}): it may blunt the response to ketamine.",
        "Not in CLINICAL.md — UNVERIFIED",
    ),
    Rule(
        "history.prior_ketamine_nonresponse",
        ALL_ROUTES,
        always(Severity.INFORMATION),
        _prior_nonresponse,
        "No response to earlier {treatments}: weigh the chance of benefit from another course.",
        "APA consensus: review of prior treatment history (CLINICAL.md §1)",
    ),
    Rule(
        "trd.intolerance",
        ALL_ROUTES,
        always(Severity.INFORMATION),
        _trials_with_status(TrialStatus.INTOLERANCE),
        "Stopped early for side effects (intolerance, not counted as adequate failures): {drugs}.",
        "CLINICAL.md §4: ATHF subtracts 1 for intolerance",
    ),
    Rule(
        "trd.unknown_drug",
        ALL_ROUTES,
        always(Severity.INFORMATION),
        _trials_with_status(TrialStatus.UNKNOWN_DRUG),
        "Not counted, because the dose table has no minimum adequate dose for: {drugs}. Add the drug to the "
        "clinic's table to count such trials.",
        "policy minimum_daily_dose_mg",
    ),
)
