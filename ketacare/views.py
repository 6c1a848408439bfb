from django.shortcuts import redirect, render

from ketacare.accounts.domain.roles import Permission
from ketacare.clinics.models import Organisation


def home(request):
    """Send each user to where their work starts; visitors see the clinics' public pages."""
    user = request.user
    if user.is_authenticated:
        if user.may(Permission.OWN_RECORD_VIEW):
            return redirect("portal:home")
        if user.may(Permission.INQUIRY_VIEW):
            return redirect("inquiries:inbox")
        if user.may(Permission.CHARGES_EDIT):  # billing staff: the charges to review
            return redirect("billing:charges")
        if user.may(Permission.PATIENT_LIST):
            return redirect("patients:list")
    return render(request, "home.html", {"organisations": Organisation.objects.all()})
