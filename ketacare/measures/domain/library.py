"""The nine instruments KetaCare scores, exactly as published (CLINICAL.md §3).

Item wording ships only for PHQ-9, GAD-7 (Pfizer: no copyright restriction) and PCL-5 (public
domain, US VA NCPTSD). The others carry item names, scores and rules only, until their licences
are cleared (CLINICAL.md "Open items" 4).
"""

from collections.abc import Mapping, Sequence

from ketacare.measures.domain.instruments import (
    Answers,
    AskedWhen,
    Band,
    Instrument,
    Item,
    MeasureError,
    Rater,
    RemissionRule,
    ResponseRule,
    ScoringParameters,
    Subscale,
)

GENERAL_RESPONSE = ResponseRule(
    reduction_percent=50,
    source="CLINICAL.md §3 General: response = ≥50% reduction from baseline (ELEKT-D; TRANSFORM/SUSTAIN)",
)


def _items(
    names: Sequence[tuple[str, str]],
    min_answer: int,
    max_answer: int,
    *,
    texts: Sequence[str] | None = None,
    answer_labels: tuple[str, ...] | None = None,
    loinc: Sequence[str] | None = None,
    answer_loinc: tuple[str, ...] | None = None,
) -> tuple[Item, ...]:
    return tuple(
        Item(
            number=index + 1,
            code=code,
            name=name,
            min_answer=min_answer,
            max_answer=max_answer,
            text=texts[index] if texts else None,
            answer_labels=answer_labels,
            loinc=loinc[index] if loinc else None,
            answer_loinc=answer_loinc,
        )
        for index, (code, name) in enumerate(names)
    )


def _sum_all(answers: Answers) -> int:
    return sum(answer or 0 for answer in answers)


# ---------------------------------------------------------------- PHQ-9

PHQ_ANSWER_LABELS = ("Not at all", "Several days", "More than half the days", "Nearly every day")
# LOINC answer list LL358-9, as used by the HL7 PHQ-9 and GAD-7 Questionnaires.
PHQ_ANSWER_LOINC = ("LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9")

