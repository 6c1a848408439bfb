"""Access-checked reads of patient records. Every read of a chart is audited.

Rules, one per line so each is tested:
- a patient sees only their own record;
- staff see only their own organisation's patients, and only with the role
  matrix's permission;
- anyone else sees nothing (404, so record numbers do not leak).
"""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from ketacare.accounts.domain.roles import Permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.patients.domain.names import search_key
from ketacare.patients.models import Patient

SEARCH_LIMIT = 50


def _visible_patients(user) -> QuerySet[Patient]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Patient.objects.none()
    if user.may(Permission.OWN_RECORD_VIEW):
        return Patient.objects.filter(user=user)
    if user.may(Permission.PATIENT_VIEW) and user.organisation_id is not None:
        return Patient.objects.filter(organisation_id=user.organisation_id)
    return Patient.objects.none()


def access_patient_by_id(user, patient_id: int, *, audit: bool = True) -> Patient:
    """The patient's record if `user` may see it (audited as a view); 404 otherwise."""
    patient = (
        _visible_patients(user)
        .select_related("organisation", "home_location", "user")
        .filter(pk=patient_id)
        .first()
    )
    if patient is None:
        raise Http404("No such patient")
    if audit:
        record_event(user, AuditAction.VIEW, patient, patient=patient)
    return patient


def search_patients(user, query: str = "", *, limit: int = SEARCH_LIMIT) -> list[Patient]:
    """Staff search by name prefix, date of birth (YYYY-MM-DD) or record number.

    One query for the rows plus one audit entry for the search, however many
    patients there are (indexed prefix lookups; see Patient.Meta.indexes).
    """
    if not user.may(Permission.PATIENT_LIST):
        raise PermissionDenied("Your role may not list patients.")
    patients = _visible_patients(user).select_related("home_location")
    query = query.strip()
    if query:
        patients = patients.filter(_search_filter(query))
    results = list(patients.order_by("last_name_key", "first_name_key", "id")[:limit])
    record_event(
        user, AuditAction.LIST, object_type="patients.patient", organisation=user.organisation,
        detail={"query": query, "results": len(results)},
    )
    return results


def _search_filter(query: str) -> Q:
    try:
        return Q(date_of_birth=dt.date.fromisoformat(query))
    except ValueError:
        pass
    if any(ch.isdigit() for ch in query):
        return Q(record_number__iexact=query)
    words = search_key(query).split()
    if not words:
        return Q(pk__in=[])
    if len(words) == 1:
        return Q(last_name_key__startswith=words[0]) | Q(first_name_key__startswith=words[0])
    # "Jane Doe" or "Doe Jane"
    first, last = words[0], words[-1]
    return (Q(first_name_key__startswith=first) & Q(last_name_key__startswith=last)) | (
        Q(last_name_key__startswith=first) & Q(first_name_key__startswith=last)
    )
