"""Published plasma concentrations associated with effects, the reference lines on the chart."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ConcentrationBand:
    """A plasma concentration associated with an effect. `high` None: open-ended or a single value."""

    key: str
    label: str
    low_ng_per_ml: float
    high_ng_per_ml: float | None
    context: str
    source: str


_ZANOS = "Zanos, Pharmacol Rev 2018;70:621, Table 1 (PMC6020109)"

CONCENTRATION_BANDS: tuple[ConcentrationBand, ...] = (
    ConcentrationBand(
        key="analgesia",
        label="Analgesia",
        low_ng_per_ml=70.0,
        high_ng_per_ml=160.0,
        context="0.15 mg/kg IV",
        source=_ZANOS,
    ),
    ConcentrationBand(
        key="dissociation",
        label="Dissociation",
        low_ng_per_ml=100.0,
        high_ng_per_ml=250.0,
        context="0.5 mg/kg over 40 min",
        source=f"Krystal 1994 via {_ZANOS}",
    ),
    ConcentrationBand(
        key="antidepressant",
        label="Antidepressant (reported level)",
        low_ng_per_ml=185.0,
        high_ng_per_ml=None,
        context="0.5 mg/kg over 40 min; a single reported value (0.78 µM), not a range or a target",
        source=f"Zarate 2006 via {_ZANOS}",
    ),
    ConcentrationBand(
        key="anaesthesia",
        label="Anaesthesia",
        low_ng_per_ml=1200.0,
        high_ng_per_ml=2400.0,
        context="1–2 mg/kg IV; at or above 1200 ng/mL (5–10 µM)",
        source=_ZANOS,
    ),
)
