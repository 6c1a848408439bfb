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

    @property
    def overall_rows(self) -> list[DashboardRow]:
        return [self.overall]


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
