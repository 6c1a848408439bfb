"""What a file is comes from its content; images are kept without metadata; names are display only."""

import io

import pytest
from PIL import ExifTags, Image

from ketacare.documents.domain.uploads import JPEG, PDF, PNG, UploadRefused, check_upload, display_name
from ketacare.documents.tests.conftest import PDF_BYTES, jpeg_with_gps, png_bytes


def test_a_pdf_is_kept_as_it_came():
    checked = check_upload(PDF_BYTES)
    assert (checked.content, checked.content_type) == (PDF_BYTES, PDF)


@pytest.mark.parametrize(
    "content",
    [
        b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        b"  %PDF-1.4 but not at the start",
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        b"\xff\xd8\xff\xe0 truncated jpeg",
        b"\x89PNG\r\n\x1a\n broken",
    ],
)
def test_anything_else_is_refused(content):
    with pytest.raises(UploadRefused, match="not a PDF, JPEG or PNG"):
        check_upload(content)


def test_heic_is_refused_with_what_to_do():
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    with pytest.raises(UploadRefused, match="HEIC photos are not accepted"):
        check_upload(heic)


def test_a_jpeg_loses_its_gps_and_camera_data():
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo has them

    checked = check_upload(original)

    assert checked.content_type == JPEG
    kept = Image.open(io.BytesIO(checked.content))
    assert kept.format == "JPEG" and kept.size == (40, 30)
    assert dict(kept.getexif()) == {}
    assert b"Exif" not in checked.content and b"PhoneCo" not in checked.content


def test_a_png_keeps_its_transparency_and_loses_text_chunks():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "taken at 1 Main St")
    out = io.BytesIO()
    Image.open(io.BytesIO(png_bytes())).save(out, "PNG", pnginfo=info)

    checked = check_upload(out.getvalue())

    assert checked.content_type == PNG
    assert b"Main St" not in checked.content
    assert Image.open(io.BytesIO(checked.content)).mode == "RGBA"


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\x.pdf", "x.pdf"),
        ("re\x00ferral.pdf", "referral.pdf"),
        ("letter.html", "letter.pdf"),  # named for what it holds
        ("", "document.pdf"),
        ("..", "document.pdf"),
        ("a" * 500 + ".pdf", "a" * 116 + ".pdf"),
    ],
)
def test_a_file_name_is_only_a_label(given, shown):
    assert display_name(given, PDF) == shown
