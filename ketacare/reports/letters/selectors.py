"""Access-checked reads of referral letters and of the organisation's letter template.

- letters: staff with REFERRAL_LETTER_VIEW of the patient's organisation, every read, list and
  PDF audited; another organisation's letter is a 404;
- the letter template: clinic admins (ORGANISATION_SETTINGS).
"""

from django.db.models import QuerySet

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.audit.reads import audited_record_by_id
from ketacare.lib.ids import db_id_or_zero
from ketacare.patients.models import Patient
from ketacare.patients.selectors import access_patient_by_id
from ketacare.reports.models import ReferralLetter, ReferralLetterSettings

LETTER_TYPE = "reports.referralletter"


def _visible_letters(user) -> QuerySet[ReferralLetter]:
    require_permission(user, Permission.REFERRAL_LETTER_VIEW)
    return ReferralLetter.objects.filter(patient__organisation_id=user.organisation_id).select_related(
        "patient", "patient__organisation", "patient__home_location", "author", "signed_by"
    )


def access_referral_letter_by_id(
    user, letter_id: int, *, audit: bool = True, for_update: bool = False, export: str = ""
) -> ReferralLetter:
    """The letter (audited as a view, or as an export when `export` names the format); 404 otherwise."""
    return audited_record_by_id(
        user,
        _visible_letters(user),
        letter_id,
        missing="No such referral letter",
        audit=audit,
        for_update=for_update,
        export=export,
    )


def access_referral_letters_by_patient_id(user, patient_id: int) -> tuple[Patient, list[ReferralLetter]]:
    """A patient's referral letters, newest first (audited as one list)."""
    require_permission(user, Permission.REFERRAL_LETTER_VIEW)
    patient = access_patient_by_id(user, db_id_or_zero(patient_id), audit=False)
    letters = list(_visible_letters(user).filter(patient=patient))
    record_event(
        user,
        AuditAction.LIST,
        object_type=LETTER_TYPE,
        patient=patient,
        detail={"ids": [letter.pk for letter in letters]},
    )
    return patient, letters


def letter_settings_of(organisation_id: int) -> ReferralLetterSettings:
    """The organisation's letter settings, or unsaved defaults (the built-in example body)."""
    return ReferralLetterSettings.objects.filter(organisation_id=organisation_id).first() or ReferralLetterSettings(
        organisation_id=organisation_id
    )


def access_letter_settings(user) -> ReferralLetterSettings:
    require_permission(user, Permission.ORGANISATION_SETTINGS)
    return letter_settings_of(user.organisation_id)
