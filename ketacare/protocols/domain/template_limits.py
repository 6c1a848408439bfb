"""A protocol template's dose limits must agree with each other and with its route (issue 14.2).

A version saved with its default dose above its own maximum would make every plan from it blocked
(or, with a maximum below the minimum, impossible). Checked by the model (every action) and by the
API schema, so neither saves such a version.
"""

from collections.abc import Iterable, Sequence
from decimal import Decimal

# Per-kg fields only make sense for weight-based routes; a fixed schedule only for fixed-dose ones.
PER_KG_FIELDS = ("dose_mg_per_kg", "min_dose_mg_per_kg", "max_dose_mg_per_kg", "hard_cap_dose_mg_per_kg")


def _within(value: Decimal, low: Decimal | None, high: Decimal | None, unit: str) -> str:
    if low is not None and value < low:
        return f"{value} {unit} is below the template's minimum ({low} {unit})."
    if high is not None and value > high:
        return f"{value} {unit} is above the template's maximum ({high} {unit})."
    return ""


def template_dose_problems(
    *,
    weight_based: bool,
    dose_mg_per_kg: Decimal | None,
    min_dose_mg_per_kg: Decimal | None,
    max_dose_mg_per_kg: Decimal | None,
    hard_cap_dose_mg_per_kg: Decimal | None,
    min_dose_mg_per_session: Decimal | None,
    max_dose_mg_per_session: Decimal | None,
    titration_steps_mg_per_kg: Sequence[Decimal],
    fixed_doses_mg: Iterable[Decimal],
) -> dict[str, str]:
    """Each inconsistency by field name; {} when the limits agree."""
    problems: dict[str, str] = {}
    if min_dose_mg_per_kg is not None and max_dose_mg_per_kg is not None and min_dose_mg_per_kg > max_dose_mg_per_kg:
        problems["max_dose_mg_per_kg"] = f"Must be at least the minimum ({min_dose_mg_per_kg} mg/kg)."
    if max_dose_mg_per_kg is not None and hard_cap_dose_mg_per_kg is not None:
        if max_dose_mg_per_kg > hard_cap_dose_mg_per_kg:
            problems["hard_cap_dose_mg_per_kg"] = f"Must be at least the maximum ({max_dose_mg_per_kg} mg/kg)."
    low_session, high_session = min_dose_mg_per_session, max_dose_mg_per_session
    if low_session is not None and high_session is not None and low_session > high_session:
        problems["max_dose_mg_per_session"] = f"Must be at least the minimum per session ({low_session} mg)."
    if weight_based:
        if dose_mg_per_kg is not None:
            problem = _within(dose_mg_per_kg, min_dose_mg_per_kg, max_dose_mg_per_kg, "mg/kg")
            if problem:
                problems.setdefault("dose_mg_per_kg", problem)
        for step in titration_steps_mg_per_kg:
            problem = _within(step, min_dose_mg_per_kg, hard_cap_dose_mg_per_kg, "mg/kg")
            if problem:
                problems.setdefault("titration_steps_mg_per_kg", f"Step {problem}")
    else:
        for name, value in zip(
            PER_KG_FIELDS,
            (dose_mg_per_kg, min_dose_mg_per_kg, max_dose_mg_per_kg, hard_cap_dose_mg_per_kg),
            strict=True,
        ):
            if value is not None:
                problems[name] = "A fixed-dose route is not dosed per kg: leave this empty."
        if titration_steps_mg_per_kg:
            problems["titration_steps_mg_per_kg"] = "A fixed-dose route is not dosed per kg: leave this empty."
        for dose in fixed_doses_mg:
            problem = _within(dose, low_session, high_session, "mg")
            if problem:
                problems.setdefault("fixed_dose_schedule", f"A dose of {problem}")
    return problems


def fixed_schedule_doses_mg(schedule: object) -> list[Decimal]:
    """Every dose a fixed schedule names (first doses and options); malformed entries are skipped
    here (the schedule's own validation reports them)."""
    doses: list[Decimal] = []
    if not isinstance(schedule, list):
        return doses
    for phase in schedule:
        if not isinstance(phase, dict):
            continue
        values = [phase.get("first_dose_mg"), *(phase.get("dose_mg_options") or [])]
        for value in values:
            if isinstance(value, int | float | str | Decimal) and not isinstance(value, bool):
                try:
                    doses.append(Decimal(str(value)))
                except ArithmeticError:
                    continue
    return doses