PHQ9_ITEMS = _items(
    (
        ("interest", "Little interest or pleasure in doing things"),
        ("mood", "Feeling down, depressed, or hopeless"),
        ("sleep", "Trouble falling or staying asleep, or sleeping too much"),
        ("energy", "Feeling tired or having little energy"),
        ("appetite", "Poor appetite or overeating"),
        ("self_worth", "Feeling bad about yourself"),
        ("concentration", "Trouble concentrating on things"),
        ("psychomotor", "Moving or speaking slowly, or being fidgety or restless"),
        ("self_harm_thoughts", "Thoughts that you would be better off dead or of hurting yourself"),
    ),
    0,
    3,
    texts=(
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so "
        "fidgety or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ),
    answer_labels=PHQ_ANSWER_LABELS,
    loinc=("44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3", "44260-8"),
    answer_loinc=PHQ_ANSWER_LOINC,
)


def _phq9_flags(answers: Answers, total: int, subscales: Mapping[str, int], parameters: ScoringParameters) -> list[str]:
    # CLINICAL.md §3: PHQ-9 item 9 any score >0 → same-day suicide follow-up (C-SSRS).
    return ["suicidal_ideation"] if (answers[8] or 0) > 0 else []


PHQ9 = Instrument(
    code="phq9",
    name="PHQ-9",
    title="Patient Health Questionnaire-9",
    version="PHQ-9 English (Pfizer PHQ Screeners form; Kroenke, Spitzer & Williams 2001)",
    rater=Rater.PATIENT,
    recall_window="past 2 weeks",
    prompt="Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    items=PHQ9_ITEMS,
    total_min=0,
    total_max=27,
    scoring_rule="sum of items 1–9 (each 0–3)",
    scorer=_sum_all,
    bands=(
        Band("minimal", "Minimal", 0, 4),
        Band("mild", "Mild", 5, 9),
        Band("moderate", "Moderate", 10, 14),
        Band("moderately_severe", "Moderately severe", 15, 19),
        Band("severe", "Severe", 20, 27),
    ),
    bands_source="CLINICAL.md §3 PHQ-9 (Kroenke 2001): 0–4, 5–9, 10–14, 15–19, 20–27",
    response=GENERAL_RESPONSE,
    remission=RemissionRule(4, "< 5", "CLINICAL.md §3 PHQ-9: remission <5 (used in SUSTAIN-3)"),
    loinc_panel="44249-1",
    loinc_total="44261-6",
    flagger=_phq9_flags,
    flag_source="CLINICAL.md §3: PHQ-9 item 9 any score >0 → same-day suicide follow-up (C-SSRS)",
    source="Kroenke K, Spitzer RL, Williams JBW. J Gen Intern Med 2001;16:606–613; CLINICAL.md §3",
    licence=(
        "Free: Pfizer released the PHQ and GAD-7 without copyright restriction and at no charge (2010). "
        "Keep attribution; PRIME-MD is a Pfizer trademark."
    ),
)

# ---------------------------------------------------------------- GAD-7

GAD7_TEXTS = (
    "Feeling nervous, anxious, or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid as if something awful might happen",
)

GAD7 = Instrument(
    code="gad7",
    name="GAD-7",
    title="Generalized Anxiety Disorder 7-item scale",
    version="GAD-7 English (Spitzer, Kroenke, Williams & Löwe 2006)",
    rater=Rater.PATIENT,
    recall_window="past 2 weeks",
    prompt="Over the last 2 weeks, how often have you been bothered by the following problems?",
    items=_items(
        tuple(
            zip(
                (
                    "nervous",
                    "uncontrolled_worry",
                    "excessive_worry",
                    "trouble_relaxing",
                    "restless",
                    "irritable",
                    "afraid",
                ),
                GAD7_TEXTS,
                strict=True,
            )
        ),
        0,
        3,
        texts=GAD7_TEXTS,
        answer_labels=PHQ_ANSWER_LABELS,
        loinc=("69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"),
        answer_loinc=PHQ_ANSWER_LOINC,
    ),
    total_min=0,
    total_max=21,
    scoring_rule="sum of items 1–7 (each 0–3)",
    scorer=_sum_all,
    bands=(
        Band("minimal", "Minimal", 0, 4),
        Band("mild", "Mild", 5, 9),
        Band("moderate", "Moderate", 10, 14),
        Band("severe", "Severe", 15, 21),
    ),
    bands_source="CLINICAL.md §3 GAD-7 (Spitzer 2006): 0–4, 5–9, 10–14, 15–21",
    response=ResponseRule(
        50, "CLINICAL.md §3 General rule applied to GAD-7 (no GAD-7-specific rule there) — UNVERIFIED"
    ),
    remission=RemissionRule(4, "< 5", "commonly used; not stated in CLINICAL.md §3 — UNVERIFIED"),
    loinc_panel="69737-5",
    loinc_total="70274-6",
    source="Spitzer RL, Kroenke K, Williams JBW, Löwe B. Arch Intern Med 2006;166:1092–1097; CLINICAL.md §3",
    licence=PHQ9.licence,
)

# ---------------------------------------------------------------- QIDS-SR16

QIDS_ITEMS = _items(
    (
        ("falling_asleep", "Falling asleep"),
        ("sleep_during_night", "Sleep during the night"),
        ("waking_too_early", "Waking up too early"),
        ("sleeping_too_much", "Sleeping too much"),
        ("feeling_sad", "Feeling sad"),
        ("decreased_appetite", "Decreased appetite"),
        ("increased_appetite", "Increased appetite"),
        ("decreased_weight", "Decreased weight, within the last two weeks"),
        ("increased_weight", "Increased weight, within the last two weeks"),
        ("concentration", "Concentration/decision making"),
        ("view_of_myself", "View of myself"),
        ("death_or_suicide", "Thoughts of death or suicide"),
        ("general_interest", "General interest"),
        ("energy_level", "Energy level"),
        ("feeling_slowed_down", "Feeling slowed down"),
        ("feeling_restless", "Feeling restless"),
    ),
    0,
    3,
)


def qids_sr16_total(answers: Answers) -> int:
    """CLINICAL.md §3: max(1–4) + 5 + max(6–9) + 10 + 11 + 12 + 13 + 14 + max(15, 16) = 0–27."""
    a = [answer or 0 for answer in answers]
    return max(a[0:4]) + a[4] + max(a[5:9]) + sum(a[9:14]) + max(a[14:16])


QIDS_SR16 = Instrument(
    code="qids_sr16",
    name="QIDS-SR16",
    title="Quick Inventory of Depressive Symptomatology, Self-Report (16 items)",
    version="QIDS-SR16 (Rush et al. 2003)",
    rater=Rater.PATIENT,
    recall_window="past 7 days",
    items=QIDS_ITEMS,
    total_min=0,
    total_max=27,
    scoring_rule=(
        "highest of items 1–4 (sleep) + item 5 + highest of items 6–9 (appetite/weight) "
        "+ items 10–14 + highest of items 15–16 (psychomotor)"
    ),
    scorer=qids_sr16_total,
    bands=(
        Band("none", "None", 0, 5),
        Band("mild", "Mild", 6, 10),
        Band("moderate", "Moderate", 11, 15),
        Band("severe", "Severe", 16, 20),
        Band("very_severe", "Very severe", 21, 27),
    ),
    bands_source="CLINICAL.md §3 QIDS-SR16: 0–5, 6–10, 11–15, 16–20, 21–27",
    response=ResponseRule(50, "CLINICAL.md §3 QIDS-SR16: response ≥50% (ELEKT-D primary)"),
    remission=RemissionRule(5, "≤ 5", "CLINICAL.md §3 QIDS-SR16: remission ≤5 (STAR*D)"),
    source="Rush AJ et al. Biol Psychiatry 2003;54:573–583; CLINICAL.md §3",
    licence=(
        '"Freely available" (BrainCODE portal; ids-qids.org hosts forms); commercial/electronic-use '
        "terms UNVERIFIED — item names only, no item wording or anchors."
    ),
)

# ---------------------------------------------------------------- PCL-5

PCL5_TEXTS = (
    "Repeated, disturbing, and unwanted memories of the stressful experience?",
    "Repeated, disturbing dreams of the stressful experience?",
    "Suddenly feeling or acting as if the stressful experience were actually happening again "
    "(as if you were actually back there reliving it)?",
    "Feeling very upset when something reminded you of the stressful experience?",
    "Having strong physical reactions when something reminded you of the stressful experience "
    "(for example, heart pounding, trouble breathing, sweating)?",
    "Avoiding memories, thoughts, or feelings related to the stressful experience?",
    "Avoiding external reminders of the stressful experience (for example, people, places, "
    "conversations, activities, objects, or situations)?",
    "Trouble remembering important parts of the stressful experience?",
    "Having strong negative beliefs about yourself, other people, or the world (for example, having "
    "thoughts such as: I am bad, there is something seriously wrong with me, no one can be trusted, "
    "the world is completely dangerous)?",
    "Blaming yourself or someone else for the stressful experience or what happened after it?",
    "Having strong negative feelings such as fear, horror, anger, guilt, or shame?",
    "Loss of interest in activities that you used to enjoy?",
    "Feeling distant or cut off from other people?",
    "Trouble experiencing positive feelings (for example, being unable to feel happiness or have "
    "loving feelings for people close to you)?",
    "Irritable behavior, angry outbursts, or acting aggressively?",
    "Taking too many risks or doing things that could cause you harm?",
    'Being "superalert" or watchful or on guard?',
    "Feeling jumpy or easily startled?",
    "Having difficulty concentrating?",
    "Trouble falling or staying asleep?",
)

PCL5_CLUSTERS = (
    Subscale("cluster_b", "Cluster B (intrusions), items 1–5", (1, 2, 3, 4, 5)),
    Subscale("cluster_c", "Cluster C (avoidance), items 6–7", (6, 7)),
    Subscale("cluster_d", "Cluster D (negative cognitions and mood), items 8–14", (8, 9, 10, 11, 12, 13, 14)),
    Subscale("cluster_e", "Cluster E (arousal and reactivity), items 15–20", (15, 16, 17, 18, 19, 20)),
)
# CLINICAL.md §3: items rated ≥2 count as endorsed; provisional diagnosis needs ≥1 B, ≥1 C, ≥2 D, ≥2 E.
PCL5_ENDORSED_MIN_ANSWER = 2
PCL5_PROVISIONAL_MIN_ENDORSED = {"cluster_b": 1, "cluster_c": 1, "cluster_d": 2, "cluster_e": 2}


def pcl5_provisional_ptsd(answers: Answers) -> bool:
    return all(
        sum(1 for number in cluster.item_numbers if (answers[number - 1] or 0) >= PCL5_ENDORSED_MIN_ANSWER)
        >= PCL5_PROVISIONAL_MIN_ENDORSED[cluster.code]
        for cluster in PCL5_CLUSTERS
    )


def _pcl5_flags(answers: Answers, total: int, subscales: Mapping[str, int], parameters: ScoringParameters) -> list[str]:
    flags = []
    if pcl5_provisional_ptsd(answers):
        flags.append("pcl5_provisional_ptsd")
    if total >= parameters.pcl5_cutoff_total:
        flags.append("pcl5_above_cutoff")
    return flags


PCL5 = Instrument(
    code="pcl5",
    name="PCL-5",
    title="PTSD Checklist for DSM-5",
    version="PCL-5 past-month version (Weathers et al. 2013, US VA National Center for PTSD)",
    rater=Rater.PATIENT,
    recall_window="past month",
    prompt="In the past month, how much were you bothered by:",
    items=_items(
        (
            ("intrusive_memories", "Unwanted memories of the stressful experience"),
            ("nightmares", "Disturbing dreams"),
            ("reliving", "Feeling or acting as if it were happening again"),
            ("cue_distress", "Upset at reminders"),
            ("cue_reactivity", "Physical reactions to reminders"),
            ("avoid_internal", "Avoiding memories, thoughts or feelings"),
            ("avoid_external", "Avoiding external reminders"),
            ("amnesia", "Trouble remembering important parts"),
            ("negative_beliefs", "Strong negative beliefs"),
            ("blame", "Blaming yourself or someone else"),
            ("negative_feelings", "Strong negative feelings"),
            ("loss_of_interest", "Loss of interest in activities"),
            ("detachment", "Feeling distant or cut off from others"),
            ("no_positive_feelings", "Trouble experiencing positive feelings"),
            ("irritability", "Irritable behaviour or angry outbursts"),
            ("risk_taking", "Taking too many risks"),
            ("hypervigilance", "Being superalert or on guard"),
            ("startle", "Feeling jumpy or easily startled"),
            ("concentration", "Difficulty concentrating"),
            ("sleep", "Trouble falling or staying asleep"),
        ),
        0,
        4,
        texts=PCL5_TEXTS,
        answer_labels=("Not at all", "A little bit", "Moderately", "Quite a bit", "Extremely"),
    ),
    total_min=0,
    total_max=80,
    scoring_rule="sum of items 1–20 (each 0–4); cluster subscales B 1–5, C 6–7, D 8–14, E 15–20",
    scorer=_sum_all,
    subscales=PCL5_CLUSTERS,
    response=ResponseRule(
        50, "CLINICAL.md §3 General rule applied to PCL-5 (no PCL-5-specific rule there) — UNVERIFIED"
    ),
    flagger=_pcl5_flags,
    flag_source=(
        "CLINICAL.md §3 PCL-5: provisional diagnosis = items ≥2 endorsed, ≥1 B, ≥1 C, ≥2 D, ≥2 E; "
        "cut-off (parameter pcl5_cutoff_total, default 33): disagree — 31–33 current, 38 early "
        "NC-PTSD proposal, 45 psychiatric outpatients (Boyd 2022)"
    ),
    source="Weathers FW et al. PTSD Checklist for DSM-5 (PCL-5), National Center for PTSD 2013; CLINICAL.md §3",
    licence="Public domain (US VA National Center for PTSD).",
)

# ---------------------------------------------------------------- MADRS

MADRS = Instrument(
    code="madrs",
    name="MADRS",
    title="Montgomery–Åsberg Depression Rating Scale",
    version="MADRS 10 items (Montgomery & Åsberg 1979)",
    rater=Rater.CLINICIAN,
    recall_window="past week (UNVERIFIED: not stated in CLINICAL.md)",
    items=_items(
        (
            ("apparent_sadness", "Apparent sadness"),
            ("reported_sadness", "Reported sadness"),
            ("inner_tension", "Inner tension"),
            ("reduced_sleep", "Reduced sleep"),
            ("reduced_appetite", "Reduced appetite"),
            ("concentration_difficulties", "Concentration difficulties"),
            ("lassitude", "Lassitude"),
            ("inability_to_feel", "Inability to feel"),
            ("pessimistic_thoughts", "Pessimistic thoughts"),
            ("suicidal_thoughts", "Suicidal thoughts"),
        ),
        0,
        6,  # CLINICAL.md §3: anchors at 0, 2, 4, 6; the odd scores lie between anchors
    ),
    total_min=0,
    total_max=60,
    scoring_rule="sum of items 1–10 (each 0–6)",
    scorer=_sum_all,
    bands=(
        Band("none", "None", 0, 6),
        Band("mild", "Mild", 7, 19),
        Band("moderate", "Moderate", 20, 34),
        Band("severe", "Severe", 35, 60),
    ),
    bands_source="CLINICAL.md §3 MADRS (Snaith): 0–6, 7–19, 20–34, 35–60; alternative cut-points 12/24/35",
    response=ResponseRule(50, "CLINICAL.md §3 MADRS: response ≥50%"),
    remission=RemissionRule(
        10,
        "≤ 10",
        "CLINICAL.md §3 MADRS remission disagree: default ≤10 (KetECT)",
        alternatives=(
            (12, "≤12 esketamine program / SUSTAIN-3 (PMC10439056)"),
            (9, "<10 Hawley 2002 (pubmed 12200208)"),
            (8, "<9 Hawley 2002 (pubmed 12200208)"),
        ),
    ),
    source="Montgomery SA, Åsberg M. Br J Psychiatry 1979;134:382–389; CLINICAL.md §3",
    licence=(
        "UNVERIFIED/restricted: Br J Psychiatry 1979 (© Royal College of Psychiatrists; reproduction "
        "permission via rcpsych). Item names and scores only; no item anchors without clearance."
    ),
)

# ---------------------------------------------------------------- C-SSRS screener

_YES_NO = ("No", "Yes")
_IF_Q2_YES = AskedWhen(item_number=2, answer=1)


def _cssrs_item(number: int, code: str, name: str, asked_when: AskedWhen | None = None, shown_as: str = "") -> Item:
    return Item(number, code, name, 0, 1, answer_labels=_YES_NO, asked_when=asked_when, shown_as=shown_as)


CSSRS_ITEMS = (
    _cssrs_item(1, "wish_to_be_dead", "Wish to be dead, past month"),
    _cssrs_item(2, "suicidal_thoughts", "Active suicidal thoughts, past month"),
    _cssrs_item(3, "method", "Thoughts of a method, past month", _IF_Q2_YES),
    _cssrs_item(4, "intent", "Suicidal intent, past month", _IF_Q2_YES),
    _cssrs_item(5, "plan_and_intent", "Plan with intent, past month", _IF_Q2_YES),
    _cssrs_item(6, "behaviour_lifetime", "Suicidal behaviour, lifetime"),
    _cssrs_item(
        7,
        "behaviour_past_3_months",
        "Suicidal behaviour within the past 3 months",
        AskedWhen(item_number=6, answer=1),
        shown_as="6b",
    ),
)

CSSRS_NONE, CSSRS_LOW, CSSRS_MODERATE, CSSRS_HIGH = 0, 1, 2, 3


def cssrs_risk_rank(answers: Answers) -> int:
    """Risk level as a rank 0–3 (DERIVED ordinal of none/low/moderate/high).

    CLINICAL.md §3 (secondary: drcheng.ca; partly UNVERIFIED): high = Q4 or Q5 yes, or behaviour in
    the past 3 months; moderate = Q3 yes, or behaviour more than 3 months ago; low = Q1 or Q2 only.
    """
    q1, q2, q3, q4, q5, q6, q6b = answers
    if q4 == 1 or q5 == 1 or q6b == 1:
        return CSSRS_HIGH
    if q3 == 1 or q6 == 1:
        return CSSRS_MODERATE
    if q1 == 1 or q2 == 1:
        return CSSRS_LOW
    return CSSRS_NONE


def _cssrs_flags(
    answers: Answers, total: int, subscales: Mapping[str, int], parameters: ScoringParameters
) -> list[str]:
    return {CSSRS_HIGH: ["cssrs_high_risk"], CSSRS_MODERATE: ["cssrs_moderate_risk"]}.get(total, [])


CSSRS_SCREENER = Instrument(
    code="cssrs_screener",
    name="C-SSRS screener",
    title="Columbia–Suicide Severity Rating Scale, screener",
    version="C-SSRS Screen Version (Q1–Q6, with the Q6 past-3-months follow-up as 6b)",
    rater=Rater.CLINICIAN,
    recall_window="ideation: past month; behaviour: lifetime and past 3 months",
    items=CSSRS_ITEMS,
    total_min=CSSRS_NONE,
    total_max=CSSRS_HIGH,
    scoring_rule=(
        "no sum: the total is the risk level rank — 3 high (Q4 or Q5 yes, or behaviour in the past "
        "3 months), 2 moderate (Q3 yes, or behaviour more than 3 months ago), 1 low (Q1 or Q2 only), "
        "0 none. Q3–Q5 are asked only when Q2 is yes; Q6b only when Q6 is yes."
    ),
    scorer=cssrs_risk_rank,
    bands=(
        Band("none", "No risk identified", 0, 0),
        Band("low", "Low risk", 1, 1),
        Band("moderate", "Moderate risk", 2, 2),
        Band("high", "High risk", 3, 3),
    ),
    bands_source="CLINICAL.md §3 C-SSRS screener (secondary: drcheng.ca; partly UNVERIFIED)",
    flagger=_cssrs_flags,
    flag_source="CLINICAL.md §3 C-SSRS screener risk levels (partly UNVERIFIED)",
    source="Posner K et al. Am J Psychiatry 2011;168:1266–1277; screener risk levels CLINICAL.md §3 (partly UNVERIFIED)",
    licence=(
        "Conflict: Columbia says no cost or licence for health/behavioural-health providers to put it in "
        "an EHR; Clario holds the exclusive licence for electronic implementations (fees, certification). "
        "Question topics only, no wording; get written permission before shipping in distributed software."
    ),
)

# ---------------------------------------------------------------- CADSS

CADSS6_ITEMS = (1, 2, 6, 7, 15, 22)  # CLINICAL.md §3: CADSS-6 = items 1, 2, 6, 7, 15, 22 of the 23-item form
# CLINICAL.md §3: the CADSS licence is UNVERIFIED (contact the author), so no item wording ships;
# the chart shows the scale's structure and this note, and the rater uses the clinic's own form.
CADSS_LICENCE_NOTE = (
    "Item wording not shown: the CADSS licence is UNVERIFIED (contact the author, J. D. Bremner, Emory). "
    "Rate each of the 23 items 0–4 (UNVERIFIED) from the clinic's licensed form; every item must be "
    "rated, an unrated item is not counted as 0."
)

CADSS = Instrument(
    code="cadss",
    name="CADSS",
    title="Clinician-Administered Dissociative States Scale (23-item version)",
    version="CADSS 23-item version used in ketamine trials",
    rater=Rater.CLINICIAN,
    recall_window="the present state (at the time of rating)",
    items=_items(tuple((f"item_{number}", f"CADSS item {number}") for number in range(1, 24)), 0, 4),
    total_min=0,
    total_max=92,
    scoring_rule="sum of items 1–23 (each 0–4, UNVERIFIED); CADSS-6 = items 1, 2, 6, 7, 15, 22",
    scorer=_sum_all,
    subscales=(Subscale("cadss6", "CADSS-6 (items 1, 2, 6, 7, 15, 22)", CADSS6_ITEMS),),
    source=(
        "Bremner JD et al. J Trauma Stress 1998;11:125–136; 23-item form, items 0–4 UNVERIFIED, total "
        "0–92 DERIVED; CADSS-6: J Affect Disord 2021;282:160 (CLINICAL.md §3)"
    ),
    licence=CADSS_LICENCE_NOTE,
)

# ---------------------------------------------------------------- MOAA/S


# One anchor per rating 0..5 (CLINICAL.md §3: Chernik DA et al. 1990, as tabulated in BMC Anesthesiol
# s12871-022-01788-1; other versions word 1 and 0 differently, see the licence note).
MOAAS_ANCHORS = (
    "No response after a painful trapezius squeeze",
    "Responds only after a painful trapezius squeeze",
    "Responds only after mild prodding or shaking",
    "Responds only after the name is called loudly and/or repeatedly",
    "Lethargic response to the name spoken in a normal tone",
    "Responds readily to the name spoken in a normal tone",
)


def _moaas_flags(
    answers: Answers, total: int, subscales: Mapping[str, int], parameters: ScoringParameters
) -> list[str]:
    # CLINICAL.md §3: Spravato label — MOAA/S 0 = loss of consciousness.
    return ["loss_of_consciousness"] if total == 0 else []


MOAAS = Instrument(
    code="moaas",
    name="MOAA/S",
    title="Modified Observer's Assessment of Alertness/Sedation",
    version="MOAA/S 0–5 (anchors per BMC Anesthesiol s12871-022-01788-1)",
    rater=Rater.CLINICIAN,
    recall_window="the present state (at the time of rating)",
    items=(
        Item(
            1,
            "responsiveness",
            "Responsiveness",
            0,
            5,
            # CLINICAL.md §3 MOAA/S (Chernik 1990; anchors as tabulated in BMC Anesthesiol
            # s12871-022-01788-1). Sources disagree on the anchors; licence UNVERIFIED.
            answer_labels=MOAAS_ANCHORS,
        ),
    ),
    total_min=0,
    total_max=5,
    scoring_rule="the single rating, 0–5 (higher = more alert; 0 = no response)",
    scorer=_sum_all,
    flagger=_moaas_flags,
    flag_source="CLINICAL.md §3 MOAA/S: Spravato label, 0 = loss of consciousness",
    source="Chernik DA et al. J Clin Psychopharmacol 1990;10:244–251; anchors BMC Anesthesiol (CLINICAL.md §3)",
    licence=(
        "UNVERIFIED. Anchor descriptions as tabulated in BMC Anesthesiol s12871-022-01788-1 (Chernik 1990); "
        "sources disagree: some word 1 as 'does not respond to mild prodding' and 0 as 'no response to pain' "
        "(thorax.bmj.com), others use a 1–6 scale (CLINICAL.md §3)."
    ),
)

# ---------------------------------------------------------------- BPRS positive-symptom subscale

BPRS_POSITIVE = Instrument(
    code="bprs_positive",
    name="BPRS+",
    title="Brief Psychiatric Rating Scale, positive-symptom subscale",
    version="BPRS positive-symptom subscale, 4 items of the 18-item BPRS",
    rater=Rater.CLINICIAN,
    recall_window="the interview (UNVERIFIED: not stated in CLINICAL.md)",
    items=_items(
        (
            ("suspiciousness", "Suspiciousness"),
            ("hallucinatory_behaviour", "Hallucinatory behaviour"),
            ("unusual_thought_content", "Unusual thought content"),
            ("conceptual_disorganisation", "Conceptual disorganisation"),
        ),
        1,
        7,
    ),
    total_min=4,
    total_max=28,
    scoring_rule="sum of the 4 items (each 1–7), 4–28 (DERIVED)",
    scorer=_sum_all,
    source="Overall JE, Gorham DR. Psychol Rep 1962;10:799–812; BPRS+ subscale CLINICAL.md §3 (used to detect psychotomimetic effects)",
    licence="UNVERIFIED (datashare.nida.nih.gov). Item names only, no anchors.",
)

INSTRUMENTS: dict[str, Instrument] = {
    instrument.code: instrument
    for instrument in (PHQ9, GAD7, QIDS_SR16, PCL5, MADRS, CSSRS_SCREENER, CADSS, MOAAS, BPRS_POSITIVE)
}


class UnknownInstrumentError(MeasureError):
    pass


def get_instrument(code: str) -> Instrument:
    try:
        return INSTRUMENTS[code]
    except KeyError:
        raise UnknownInstrumentError(f"unknown instrument {code!r}; valid codes: {', '.join(INSTRUMENTS)}") from None
