"""Geometry of the vitals charts (pure Python; templates draw the SVG, as measures/trend_chart does).

Over a session: minutes after the start of administration on x (pre-dose readings at the left
edge), mmHg / beats per minute on y, with the protocol's delay and stop levels as threshold
lines. Across sessions: one point per session (highest systolic/diastolic) by date.
"""

from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 34
Y_MIN, Y_MAX = 40, 200


@dataclass(frozen=True)
class Reading:
    minute: float | None  # None: before administration
    systolic_mmhg: int
    diastolic_mmhg: int
    heart_rate_bpm: int


@dataclass(frozen=True)
class Series:
    label: str
    css_class: str
    points: str  # "x,y x,y ..."
    dots: tuple[tuple[float, float, str], ...]


@dataclass(frozen=True)
class Threshold:
    label: str
    y: float
    kind: str  # "delay" or "stop"


@dataclass(frozen=True)
class Tick:
    label: str
    position: float


@dataclass(frozen=True)
class VitalsChart:
    width: int
    height: int
    left: int
    right_x: int
    top: int
    bottom_y: int
    series: tuple[Series, ...]
    thresholds: tuple[Threshold, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    x_label: str


def _y(value: float) -> float:
    clamped = min(max(value, Y_MIN), Y_MAX)
    return round(TOP + (HEIGHT - TOP - BOTTOM) * (1 - (clamped - Y_MIN) / (Y_MAX - Y_MIN)), 1)


def _thresholds(delay: tuple[int | None, int | None], stop: tuple[int | None, int | None]) -> tuple[Threshold, ...]:
    lines = []
    for kind, (systolic, diastolic) in (("delay", delay), ("stop", stop)):
        for name, value in (("systolic", systolic), ("diastolic", diastolic)):
            if value is not None:
                lines.append(Threshold(f"{kind} {name} {value}", _y(value), kind))
    return tuple(lines)


def _y_ticks() -> tuple[Tick, ...]:
    return tuple(Tick(str(v), _y(v)) for v in range(Y_MIN, Y_MAX + 1, 40))


def _series(xs: list[float], readings: list[Reading], labels: list[str]) -> tuple[Series, ...]:
    result = []
    for label, css, attr in (
        ("Systolic", "sys", "systolic_mmhg"),
        ("Diastolic", "dia", "diastolic_mmhg"),
        ("Heart rate", "hr", "heart_rate_bpm"),
    ):
        dots = tuple(
            (x, _y(getattr(r, attr)), f"{text}: {getattr(r, attr)}")
            for x, r, text in zip(xs, readings, labels, strict=True)
        )
        result.append(Series(label, css, " ".join(f"{x},{y}" for x, y, _ in dots), dots))
    return tuple(result)


def session_chart(
    readings: list[Reading],
    *,
    horizon_min: int,
    delay: tuple[int | None, int | None],
    stop: tuple[int | None, int | None],
) -> VitalsChart:
    """One session's readings against minutes after the start (pre-dose readings at x = the left edge)."""
    latest = max((r.minute for r in readings if r.minute is not None), default=0)
    horizon = max(horizon_min, int(latest) + 1, 1)
    plot_w = WIDTH - LEFT - RIGHT
    # Pre-dose readings sit in a band left of minute 0.
    pre_w = 24

    def x(minute: float | None) -> float:
        if minute is None:
            return LEFT + pre_w / 2
        return round(LEFT + pre_w + max(minute, 0) / horizon * (plot_w - pre_w), 1)

    ordered = sorted(readings, key=lambda r: (r.minute is not None, r.minute or 0))
    labels = ["before dosing" if r.minute is None else f"{int(r.minute)} min" for r in ordered]
    step = 15 if horizon <= 120 else 30
    return VitalsChart(
        WIDTH,
        HEIGHT,
        LEFT,
        WIDTH - RIGHT,
        TOP,
        HEIGHT - BOTTOM,
        _series([x(r.minute) for r in ordered], ordered, labels),
        _thresholds(delay, stop),
        (Tick("pre", x(None)),) + tuple(Tick(str(m), x(m)) for m in range(0, horizon + 1, step)),
        _y_ticks(),
        "minutes after the start",
    )


@dataclass(frozen=True)
class SessionPeak:
    on: date
    systolic_mmhg: int
    diastolic_mmhg: int
    heart_rate_bpm: int


def across_sessions_chart(
    peaks: list[SessionPeak], *, delay: tuple[int | None, int | None], stop: tuple[int | None, int | None]
) -> VitalsChart:
    """Each session's highest reading, in session order (x is the session number, labelled by date)."""
    plot_w = WIDTH - LEFT - RIGHT
    count = len(peaks)

    def x(index: int) -> float:
        return round(LEFT + (plot_w / 2 if count == 1 else index / (count - 1) * (plot_w - 20) + 10), 1)

    xs = [x(i) for i in range(count)]
    readings = [Reading(None, p.systolic_mmhg, p.diastolic_mmhg, p.heart_rate_bpm) for p in peaks]
    labels = [p.on.isoformat() for p in peaks]
    return VitalsChart(
        WIDTH,
        HEIGHT,
        LEFT,
        WIDTH - RIGHT,
        TOP,
        HEIGHT - BOTTOM,
        _series(xs, readings, labels),
        _thresholds(delay, stop),
        tuple(Tick(f"{p.on:%m-%d}", x(i)) for i, p in enumerate(peaks)),
        _y_ticks(),
        "session (highest reading)",
    )
