"""Both locations certified for the esketamine REMS a year ago, so esketamine can be booked."""

import datetime as dt

from django.utils import timezone

from ketacare.rems.actions import do_record_certification
from ketacare.site.demo.organisation_and_staff import DemoClinic


def certify_the_locations(clinic: DemoClinic) -> None:
    admin, today = clinic.admin, timezone.localdate()
    for number, location in enumerate(clinic.locations.values(), start=1):
        do_record_certification(
            admin,
            location_id=location.pk,
            certificate_id=f"HCS-DEMO-{number:04d}",
            certified_on=today - dt.timedelta(days=365),
            authorized_representative=admin.get_full_name(),
        )
