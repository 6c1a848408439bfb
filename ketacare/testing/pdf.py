"""What a generated PDF says, for assertions on printable records."""

import base64
import zlib

import pytest


def pdf_text(data: bytes) -> bytes:
    """The PDF's content streams decoded (reportlab: ASCII85 then Flate), where text shows as `(...) Tj`."""
    chunks = []
    for part in data.split(b"\nstream")[1:]:
        body = part.split(b"endstream")[0].strip()
        if body.endswith(b"~>"):
            body = base64.a85decode(body, adobe=True)
        try:
            chunks.append(zlib.decompress(body))
        except zlib.error:
            chunks.append(body)
    return b"".join(chunks)


@pytest.fixture(name="pdf_text")
def pdf_text_fixture():
    """pdf_text(pdf_bytes) -> the decoded content streams, where text shows as `(...) Tj`."""
    return pdf_text
