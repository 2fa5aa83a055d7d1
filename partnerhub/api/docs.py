"""The Content-Security-Policy of the APIs' Swagger pages (``/api/v1/docs``, ``/v3/docs``)."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings


def docs_policy(view):
    """The docs page's Content-Security-Policy: the site's, except that Swagger UI sets style
    attributes as it draws, so that page alone admits inline styles (never inline script).
    Without ``ninja`` in ``INSTALLED_APPS``, Ninja's page loads Swagger UI from its CDN and
    starts it with an inline script: then the page admits both as well."""
    if "ninja" in settings.INSTALLED_APPS:
        return csp_update({"style-src": [UNSAFE_INLINE]})(view)
    cdn = "https://cdn.jsdelivr.net"
    return csp_update(
        {
            "script-src": [cdn, UNSAFE_INLINE],
            "style-src": [cdn, UNSAFE_INLINE],
            "img-src": ["https://django-ninja.dev"],
        }
    )(view)
