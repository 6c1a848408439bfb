"""Waste from a vial, co-signed by a witness who re-enters their password (a form of the vial page,
views/stock.py; doses are drawn from the session chart, treatments)."""

from django.views.decorators.http import require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required
from ketacare.ledger import forms
from ketacare.ledger.actions.administration import do_record_waste
from ketacare.ledger.views.stock import colleague_or_none, vial_post


@permission_required(Permission.LEDGER_RECORD)
@require_POST
def vial_waste(request, pk: int):
    user = request.user
    form = forms.WasteForm(request.POST, actor=user)
    return vial_post(
        request,
        pk,
        "waste",
        form,
        lambda d: do_record_waste(
            user,
            vial_id=pk,
            quantity_mg=d["quantity_mg"],
            reason=d["reason"],
            witness=colleague_or_none(user, d["witness"]),
            witness_password=d["witness_password"],
        ),
        "Waste recorded.",
    )
