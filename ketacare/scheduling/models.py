"""Scheduling resources and appointments.

Resources: each location's opening hours and closed dates, its chairs, the staff's weekly
shifts, date exceptions and leave, and their skills. Appointments occupy a chair and/or a
clinician; a chair or a clinician is never double-booked: on PostgreSQL exclusion
constraints over time ranges guarantee it (migration 0002), on SQLite the booking
transaction takes the write lock (BEGIN IMMEDIATE) before it checks.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from ketacare.clinics.models import Location, Organisation


class Weekday(models.IntegerChoices):
    MON = 0, "Monday"
    TUE = 1, "Tuesday"
    WED = 2, "Wednesday"
    THU = 3, "Thursday"
    FRI = 4, "Friday"
    SAT = 5, "Saturday"
    SUN = 6, "Sunday"


class Chair(models.Model):
    """A treatment chair or room at a location, and which treatments it supports."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="chairs")
    name = models.CharField(max_length=100)
    supports_iv = models.BooleanField(default=True, help_text="Has an infusion pump")
    supports_esketamine = models.BooleanField(default=False, help_text="Suitable for 2-hour esketamine observation")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["location", "name"]
        constraints = [models.UniqueConstraint(fields=["location", "name"], name="chair_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.location})"


class SchedulingSettings(models.Model):
    """Per-organisation scheduling policy; every default is a clinic choice, not a rule."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="scheduling_settings")
    # Monitoring ratio: clinic staffing policy (no published standard; CLINICAL.md names none).
    chairs_per_nurse = models.PositiveSmallIntegerField(default=2)
    # Spravato REMS requires a prescriber on site for esketamine (CLINICAL.md §2); for IV it is clinic policy.
    prescriber_on_site_for_iv = models.BooleanField(default=True)
    first_reminder_hours = models.PositiveSmallIntegerField(default=48)
    second_reminder_hours = models.PositiveSmallIntegerField(default=24)
    # A cancellation this close to the start counts as late.
    late_cancellation_hours = models.PositiveSmallIntegerField(default=24)
    solver_time_limit_seconds = models.PositiveSmallIntegerField(default=10)
    slot_minutes = models.PositiveSmallIntegerField(default=15)

    def __str__(self) -> str:
        return f"Scheduling settings of {self.organisation}"


class OpeningHours(models.Model):
    """One opening interval of a location on a weekday, in the location's own time zone."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens_at = models.TimeField()
    closes_at = models.TimeField()

    class Meta:
        ordering = ["location", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["location", "weekday"], name="opening_hours_one_per_day"),
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="opening_hours_positive"),
        ]


class ClosedDate(models.Model):
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="closed_dates")
    date = models.DateField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["location", "date"]
        constraints = [models.UniqueConstraint(fields=["location", "date"], name="closed_date_unique")]


class Skill(models.TextChoices):
    """Who may administer or monitor which route; granted per staff member by the clinic admin."""

    CONSULT = "consult", "Consultations"
    ADMINISTER_IV = "administer_iv", "Administers IV ketamine"
    ADMINISTER_IM_SL = "administer_im_sl", "Administers IM and sublingual ketamine"
    SUPERVISE_ESKETAMINE = "supervise_esketamine", "Supervises esketamine self-administration"
    MONITOR = "monitor", "Monitors treatment sessions"
    INTEGRATION_THERAPY = "integration_therapy", "Integration therapy"


class StaffSkill(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="skills")
    skill = models.CharField(max_length=40, choices=Skill.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "skill"], name="staff_skill_unique")]


class StaffShift(models.Model):
    """Weekly working hours of a staff member at a location (location's time zone)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shifts")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="staff_shifts")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts_at = models.TimeField()
    ends_at = models.TimeField()

    class Meta:
        ordering = ["user", "weekday", "starts_at"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="staff_shift_positive")]


class StaffException(models.Model):
    """A one-off change to the weekly hours: extra hours at a location, or time away (leave).

    Unavailable exceptions win over shifts; they may span several days (leave).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="schedule_exceptions")
    location = models.ForeignKey(
        Location,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="staff_exceptions",
        help_text="Where the extra hours are worked; blank for time away",
    )
    is_available = models.BooleanField(default=False, help_text="Extra hours (true) or leave / time away (false)")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["user", "starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="staff_exception_positive"),
            models.CheckConstraint(
                condition=Q(is_available=False) | Q(location__isnull=False), name="staff_exception_extra_has_location"
            ),
        ]


class AppointmentKind(models.TextChoices):
    CONSULTATION = "consultation", "Consultation"
    IV_INFUSION = "iv_infusion", "IV infusion"
    ESKETAMINE = "esketamine", "Esketamine session"
    IM = "im", "IM session"
    SUBLINGUAL = "sublingual", "Sublingual session"
    INTEGRATION = "integration", "Integration therapy"
    FOLLOW_UP = "follow_up", "Follow-up"


class ChairCapability(models.TextChoices):
    NONE = "", "No chair"
    ANY = "any", "Any chair"
    IV = "iv", "Chair with an infusion pump"
    ESKETAMINE = "esketamine", "Chair for esketamine observation"


