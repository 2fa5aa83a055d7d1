"""Logo uploads: decided by the bytes, bounded in size and pixels, re-encoded."""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from partnerhub.brand.images import LOGO_MAX_BYTES, logo_check
from partnerhub.brand.tests.conftest import png_bytes


@pytest.mark.parametrize(
    "fmt, content_type",
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp"), ("GIF", "image/gif")],
)
def test_each_accepted_format_is_re_encoded_in_its_own(fmt, content_type):
    checked = logo_check(png_bytes(fmt=fmt))
    assert (checked.content_type, checked.width, checked.height) == (content_type, 40, 20)
    with Image.open(io.BytesIO(checked.content)) as again:
        assert again.format == fmt


def test_data_after_the_image_is_dropped():
    data = png_bytes() + b"<script>alert(1)</script>"
    assert b"<script>" not in logo_check(data).content


def refused(data: bytes) -> str:
    with pytest.raises(ValidationError) as caught:
        logo_check(data)
    return caught.value.error_list[0].code


def test_svg_is_refused():
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>'
    assert refused(svg) == "logo_svg"
    assert refused(b"\n  <svg onload='x()'></svg>") == "logo_svg"


def test_garbage_is_refused():
    assert refused(b"this is not an image at all") == "logo_not_image"
    assert refused(b"") == "logo_empty"


def test_a_truncated_png_is_refused():
    assert refused(png_bytes(size=(300, 300))[:200]) == "logo_not_image"


def test_another_format_pillow_reads_is_refused():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="BMP")
    assert refused(out.getvalue()) == "logo_not_image"


def test_too_many_pixels_is_refused():
    assert refused(png_bytes(size=(2001, 10))) == "logo_too_large"
    assert logo_check(png_bytes(size=(2000, 2000))).width == 2000


def test_more_than_one_mebibyte_is_refused():
    assert refused(png_bytes() + b"\0" * LOGO_MAX_BYTES) == "logo_too_big"
