"""The shape of a rating instrument: items, answer ranges, bands, response and remission rules.

Pure data, no Django. The nine instruments themselves are defined in `library.py`; every
clinical value there names its source (CLINICAL.md §3 unless stated otherwise).
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

# One answer per item, in item order; None marks an item that was not asked (a skip rule).
Answers = tuple[int | None, ...]


class MeasureError(ValueError):
    """Invalid input to an instrument; the message names the item or field in plain words."""


class Rater(StrEnum):
    PATIENT = "patient"
    CLINICIAN = "clinician"


@dataclass(frozen=True)
class AskedWhen:
    """The item is asked only when an earlier item was answered with `answer` (a skip rule)."""

    item_number: int
    answer: int


@dataclass(frozen=True)
class Item:
    number: int  # position in the answer list, 1-based
    code: str
    name: str  # short name; item wording is not stored here unless licensed (see `text`)
    min_answer: int
    max_answer: int
    text: str | None = None  # published wording, only where the licence allows
    answer_labels: tuple[str, ...] | None = None  # one per value min_answer..max_answer
    loinc: str | None = None
    answer_loinc: tuple[str, ...] | None = None  # LOINC answer (LA) codes, one per value
    asked_when: AskedWhen | None = None
    shown_as: str = ""  # the number printed on the form when it is not `number` (C-SSRS "6b")

    @property
    def tag(self) -> str:
        return self.shown_as or str(self.number)

    @property
    def display(self) -> str:
        """`item 9 (thoughts that you would be better off dead…)`, for messages."""
        # Lower-case the first letter for the sentence, but keep acronyms ("CADSS item 3") intact.
        name = self.name if self.name[1:2].isupper() else self.name[:1].lower() + self.name[1:]
        return f"item {self.tag} ({name})"

    @property
    def answer_values(self) -> range:
        return range(self.min_answer, self.max_answer + 1)

    def answer_label(self, value: int) -> str | None:
        if self.answer_labels is None:
            return None
        return self.answer_labels[value - self.min_answer]


@dataclass(frozen=True)
class Band:
    code: str
    label: str
    min_total: int
    max_total: int  # inclusive


@dataclass(frozen=True)
class Subscale:
    code: str
    label: str
    item_numbers: tuple[int, ...]  # summed


@dataclass(frozen=True)
class ResponseRule:
    reduction_percent: int  # response when the total falls by at least this much from baseline
    source: str


@dataclass(frozen=True)
class RemissionRule:
    max_total: int  # remission when the total is at most this (integer totals: "< 5" is max 4)
    stated_as: str  # as the source states it, e.g. "< 5"
    source: str
    # Other published thresholds a clinic may choose: (max_total, source).
    alternatives: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class ScoringParameters:
    """Scoring defaults a clinic may override (a clinic setting will supply these)."""

    # CLINICAL.md §3 PCL-5: cut-off disagree — 31–33 current (NCPTSD); 38 early NC-PTSD proposal;
    # 45 psychiatric outpatients (Boyd 2022). Default 33, the top of the current range.
    pcl5_cutoff_total: int = 33


Scorer = Callable[[Answers], int]
Flagger = Callable[[Answers, int, Mapping[str, int], ScoringParameters], list[str]]


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str  # short display name, "PHQ-9"
    title: str
    version: str  # which published form this definition encodes
    rater: Rater
    recall_window: str
    items: tuple[Item, ...]
    total_min: int
    total_max: int
    scoring_rule: str  # the rule in plain words
    scorer: Scorer
    source: str
    licence: str
    prompt: str | None = None  # question stem, only where the licence allows
    subscales: tuple[Subscale, ...] = ()
    bands: tuple[Band, ...] = ()
    bands_source: str = ""
    response: ResponseRule | None = None
    remission: RemissionRule | None = None
    loinc_panel: str | None = None
    loinc_total: str | None = None
    flagger: Flagger | None = None
    flag_source: str = ""

    @property
    def has_bands(self) -> bool:
        return bool(self.bands)

    def item(self, number: int) -> Item:
        return self.items[number - 1]

    def band_for(self, total: int) -> Band | None:
        for band in self.bands:
            if band.min_total <= total <= band.max_total:
                return band
        return None

    def check_total(self, total: int, what: str = "total") -> None:
        if isinstance(total, bool) or not isinstance(total, int):
            raise MeasureError(f"{self.name} {what}: {total!r} is not a whole number")
        if not self.total_min <= total <= self.total_max:
            raise MeasureError(f"{self.name} {what}: {total} is out of range {self.total_min}–{self.total_max}")


def sum_items(numbers: Sequence[int], answers: Answers) -> int:
    return sum(answers[number - 1] or 0 for number in numbers)
