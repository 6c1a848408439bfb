"""Validate a set of answers and score it: total, band, subscales and safety flags."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ketacare.measures.domain.instruments import Answers, Instrument, MeasureError, ScoringParameters, sum_items
from ketacare.measures.domain.library import get_instrument

NOT_ASKED = "-"  # how an item that was not asked (a skip rule) is written in an answer list


@dataclass(frozen=True)
class ScoreResult:
    instrument: str  # instrument code
    total: int
    severity: str | None  # band code; None when the instrument has no bands
    subscales: dict[str, int] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _instrument(instrument: Instrument | str) -> Instrument:
    return get_instrument(instrument) if isinstance(instrument, str) else instrument


def validate_answers(instrument: Instrument | str, answers: Sequence[int | None]) -> Answers:
    """Return the answers as a tuple, or raise MeasureError naming the first wrong item."""
    instrument = _instrument(instrument)
    values = tuple(answers)
    count = len(instrument.items)
    counts = f"{instrument.name} has {_plural(count, 'item')}, got {_plural(len(values), 'answer')}"
    if len(values) > count:
        raise MeasureError(f"answer {count + 1} is extra: {counts}")
    for item in instrument.items:
        if item.number > len(values):
            raise MeasureError(f"{item.display}: missing — {counts}")
        value = values[item.number - 1]
        gate = item.asked_when
        if gate is not None and values[gate.item_number - 1] != gate.answer:
            if value is not None:
                gate_item = instrument.item(gate.item_number)
                label = gate_item.answer_label(gate.answer)
                shown = f"{gate.answer} ({label})" if label else str(gate.answer)
                raise MeasureError(
                    f"{item.display}: answered, but it is only asked when {gate_item.display} is {shown}"
                )
            continue
        if value is None:
            raise MeasureError(f"{item.display}: missing")
        if isinstance(value, bool) or not isinstance(value, int):
            raise MeasureError(f"{item.display}: {value!r} is not a whole number")
        if not item.min_answer <= value <= item.max_answer:
            raise MeasureError(f"{item.display}: {value} is out of range {item.min_answer}–{item.max_answer}")
    return values


def parse_answers(instrument: Instrument | str, text: str) -> list[int | None]:
    """'0,1,2,-' → [0, 1, 2, None]; '-' marks an item that was not asked. Range checks are left to score()."""
    instrument = _instrument(instrument)
    answers: list[int | None] = []
    for position, raw in enumerate(text.split(","), start=1):
        raw = raw.strip()
        where = instrument.item(position).display if position <= len(instrument.items) else f"answer {position}"
        if raw == NOT_ASKED:
            answers.append(None)
            continue
        try:
            answers.append(int(raw))
        except ValueError:
            raise MeasureError(
                f"{where}: {raw!r} is not a whole number (write {NOT_ASKED} for an item that was not asked)"
            ) from None
    return answers


def score(
    instrument: Instrument | str,
    answers: Sequence[int | None],
    parameters: ScoringParameters = ScoringParameters(),
) -> ScoreResult:
    instrument = _instrument(instrument)
    values = validate_answers(instrument, answers)
    total = instrument.scorer(values)
    subscales = {subscale.code: sum_items(subscale.item_numbers, values) for subscale in instrument.subscales}
    band = instrument.band_for(total)
    flags = instrument.flagger(values, total, subscales, parameters) if instrument.flagger else []
    return ScoreResult(
        instrument=instrument.code,
        total=total,
        severity=band.code if band else None,
        subscales=subscales,
        flags=flags,
    )


def result_as_dict(result: ScoreResult) -> dict[str, Any]:
    """The published JSON shape: `severity` appears only for instruments that have bands."""
    data: dict[str, Any] = {"instrument": result.instrument, "total": result.total}
    if get_instrument(result.instrument).has_bands:
        data["severity"] = result.severity
    data["subscales"] = dict(result.subscales)
    data["flags"] = list(result.flags)
    return data
