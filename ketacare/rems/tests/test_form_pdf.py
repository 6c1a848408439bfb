"""The printable monitoring form prints what staff and patients typed as text: markup in a name,
a note or an address is never run by reportlab (no fetched URL, no 500)."""

from reportlab.lib import utils as reportlab_utils

from ketacare.rems import actions
from ketacare.rems.pdf import render_form_pdf
from ketacare.rems.selectors import access_form_for_print

IMAGE = '<img src="http://127.0.0.1:1/x"/>'


def test_markup_in_user_text_is_printed_not_run(make_chart, staff, patient, portland, monkeypatch):
    opened = []
    monkeypatch.setattr(reportlab_utils, "open_for_read", lambda name, *args, **kwargs: opened.append(name))
    patient.first_name = f"{IMAGE}Ana"
    patient.last_name = "<b"
    patient.save(update_fields=["first_name", "last_name"])
    portland.address = "1 Main St & <i>Suite 2"
    portland.save(update_fields=["address"])
    nurse = staff["nurse"]
    nurse.first_name = "<b"
    nurse.save(update_fields=["first_name"])
    form = actions.do_create_form_from_session(nurse, make_chart().pk)
    actions.do_update_form(nurse, form.pk, notes=f"{IMAGE} & <b unclosed\nsecond line")
    actions.do_finalise_form(nurse, form.pk)
    pdf = render_form_pdf(access_form_for_print(nurse, form.pk))
    assert pdf.startswith(b"%PDF") and opened == []
