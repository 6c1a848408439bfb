"""What an uploaded file is, judged by its content, and the copy of it that is kept.

A file's name and the type the browser claims say nothing about what it holds: an HTML page named
`letter.pdf` is still HTML, and a browser asked to show it would run its scripts. So the type is
read from the bytes (a PDF starts with `%PDF-`; an image must open and verify in Pillow as JPEG or
PNG), anything else is refused, and images are re-encoded from their pixels so that no metadata
(EXIF with the GPS position of the phone that took the photo, comments, thumbnails) is kept.

The name the user gave is kept for display only, cleaned of paths and control characters; files are
stored under a random name.
"""

import io
import re
import unicodedata
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}
ACCEPTED_TEXT = "a PDF, JPEG or PNG file"
# ISO base media "ftyp" brands of HEIF/HEIC photos (iPhones save these by default).
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif"}
# A photo larger than this many pixels is refused rather than decoded (a "decompression bomb" is a
# small file that expands to gigabytes); 60 megapixels is above any phone camera.
MAX_IMAGE_PIXELS = 60_000_000
JPEG_QUALITY = 90
DISPLAY_NAME_MAX_CHARS = 120
_UNSAFE_NAME_CHARS = re.compile(r"[\x00-\x1f\x7f<>:\"|?*]")


class UploadRefused(ValueError):
    """The file is not one we keep; the message says why, in words for the person uploading it."""


@dataclass(frozen=True)
class CheckedFile:
    """The bytes to store and what they are."""

    content: bytes
    content_type: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def is_heif(head: bytes) -> bool:
    return len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS


def check_upload(content: bytes) -> CheckedFile:
    """The file to keep: a PDF as it came, an image re-encoded without metadata. UploadRefused otherwise."""
    if not content:
        raise UploadRefused("The file is empty.")
    if content.startswith(b"%PDF-"):
        return CheckedFile(content, PDF)
    if is_heif(content[:16]):
        raise UploadRefused(
            "HEIC photos are not accepted. On an iPhone choose Settings > Camera > Formats > Most Compatible, "
            "or send the photo as JPEG, then upload it again."
        )
    return _reencoded_image(content)


def _reencoded_image(content: bytes) -> CheckedFile:
    not_accepted = f"This file is not {ACCEPTED_TEXT} (its content was checked, not its name)."
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(content)) as probe:
                kind, pixel_count = probe.format, probe.width * probe.height
                probe.verify()
            if kind not in ("JPEG", "PNG"):
                raise UploadRefused(not_accepted)
            if pixel_count > MAX_IMAGE_PIXELS:
                raise UploadRefused("The image is too large (over 60 megapixels); send a smaller photo.")
            # verify() leaves the image unusable: open it again to decode the pixels.
            with Image.open(io.BytesIO(content)) as image:
                image.load()
                # Phones store "rotate me" in EXIF; apply it to the pixels before the EXIF is dropped.
                upright = ImageOps.exif_transpose(image)
        except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombWarning):
            raise UploadRefused(not_accepted) from None
    return _encode(upright, kind)


def _encode(image: Image.Image, kind: str) -> CheckedFile:
    """The pixels alone: a new image carries no EXIF, XMP, ICC, text chunks or thumbnails."""
    has_alpha = "A" in image.mode or "transparency" in image.info
    if image.mode in ("1", "L", "I", "I;16"):
        mode = "L"
    elif kind == "PNG" and has_alpha:
        mode = "RGBA"
    else:
        mode = "RGB"
    pixels = image.convert(mode)
    clean = Image.new(mode, pixels.size)
    clean.paste(pixels)
    out = io.BytesIO()
    if kind == "JPEG":
        clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
        return CheckedFile(out.getvalue(), JPEG)
    clean.save(out, "PNG", optimize=True)
    return CheckedFile(out.getvalue(), PNG)


def display_name(original: str, content_type: str) -> str:
    """The uploaded file's name for lists and downloads: its last path part, without control or
    reserved characters, at most DISPLAY_NAME_MAX_CHARS, ending in the extension of what it holds."""
    name = unicodedata.normalize("NFC", original or "")
    name = re.split(r"[\\/]", name)[-1]
    name = _UNSAFE_NAME_CHARS.sub("", name).strip().strip(".").strip()
    stem = name.rsplit(".", 1)[0] if "." in name else name
    extension = EXTENSIONS[content_type]
    stem = stem[: DISPLAY_NAME_MAX_CHARS - len(extension)].strip() or "document"
    return f"{stem}{extension}"
