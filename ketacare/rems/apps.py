from django.apps import AppConfig


class RemsConfig(AppConfig):
    name = "ketacare.rems"
    label = "rems"
    verbose_name = "Esketamine REMS"

    def ready(self) -> None:
        from ketacare.rems.selectors import session_rems_blockers
        from ketacare.treatments.start_checks import register_start_check

        # CLINICAL.md §2: no esketamine dose outside a certified setting or for a patient not
        # enrolled. Treatments asks this before each dose and device; refusals name field "rems".
        register_start_check("rems", session_rems_blockers)
