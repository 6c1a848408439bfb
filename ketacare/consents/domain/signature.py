"""The drawn signature: a PNG data URL from the canvas, checked before it is kept.

It must really be a PNG (the file's own signature bytes and Pillow's decoder agree, whatever the
data URL claims), no larger than SIGNATURE_MAX_BYTES, of sane dimensions, and not blank: enough
pixels darker than the paper (an untouched canvas, or a dot, is not a signature).
"""

import base64
import binascii
import io

from PIL import Image, UnidentifiedImageError

SIGNATURE_MAX_BYTES = 200_000  # a drawn signature at tablet resolution is a few kilobytes
SIGNATURE_MAX_SIDE_PX = 2000
MIN_INK_PIXELS = 40
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_DATA_URL_PREFIX = "data:image/png;base64,"


class SignatureError(ValueError):
    """Why the drawn signature is refused (one sentence for the signer)."""


def decode_signature(data_url: str) -> bytes:
    """The PNG bytes of a canvas data URL, or SignatureError."""
    if not isinstance(data_url, str) or not data_url.strip():
        raise SignatureError("Draw your signature in the box.")
    data_url = data_url.strip()
    if not data_url.startswith(_DATA_URL_PREFIX):
        raise SignatureError("The signature must be a PNG image drawn in the box.")
    encoded = data_url[len(_DATA_URL_PREFIX) :]
    if len(encoded) > SIGNATURE_MAX_BYTES * 4 // 3 + 4:
        raise SignatureError(f"The signature image is larger than {SIGNATURE_MAX_BYTES // 1000} kB.")
    try:
        png = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("The signature image could not be read.") from None
    check_signature_png(png)
    return png


def check_signature_png(png: bytes) -> None:
    """Refuse anything that is not a drawn, non-blank PNG within the limits."""
    if len(png) > SIGNATURE_MAX_BYTES:
        raise SignatureError(f"The signature image is larger than {SIGNATURE_MAX_BYTES // 1000} kB.")
    if not png.startswith(_PNG_MAGIC):
        raise SignatureError("The signature must be a PNG image drawn in the box.")
    try:
        with Image.open(io.BytesIO(png)) as probe:
            probe.verify()
        with Image.open(io.BytesIO(png)) as image:
            if image.format != "PNG":
                raise SignatureError("The signature must be a PNG image drawn in the box.")
            width, height = image.size
            if not (0 < width <= SIGNATURE_MAX_SIDE_PX and 0 < height <= SIGNATURE_MAX_SIDE_PX):
                raise SignatureError("The signature image has impossible dimensions.")
            rgba = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise SignatureError("The signature image could not be read.") from None
    paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    grey = Image.alpha_composite(paper, rgba).convert("L")
    ink_pixels = sum(grey.point(lambda value: 255 if value < 160 else 0).histogram()[255:])
    if ink_pixels < MIN_INK_PIXELS:
        raise SignatureError("The signature box is empty: draw your signature.")
