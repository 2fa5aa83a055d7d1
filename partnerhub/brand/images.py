"""The logo check: an image is accepted by what its bytes are, never by its name.

PNG, JPEG, WebP or GIF only, at most ``LOGO_MAX_BYTES`` and ``LOGO_MAX_PIXELS`` a side. The
image is decoded in full (a file that only looks like an image is refused) and encoded again
in its own format, which drops whatever else the file carried (metadata, extra frames, data
after the image). SVG is refused: it can carry scripts."""

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_PIXELS = 2000
FORMATS = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "WEBP": ("image/webp", "webp"),
    "GIF": ("image/gif", "gif"),
}


@dataclass(frozen=True)
class CheckedImage:
    content: bytes
    content_type: str
    extension: str
    width: int
    height: int


def _looks_like_svg(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith(b"<") and (b"<svg" in text or text.startswith(b"<?xml"))


def logo_check(data: bytes) -> CheckedImage:
    """The logo, re-encoded, or ``ValidationError`` saying why not."""
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationError(
            "The logo is larger than 1 MiB: save it smaller and upload it again.",
            code="logo_too_big",
        )
    if not data:
        raise ValidationError("The file is empty.", code="logo_empty")
    if _looks_like_svg(data[:1024]):
        raise ValidationError(
            "SVG logos are not accepted (they can carry scripts): upload a PNG, JPEG, WebP or GIF.",
            code="logo_svg",
        )
    try:
        with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
            kind = image.format
            width, height = image.size
            if width > LOGO_MAX_PIXELS or height > LOGO_MAX_PIXELS:
                raise ValidationError(
                    f"The logo is {width}×{height} pixels; at most {LOGO_MAX_PIXELS}×"
                    f"{LOGO_MAX_PIXELS} are accepted.",
                    code="logo_too_large",
                )
            image.load()
            out = io.BytesIO()
            if kind == "JPEG":
                frame = image if image.mode in ("RGB", "L", "CMYK") else image.convert("RGB")
                frame.save(out, format="JPEG", quality=90)
            elif kind == "GIF":
                image.seek(0)
                image.save(out, format="GIF")
            else:
                image.save(out, format=kind)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(
            "This file is not a PNG, JPEG, WebP or GIF image (whatever its name says).",
            code="logo_not_image",
        ) from None
    content = out.getvalue()
    if len(content) > LOGO_MAX_BYTES:
        raise ValidationError(
            "The logo is larger than 1 MiB: save it smaller and upload it again.",
            code="logo_too_big",
        )
    content_type, extension = FORMATS[kind]
    return CheckedImage(content, content_type, extension, width, height)
