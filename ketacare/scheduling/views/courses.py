"""Pages of whole courses: book a plan's course (or pick an alternative), open one, move a session, cancel the rest."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required, user_may
from ketacare.lib.forms import error_text, show_errors
from ketacare.lib.views import run_form_action
from ketacare.lib.zones import show_times_in
from ketacare.protocols.selectors import access_plans_by_patient_id
from ketacare.scheduling.actions import courses as course_actions
from ketacare.scheduling.forms import CancelRestForm, CourseForm, MoveSessionForm
from ketacare.scheduling.selectors.booking import SlotConflict
from ketacare.scheduling.selectors.courses import (
    BOOKABLE_PLAN_STATUSES,
    access_course_by_id,
    access_course_detail,
    access_plan_sessions_by_plan_id,
    course_appointments,
    courses_of_patient,
    default_appointment_type,
    min_days_between,
)
from ketacare.scheduling.selectors.resources import active_chairs


@permission_required(Permission.SCHEDULE_VIEW)
@require_GET
def patient_courses(request, patient_id: int):
    """A patient's treatment plans to book and the courses booked for them."""
    user = request.user
    patient, plans = access_plans_by_patient_id(user, patient_id)
    plans = [plan for plan in plans if plan.status in BOOKABLE_PLAN_STATUSES]
    return render(
        request,
        "scheduling/course_list.html",
        {
            "patient": patient,
            "plans": plans,
            "courses": courses_of_patient(user, patient_id),
            "may_book": user_may(user, Permission.SCHEDULE_BOOK),
        },
    )


def _course_form_initial(plan) -> dict:
    initial = {"shift_days": 0}
    appointment_type = default_appointment_type(plan)
    if appointment_type is not None:
        initial["appointment_type"] = appointment_type.pk
    if plan.patient.home_location_id:
        initial["locations"] = [plan.patient.home_location_id]
    return initial


@permission_required(Permission.SCHEDULE_BOOK)
def book_course(request, plan_id: int):
    """Book a plan's whole course; when it does not fit, show why and the alternatives to pick."""
    user = request.user
    plan, sessions = access_plan_sessions_by_plan_id(user, plan_id)
    proposal = None
    if request.method == "POST":
        form = CourseForm(user, request.POST)
        if form.is_valid():
            try:
                course = course_actions.do_book_course(user, plan.pk, **form.action_fields())
            except course_actions.CourseDoesNotFit as refused:
                proposal = refused.proposal
            except SlotConflict as exc:
                messages.error(request, error_text(exc))
            except ValidationError as exc:
                show_errors(form, exc)
            else:
                booked = len(course_appointments(course))
                messages.success(request, f"Course booked: {booked} sessions at {course.location.name}.")
                return redirect("scheduling:course_detail", pk=course.pk)
    else:
        form = CourseForm(user, initial=_course_form_initial(plan))
    return render(
        request,
        "scheduling/course_book.html",
        {
            "plan": plan,
            "patient": plan.patient,
            "sessions": sessions,
            "form": form,
            "proposal": proposal,
            "posted": request.POST,
            "posted_days": request.POST.getlist("days"),
        },
    )


def _render_course(request, pk: int, *, move_errors=None, cancel_form=None, status=200):
    user = request.user
    course, appointments = access_course_detail(user, pk)
    show_times_in(course.location.zone)
    rows = [
        {
            "appointment": a,
            "sequence": a.planned_session.sequence if a.planned_session_id else None,
            "window": (a.planned_session.window_start, a.planned_session.window_end) if a.planned_session_id else None,
            "movable": a.status == "booked" and a.starts_at > timezone.now() and course.cancelled_at is None,
        }
        for a in appointments
    ]
    return render(
        request,
        "scheduling/course_detail.html",
        {
            "course": course,
            "patient": course.patient,
            "rows": rows,
            "may_book": user_may(user, Permission.SCHEDULE_BOOK) and course.cancelled_at is None,
            "move_errors": move_errors or {},
            "cancel_form": cancel_form or CancelRestForm(),
            "min_days_between": min_days_between(course),
        },
        status=status,
    )


@permission_required(Permission.SCHEDULE_VIEW)
@require_GET
def course_detail(request, pk: int):
    return _render_course(request, pk)


@permission_required(Permission.SCHEDULE_BOOK)
@require_POST
def course_session_move(request, pk: int, appointment_id: int):
    """Move one session; the rest of the course is re-checked (windows, spacing, order)."""
    user = request.user
    course = access_course_by_id(user, pk)
    form = MoveSessionForm(request.POST)
    form.fields["chair"].queryset = active_chairs(user, location_id=course.location_id)
    if form.is_valid():
        starts_at = dt.datetime.combine(
            form.cleaned_data["start_date"], form.cleaned_data["start_time"], tzinfo=course.location.zone
        )
        chair = form.cleaned_data.get("chair")
        if appointment_id not in {a.pk for a in course_appointments(course)}:
            not_ours = {appointment_id: "Not a session of this course."}
            return _render_course(request, pk, move_errors=not_ours, status=422)
        try:
            course_actions.do_move_course_session(
                user, appointment_id, starts_at=starts_at, chair_id=chair.pk if chair else None
            )
        except ValidationError as exc:
            return _render_course(request, pk, move_errors={appointment_id: error_text(exc)}, status=422)
        messages.success(request, f"Session moved to {starts_at:%a %d %b %Y %H:%M}; the rest of the course still fits.")
        return redirect("scheduling:course_detail", pk=pk)
    errors = error_text(ValidationError(form.errors))
    return _render_course(request, pk, move_errors={appointment_id: errors}, status=422)


@permission_required(Permission.SCHEDULE_BOOK)
@require_POST
def course_cancel_rest(request, pk: int):
    form = CancelRestForm(request.POST)
    return run_form_action(
        request,
        form,
        lambda: course_actions.do_cancel_rest_of_course(request.user, pk, reason=form.cleaned_data["reason"]),
        success=lambda cancelled: f"Cancelled the rest of the course ({len(cancelled)} sessions).",
        redirect_to=reverse("scheduling:course_detail", args=[pk]),
    ) or _render_course(request, pk, cancel_form=form, status=422)
