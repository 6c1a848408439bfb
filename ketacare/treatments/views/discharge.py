"""The closing steps: discharge (refused naming each criterion not met), signatures, addenda."""

from ketacare.treatments import actions
from ketacare.treatments.forms import AddendumForm, DischargeForm
from ketacare.treatments.views.common import button_step, form_step

STEPS = {
    "discharge": form_step(
        DischargeForm, "discharge", lambda r, pk, d: actions.do_discharge(r.user, pk, **d), "Discharged."
    ),
    "sign": button_step(actions.do_sign_session, "Signed."),
    "addendum": form_step(
        AddendumForm,
        "addendum",
        lambda r, pk, d: actions.do_add_addendum(r.user, pk, text=d["text"]),
        "Addendum added.",
    ),
}
