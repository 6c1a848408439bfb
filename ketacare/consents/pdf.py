"""The signed consent as a PDF: the exact text signed, the drawn signature and the audit facts.

Built once at signing and kept with the record (never regenerated), so the PDF a patient or an
auditor downloads is the one made when they signed. Every piece of text goes through lib/pdf.text().
"""

import datetime as dt
import io
import zoneinfo

from reportlab.lib.units import inch
from reportlab.platypus import Image, Spacer

from ketacare.lib.pdf import grid_table, pdf_styles, render_pdf, text


def consent_pdf(
    *,
    organisation_name: str,
    patient_name: str,
    patient_record: str,
    title: str,
    version: str,
    text_signed: str,
    text_sha256: str,
    signed_at: dt.datetime,
    zone_name: str,
    typed_name: str,
    signature_png: bytes,
    channel: str,
    source_address: str,
    signer: str,
    witness: str,
) -> bytes:
    styles = pdf_styles()
    local = signed_at.astimezone(zoneinfo.ZoneInfo(zone_name))
    story = [
        text(organisation_name, styles.line),
        text(f"{title} (version {version})", styles.title),
        text(f"Patient: {patient_name} ({patient_record})", styles.line),
        Spacer(1, 8),
    ]
    story += [text(paragraph, styles.body) for paragraph in text_signed.split("\n\n") if paragraph.strip()]
    story += [Spacer(1, 12), text("Signature", styles.heading), text(f"Typed name: {typed_name}", styles.line)]
    signature = Image(io.BytesIO(signature_png))
    signature._restrictSize(4 * inch, 1.5 * inch)
    story += [signature, Spacer(1, 8), text("Record of signing", styles.subheading)]
    story.append(
        grid_table(
            [
                ["Fact", "Value"],
                [
                    "Signed at",
                    f"{local:%Y-%m-%d %H:%M:%S} {local.tzname()} ({zone_name}); {signed_at:%Y-%m-%dT%H:%M:%SZ}",
                ],
                ["Channel", channel],
                ["Source address", source_address or "not known"],
                ["Signed by (account)", signer],
                ["Witness / co-signature", witness or "not required"],
                ["SHA-256 of the text signed", text_sha256],
            ],
            styles.small,
            widths=[1.7 * inch, 4.8 * inch],
        )
    )
    return render_pdf(story, title=f"{title} v{version}")
