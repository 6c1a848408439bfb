import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
GPS = {1: "N", 2: (45.0, 31.0, 0.0), 3: "W", 4: (122.0, 40.0, 0.0)}


@pytest.fixture(autouse=True)
def documents_dir(settings, tmp_path):
    """Every test here stores its files in its own temporary directory."""
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    return tmp_path


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.IFD.GPSInfo] = GPS
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (20, 10), (0, 0, 255, 128)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def upload():
    """upload(content, name="letter.pdf", content_type=...) -> an uploaded file as Django hands it to a view."""
    return lambda content=PDF_BYTES, name="letter.pdf", content_type="application/pdf": SimpleUploadedFile(
        name, content, content_type
    )
