"""Sending a stored logo: from ``default_storage``, as the type it was checked to be."""

from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse

from partnerhub.brand.models import BrandKit


def logo_response(kit: BrandKit) -> HttpResponse:
    """The logo's bytes; the caller has checked who is asking."""
    try:
        with default_storage.open(kit.logo, "rb") as stored:
            content = stored.read()
    except (FileNotFoundError, OSError):
        raise Http404("no such logo") from None
    response = HttpResponse(
        content, content_type=kit.logo_content_type or "application/octet-stream"
    )
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response
