"""Routes, and how an extravascular dose reaches the central compartment: bioavailability F and
a first-order absorption rate ka per route, each with its source."""

from dataclasses import dataclass
from enum import StrEnum

from ketacare.protocols.domain.pharmacokinetics.inputs import PharmacokineticsError, check_finite, check_positive


class Route(StrEnum):
    IV = "iv"
    IM = "im"
    SUBLINGUAL = "sublingual"
    INTRANASAL = "intranasal"


@dataclass(frozen=True)
class Absorption:
    """An extravascular route: the fraction F reaching circulation enters the central
    compartment from a depot at first-order rate ka; the rest never does."""

    route: Route
    bioavailability: float
    absorption_rate_per_min: float
    source: str

    def __post_init__(self) -> None:
        bioavailability = check_finite("bioavailability", self.bioavailability)
        if not 0 < bioavailability <= 1:
            raise PharmacokineticsError(
                "bioavailability", f"must be more than 0 and at most 1, not {bioavailability:g}"
            )
        check_positive("absorption_rate_per_min", self.absorption_rate_per_min)


# The ka values are ASSUMED: no absorption rate was taken from a paper. Each is
# chosen so the model named in its source string peaks at the reported Tmax;
# tests/test_pharmacokinetics.py checks those claims.
IM_RACEMIC = Absorption(
    route=Route.IM,
    bioavailability=0.93,
    absorption_rate_per_min=0.25,
    source=(
        "F 0.93: Clements 1982 as quoted (hendrickstherapy.com/bioavailability; CLINICAL.md §1). "
        "ka 0.25/min ASSUMED/UNVERIFIED: puts the Clements-model peak at ~10 min, the middle of the "
        "5–15 min IM Tmax quoted by a secondary source (primidi.com/ketamine/pharmacokinetics)"
    ),
)
SUBLINGUAL_RACEMIC = Absorption(
    route=Route.SUBLINGUAL,
    bioavailability=0.29,
    absorption_rate_per_min=0.024,
    source=(
        "F 0.29 (90% CI 0.27–0.31): Rolan, Br J Clin Pharmacol 2014 (PMC4093926), wafer. "
        "ka 0.024/min ASSUMED/UNVERIFIED: puts the Clements-model peak at ~45 min, Rolan's median "
        "Tmax 0.75 h (range 0.25–1 h)"
    ),
)
INTRANASAL_ESKETAMINE = Absorption(
    route=Route.INTRANASAL,
    bioavailability=0.48,
    absorption_rate_per_min=0.143,
    source=(
        "F 0.48: Spravato label (CLINICAL.md §5; popPK 0.51–0.54). ka 0.143/min ASSUMED/UNVERIFIED: "
        "puts the one-compartment label-model peak at ~30 min after one device, the middle of the "
        "label's 20–40 min Tmax"
    ),
)
ABSORPTION_BY_ROUTE: dict[Route, Absorption] = {
    Route.IM: IM_RACEMIC,
    Route.SUBLINGUAL: SUBLINGUAL_RACEMIC,
    Route.INTRANASAL: INTRANASAL_ESKETAMINE,
}
