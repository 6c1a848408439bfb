"""Hypothesis strategies and helpers shared by the measures tests."""

from hypothesis import strategies as st

from ketacare.measures.domain.instruments import Instrument


def _asked(item, answers: list[int | None]) -> bool:
    gate = item.asked_when
    return gate is None or answers[gate.item_number - 1] == gate.answer


@st.composite
def valid_answers(draw, instrument: Instrument) -> list[int | None]:
    """A complete, valid answer list: items behind a skip rule are None unless their gate opens."""
    answers: list[int | None] = []
    for item in instrument.items:
        answers.append(draw(st.integers(item.min_answer, item.max_answer)) if _asked(item, answers) else None)
    return answers


def raise_item(instrument: Instrument, answers: list[int | None], number: int) -> list[int | None] | None:
    """The answers with item `number` one higher, newly opened items at their minimum; None if impossible."""
    item = instrument.item(number)
    value = answers[number - 1]
    if value is None or value >= item.max_answer:
        return None
    raised = list(answers)
    raised[number - 1] = value + 1
    for other in instrument.items:
        if other.asked_when is None:
            continue
        if _asked(other, raised):
            if raised[other.number - 1] is None:
                raised[other.number - 1] = other.min_answer
        else:
            raised[other.number - 1] = None
    return raised


def extremes(instrument: Instrument, *, highest: bool) -> list[int | None]:
    """Every asked item at its minimum (gates closed) or its maximum (gates open)."""
    answers: list[int | None] = []
    for item in instrument.items:
        if _asked(item, answers):
            answers.append(item.max_answer if highest else item.min_answer)
        else:
            answers.append(None)
    return answers


def answers_with_total(instrument: Instrument, total: int) -> list[int]:
    """For a summed instrument: answers that add up to `total`, filled from item 1."""
    answers = [item.min_answer for item in instrument.items]
    remaining = total - sum(answers)
    for index, item in enumerate(instrument.items):
        step = min(remaining, item.max_answer - item.min_answer)
        answers[index] += step
        remaining -= step
    assert remaining == 0, f"{instrument.code} cannot reach {total}"
    return answers
