"""Where apps on higher floors plug into measures, so measures never imports them.

- `outcome_inputs_changed` is sent, inside the writing action's transaction, whenever something a
  patient's outcomes are computed from has changed: a response with an outcome rule submitted,
  entered or amended (here), or a treatment plan's status (protocols). Reports keeps its outcome
  summary rows current on it; a receiver that fails rolls the action back with it.
- Patient sections: HTML that other apps add to a patient's measures page (reports adds the trend
  charts, which need the treatment plans).
"""

from collections.abc import Callable

from django.dispatch import Signal
from django.http import HttpRequest

from ketacare.patients.models import Patient

# Sent with patients=<the patients whose outcome inputs changed>.
outcome_inputs_changed = Signal()

# Renders one section of a patient's measures page, whose view has already checked access and
# recorded the read.
PatientSection = Callable[[HttpRequest, Patient], str]
_patient_sections: list[PatientSection] = []


def register_patient_section(section: PatientSection) -> None:
    if section not in _patient_sections:
        _patient_sections.append(section)


def patient_sections(request: HttpRequest, patient: Patient) -> list[str]:
    """The registered sections' HTML, in the order they were registered."""
    return [section(request, patient) for section in _patient_sections]
