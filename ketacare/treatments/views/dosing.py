"""The dosing steps: draw the dose (checked by a colleague who signs in), waste the remainder (witnessed),
start and stop administration, esketamine devices."""

from ketacare.ledger.selectors import available_vials
from ketacare.treatments import actions
from ketacare.treatments.forms import DoseForm, WasteForm, colleague_choices
from ketacare.treatments.selectors import access_session_by_id
from ketacare.treatments.views.common import button_step, run_step


def _step_dose(request, pk):
    session = access_session_by_id(request.user, pk, audit=False)
    vials = available_vials(request.user, session.location, actions.LEDGER_DRUG[session.drug])
    form = DoseForm(request.POST, vials=vials, esketamine=session.is_esketamine)
    return run_step(
        form,
        "dose",
        lambda: actions.do_prepare_dose(
            request.user,
            pk,
            vial_id=form.cleaned_data["vial_id"],
            checker_username=form.cleaned_data["checker_username"],
            checker_password=form.cleaned_data["checker_password"],
            dose_mg=form.cleaned_data.get("dose_mg"),
        ),
        _drawn,
    )


def _drawn(preparation) -> str:
    volume = f" = {preparation.volume_ml.normalize():f} mL" if preparation.volume_ml is not None else ""
    return f"Drawn {preparation.dose_mg.normalize():f} mg{volume} from lot {preparation.lot}."


def _step_waste(request, pk):
    form = WasteForm(request.POST, colleagues=colleague_choices(request.user))
    return run_step(
        form,
        "waste",
        lambda: actions.do_waste_remainder(
            request.user,
            pk,
            form.cleaned_data["preparation"],
            quantity_mg=form.cleaned_data["quantity_mg"],
            witness_id=form.cleaned_data["witness"],
            witness_password=form.cleaned_data["witness_password"],
            reason=form.cleaned_data["reason"],
        ),
        "Waste recorded with the witness.",
    )


STEPS = {
    "dose": _step_dose,
    "waste": _step_waste,
    "start": button_step(actions.do_start_administration, "Administration started."),
    "stop": button_step(actions.do_stop_administration, "Administration stopped: observation continues."),
    "device": button_step(actions.do_record_device, "Device recorded: rest 5 minutes before the next."),
}
