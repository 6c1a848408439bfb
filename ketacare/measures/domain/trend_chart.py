"""Geometry of the score trajectory chart and the dashboard bars (pure Python, rendered as inline SVG).

The templates only place what is computed here, so the chart is server-rendered with no
JavaScript. Dates map linearly to x; totals to y (0 at the bottom, the instrument's maximum at
the top); severity bands are horizontal stripes.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ketacare.measures.domain.instruments import Instrument

WIDTH = 640
HEIGHT = 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 34
# One shade per band, light to dark; bands beyond the list reuse the darkest.
BAND_SHADES = ("#eef6ee", "#f7f4e2", "#fbeede", "#f9e1d8", "#f3d3d3")


@dataclass(frozen=True)
class ChartBand:
    label: str
    y: float
    height: float
    fill: str


@dataclass(frozen=True)
class ChartPoint:
    on: date
    total: int
    x: float
    y: float
    is_baseline: bool
    is_imported: bool = False  # a total from another system (measures.ExternalScore): drawn hollow


@dataclass(frozen=True)
class SessionMark:
    label: str
    x: float


@dataclass(frozen=True)
class Tick:
    label: str
    position: float


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    bands: tuple[ChartBand, ...]
    points: tuple[ChartPoint, ...]
    sessions: tuple[SessionMark, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]

    @property
    def plot_width(self) -> int:
        return self.plot_right - self.plot_left

    @property
    def polyline(self) -> str:
        return " ".join(f"{point.x:.1f},{point.y:.1f}" for point in self.points)

    @property
    def baseline(self) -> ChartPoint | None:
        return next((point for point in self.points if point.is_baseline), None)


def trend_chart(
    instrument: Instrument,
    points: list[tuple[date, int]],
    *,
    baseline_index: int | None = None,
    sessions: Sequence[tuple[str, date]] = (),
    imported_indexes: Collection[int] = (),
) -> TrendChart:
    """Chart geometry for dated totals (in time order); `baseline_index` marks the baseline point,
    `imported_indexes` the totals taken by another system."""
    dates = [on for on, _ in points] + [on for _, on in sessions]
    first = min(dates) if dates else date.today()
    last = max(dates) if dates else first
    if last == first:  # one date: give the axis a width so the point sits in the middle
        first, last = first - timedelta(days=1), last + timedelta(days=1)
    span_days = (last - first).days
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    total_span = instrument.total_max - instrument.total_min

    def x_of(on: date) -> float:
        return LEFT + plot_width * (on - first).days / span_days

    def y_of(total: float) -> float:
        return TOP + plot_height * (1 - (total - instrument.total_min) / total_span)

    bands = tuple(
        ChartBand(
            label=f"{band.label} {band.min_total}–{band.max_total}",
            # A band covers its whole integer range: from min − ½ to max + ½, clipped to the axis.
            y=y_of(min(band.max_total + 0.5, instrument.total_max)),
            height=y_of(max(band.min_total - 0.5, instrument.total_min))
            - y_of(min(band.max_total + 0.5, instrument.total_max)),
            fill=BAND_SHADES[min(index, len(BAND_SHADES) - 1)],
        )
        for index, band in enumerate(instrument.bands)
    )
    step = max(1, total_span // 5)
    y_ticks = tuple(
        Tick(str(value), y_of(value)) for value in range(instrument.total_min, instrument.total_max + 1, step)
    )
    x_ticks = tuple(
        Tick(on.isoformat(), x_of(on))
        for on in sorted({first + timedelta(days=round(span_days * k / 4)) for k in range(5)})
    )
    return TrendChart(
        width=WIDTH,
        height=HEIGHT,
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        plot_top=TOP,
        plot_bottom=HEIGHT - BOTTOM,
        bands=bands,
        points=tuple(
            ChartPoint(on, total, x_of(on), y_of(total), index == baseline_index, index in imported_indexes)
            for index, (on, total) in enumerate(points)
        ),
        sessions=tuple(SessionMark(label, x_of(on)) for label, on in sessions),
        y_ticks=y_ticks,
        x_ticks=x_ticks,
    )


def bar_width(count: int, of: int, full_width: float = 100.0) -> float:
    """Width of a rate bar: count/of of the full width; 0 when nothing is evaluable."""
    return full_width * count / of if of else 0.0
