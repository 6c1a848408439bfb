from django.shortcuts import render

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required
from ketacare.patients.models import CareStage
from ketacare.portal.selectors import access_own_record_by_user

# Where the patient is in their care, in words for the patient rather than the clinic.
STAGE_IN_PLAIN_WORDS = {
    CareStage.REGISTERED: "You are registered with the clinic. We will contact you about the next step: "
    "a short screening to see whether this treatment could suit you.",
    CareStage.SCREENING: "We are reviewing your history and questionnaires to see whether ketamine "
    "treatment may be right for you.",
    CareStage.CONSULTATION: "Your next step is a consultation with one of our prescribers, who will talk "
    "through the treatment, its risks and your other options with you.",
    CareStage.INDUCTION: "You are in your first course of treatment sessions.",
    CareStage.MAINTENANCE: "You have finished your first course and now have occasional sessions to help "
    "keep the benefit.",
    CareStage.DISCHARGED: "Your treatment with us has ended. Contact the clinic if you would like to talk "
    "about further care.",
    CareStage.NOT_ELIGIBLE: "After review, this treatment is not the right option for you at the moment. "
    "Your care team can talk through other options with you.",
}


@permission_required(Permission.OWN_RECORD_VIEW)
def home(request):
    """The signed-in patient's own record: clinic, stage, what is on file, where to get help."""
    record = access_own_record_by_user(request.user)
    if record is None:
        return render(request, "portal/no_record.html", {"org": request.user.organisation})
    return render(
        request,
        "portal/home.html",
        {
            "record": record,
            "patient": record.patient,
            "org": record.patient.organisation,
            "stage_in_words": STAGE_IN_PLAIN_WORDS.get(record.patient.stage, ""),
        },
    )
