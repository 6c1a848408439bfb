"""The outcome dashboard's follow-up windows and the rates it shows (pure).

The windows are also the columns of measures' OutcomeSummary rows (week4_total, week8_total).
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ketacare.measures.domain.instruments import Instrument
from ketacare.measures.domain.trend_chart import bar_width

# (label, target day after the first treatment, ± days), in the order of OutcomeSummary's columns.
FOLLOW_UP_WINDOWS = (("4 weeks", 28, 7), ("8 weeks", 56, 7))
# The windows as the tables' headings name them.
WINDOW_HEADINGS = tuple(f"{label} (day {day} ± {half_days})" for label, day, half_days in FOLLOW_UP_WINDOWS)


@dataclass(frozen=True)
class WindowRates:
    evaluable: int
    responders: int
    remitters: int | None  # None: the instrument has no remission rule

    def _percent(self, count: int | None) -> float | None:
        return None if count is None or not self.evaluable else 100 * count / self.evaluable

    @property
    def response_percent(self) -> float | None:
        return self._percent(self.responders)

    @property
    def remission_percent(self) -> float | None:
        return self._percent(self.remitters)

    @property
    def response_bar(self) -> float:
        return bar_width(self.responders, self.evaluable)

    @property
    def remission_bar(self) -> float:
        return bar_width(self.remitters or 0, self.evaluable)

    # The table's texts, formatted here rather than by |floatformat in the template (60 cells a page):
    # percentages whole, bar widths to 0.1, rounded half up as floatformat does.
    @property
    def response_percent_text(self) -> str:
        return _fixed(self.response_percent, 0)

    @property
    def remission_percent_text(self) -> str:
        return _fixed(self.remission_percent, 0)

    @property
    def response_bar_text(self) -> str:
        return _fixed(self.response_bar, 1)

    @property
    def remission_bar_text(self) -> str:
        return _fixed(self.remission_bar, 1)


def _fixed(value: float | None, places: int) -> str:
    """`value` with `places` decimals, rounded half up; "" for None."""
    if value is None:
        return ""
    return str(Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class DashboardRow:
    label: str
    with_baseline: int
    windows: tuple[WindowRates, ...]


@dataclass(frozen=True)
class Dashboard:
    instrument: Instrument
    response_percent: int
    remission_max_total: int | None
    by_protocol: list[DashboardRow]
    by_location: list[DashboardRow]
    overall: DashboardRow
    windows: tuple[tuple[str, int, int], ...] = FOLLOW_UP_WINDOWS
    window_headings: tuple[str, ...] = WINDOW_HEADINGS

    @property
    def tables(self) -> list[dict[str, Any]]:
        """The page's three tables: caption, element id suffix and rows (`table_rows`)."""
        return [
            {"caption": "Protocol", "key": "protocol", "rows": table_rows(self.by_protocol)},
            {"caption": "Location", "key": "location", "rows": table_rows(self.by_location)},
            {"caption": "All patients", "key": "overall", "rows": table_rows([self.overall])},
        ]


def table_rows(rows: list[DashboardRow]) -> list[dict[str, Any]]:
    """What an outcome table shows of `rows`: per window the evaluable count and a cell per rate (None for a
    remission the instrument has no rule for). Texts in dicts, formatted once here, because a template finds
    a dict's keys at its first try and an object's attributes only after a failed key lookup: the tables
    rendered in two thirds of the time of the same texts read from the dataclasses."""
    return [
        {
            "label": row.label,
            "with_baseline": row.with_baseline,
            "windows": [
                {
                    "evaluable": rates.evaluable,
                    "response": _rate_cell(rates.responders, rates.response_percent_text, rates.response_bar_text),
                    "remission": None
                    if rates.remitters is None
                    else _rate_cell(rates.remitters, rates.remission_percent_text, rates.remission_bar_text),
                }
                for rates in row.windows
            ],
        }
        for row in rows
    ]


def _rate_cell(count: int, percent_text: str, bar_width_text: str) -> dict[str, str]:
    return {
        "count": f"{count} ({percent_text}%)" if percent_text else str(count),  # no percentage of nobody evaluable
        "percent": percent_text or "0",  # the bar's accessible label
        "bar_width": bar_width_text,
    }


def dashboard_row(label: str, groups: list[tuple[Any, ...]], has_remission: bool) -> DashboardRow:
    """One row from counted groups: (protocol, location, with baseline, then per window:
    evaluable, responders, remitters)."""
    windows = []
    for index in range(len(FOLLOW_UP_WINDOWS)):
        base = 3 + 3 * index
        windows.append(
            WindowRates(
                evaluable=sum(int(g[base]) for g in groups),
                responders=sum(int(g[base + 1]) for g in groups),
                remitters=sum(int(g[base + 2]) for g in groups) if has_remission else None,
            )
        )
    return DashboardRow(label, sum(int(g[2]) for g in groups), tuple(windows))