class AppointmentType(models.Model):
    """What an appointment needs: how long, which chair, which staff, what the patient prepares."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="appointment_types")
    kind = models.CharField(max_length=20, choices=AppointmentKind.choices)
    name = models.CharField(max_length=100)
    preparation_minutes = models.PositiveSmallIntegerField(default=0)
    duration_minutes = models.PositiveSmallIntegerField()
    recovery_minutes = models.PositiveSmallIntegerField(default=0)
    turnover_minutes = models.PositiveSmallIntegerField(default=0, help_text="Buffer to turn the chair over")
    chair = models.CharField(max_length=20, choices=ChairCapability.choices, default=ChairCapability.NONE, blank=True)
    needs_monitoring = models.BooleanField(default=False, help_text="Counts against the nurse monitoring ratio")
    needs_prescriber_on_site = models.BooleanField(default=False)
    clinician_skill = models.CharField(
        max_length=40,
        choices=Skill.choices,
        blank=True,
        help_text="The clinician booked for the whole appointment (blank: none)",
    )
    patient_instructions = models.TextField(blank=True, help_text="Sent with reminders")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["organisation", "name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="appointment_type_unique_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def patient_minutes(self) -> int:
        """How long the patient is there: preparation, treatment and recovery."""
        return self.preparation_minutes + self.duration_minutes + self.recovery_minutes

    @property
    def chair_minutes(self) -> int:
        """How long the chair is held: the patient's time plus turnover."""
        return self.patient_minutes + self.turnover_minutes


class Course(models.Model):
    """A series of appointments booked together (an induction course); cancelled as one."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="courses")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="courses")
    plan = models.ForeignKey(
        "protocols.TreatmentPlan", on_delete=models.PROTECT, null=True, blank=True, related_name="courses"
    )
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="courses")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="courses")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    CHECKED_IN = "checked_in", "Checked in"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    LATE_CANCELLED = "late_cancelled", "Late cancellation"
    NO_SHOW = "no_show", "No-show"


# Appointments in these states hold their chair and clinician.
ACTIVE_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN, AppointmentStatus.COMPLETED)


class Appointment(models.Model):
    """One visit. [starts_at, ends_at) is the patient's time; the chair is held until chair_free_at."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="appointments")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="appointments")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="appointments")
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="appointments")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments")
    planned_session = models.ForeignKey(
        "protocols.PlannedSession", on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    chair = models.ForeignKey(Chair, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments")
    chair_free_at = models.DateTimeField(null=True, blank=True, help_text="End of the patient's time plus turnover")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clinician_appointments",
        help_text="Booked exclusively for the whole appointment (consultation, therapy)",
    )
    monitoring_nurse = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="monitored_appointments",
        help_text="Watches up to the ratio's number of chairs at once",
    )
    status = models.CharField(max_length=20, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED)
    status_reason = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["location", "starts_at"], name="appointment_location_start"),
            models.Index(fields=["patient", "starts_at"], name="appointment_patient_start"),
            models.Index(fields=["clinician", "starts_at"], name="appointment_clinician_start"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="appointment_positive"),
            models.CheckConstraint(
                condition=Q(chair__isnull=True) | Q(chair_free_at__gte=F("ends_at")),
                name="appointment_chair_free_after_end",
            ),
            # One live appointment per planned session: a series never holds duplicates.
            models.UniqueConstraint(
                fields=["planned_session"],
                condition=Q(status__in=["booked", "checked_in", "completed"]),
                name="appointment_one_live_per_planned_session",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appointment_type} for {self.patient_id} at {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class WaitlistEntry(models.Model):
    """A patient waiting for a course to start; the waitlist solver books as many as fit."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        BOOKED = "booked", "Booked"
        WITHDRAWN = "withdrawn", "Withdrawn"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="waitlist")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="waitlist_entries")
    plan = models.ForeignKey(
        "protocols.TreatmentPlan", on_delete=models.PROTECT, null=True, blank=True, related_name="waitlist_entries"
    )
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="+")
    locations = models.ManyToManyField(Location, related_name="+")
    sessions = models.PositiveSmallIntegerField(default=6)
    min_days_between = models.PositiveSmallIntegerField(default=1)
    max_span_days = models.PositiveSmallIntegerField(default=21)
    earliest_date = models.DateField()
    latest_start_date = models.DateField(null=True, blank=True)
    # [{"days": ["mon", "wed"], "from": "08:00", "to": "13:00"}], as in the exchange format.
    availability = models.JSONField(default=list)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.WAITING)
    course = models.ForeignKey(Course, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    last_unscheduled_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]


class CalendarFeed(models.Model):
    """An iCalendar feed behind an unguessable URL; only the token's SHA-256 is stored."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)


class Reminder(models.Model):
    """One reminder of one appointment; the unique row is claimed before the mail goes out."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reminders")
    hours_before = models.PositiveSmallIntegerField()
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["appointment", "hours_before"], name="reminder_once_per_appointment"),
        ]
