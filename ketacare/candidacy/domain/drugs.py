"""Drug tables: minimum adequate antidepressant doses and interacting-medicine classes."""

import re
from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

MINIMUM_DOSE_SOURCE = (
    "ATHF-style minimums, UNVERIFIED against the ATHF-SF 2019 table (Sackeim, J Psychiatr Res "
    "2019;113:125); CLINICAL.md §4 names ATHF and MGH-ATRQ but not their dose tables; clinics should review"
)

# Minimum adequate daily dose (mg) per antidepressant; source: MINIMUM_DOSE_SOURCE.
# A drug missing here cannot be judged adequate, so its trials are not counted.
ATHF_STYLE_MINIMUM_DAILY_DOSE_MG: Mapping[str, float] = MappingProxyType(
    {
        "sertraline": 50,
        "fluoxetine": 20,
        "paroxetine": 20,
        "citalopram": 20,
        "escitalopram": 10,
        "venlafaxine": 150,  # immediate and extended release alike
        "duloxetine": 60,
        "desvenlafaxine": 50,
        "bupropion": 300,
        "mirtazapine": 30,
        "vortioxetine": 10,
        "vilazodone": 20,
        "nortriptyline": 75,
        "amitriptyline": 150,
        "imipramine": 150,
        "trazodone": 300,
        "phenelzine": 45,
        "tranylcypromine": 30,
    }
)


class DrugClass(StrEnum):
    """Classes of current medicines that change a ketamine or esketamine decision."""

    BENZODIAZEPINE = "benzodiazepine"
    PSYCHOSTIMULANT = "psychostimulant"
    MAOI = "maoi"
    LAMOTRIGINE = "lamotrigine"
    OPIOID = "opioid"
    SEDATIVE_HYPNOTIC = "sedative_hypnotic"  # non-benzodiazepine ("Z-drugs")
    OTHER = "other"  # no known interaction the rules look at


# Class membership is ordinary pharmacology, not taken from CLINICAL.md; the classes
# themselves are the esketamine REMS Patient Monitoring Form's concomitant-medicine
# fields (CLINICAL.md §2). A name not listed must be given with its class.
MEDICINE_CLASSES: Mapping[str, DrugClass] = MappingProxyType(
    {
        **dict.fromkeys(
            (
                "alprazolam",
                "chlordiazepoxide",
                "clobazam",
                "clonazepam",
                "clorazepate",
                "diazepam",
                "lorazepam",
                "midazolam",
                "oxazepam",
                "temazepam",
                "triazolam",
            ),
            DrugClass.BENZODIAZEPINE,
        ),
        **dict.fromkeys(
            (
                "amphetamine",
                "dextroamphetamine",
                "lisdexamfetamine",
                "methamphetamine",
                "methylphenidate",
                "dexmethylphenidate",
                "modafinil",
                "armodafinil",
            ),
            DrugClass.PSYCHOSTIMULANT,
        ),
        **dict.fromkeys(("isocarboxazid", "phenelzine", "selegiline", "tranylcypromine"), DrugClass.MAOI),
        "lamotrigine": DrugClass.LAMOTRIGINE,
        **dict.fromkeys(
            (
                "buprenorphine",
                "codeine",
                "fentanyl",
                "hydrocodone",
                "hydromorphone",
                "methadone",
                "morphine",
                "oxycodone",
                "oxymorphone",
                "tapentadol",
                "tramadol",
            ),
            DrugClass.OPIOID,
        ),
        **dict.fromkeys(("eszopiclone", "zaleplon", "zolpidem", "zopiclone"), DrugClass.SEDATIVE_HYPNOTIC),
        # A class's own name stands for an unnamed member of it.
        **{drug_class.value: drug_class for drug_class in DrugClass},
    }
)

# Release forms do not change the minimum dose ("venlafaxine XR" is venlafaxine).
_RELEASE_SUFFIXES = frozenset({"ir", "xr", "er", "sr", "cr", "xl", "la"})


def normalize_drug_name(name: str) -> str:
    """'Venlafaxine  XR' -> 'venlafaxine': lower case, single spaces, no release form."""
    words = re.split(r"[\s\-]+", name.strip().lower())
    while len(words) > 1 and words[-1] in _RELEASE_SUFFIXES:
        words.pop()
    return " ".join(word for word in words if word)
