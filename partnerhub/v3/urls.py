"""Mounted at ``v3/``. Wrong methods and unknown paths answer with the error array too."""

from functools import wraps

from django.urls import URLPattern, re_path
from django.views.decorators.csrf import csrf_exempt

from partnerhub.v3.api import api
from partnerhub.v3.errors import error_response

app_name = "v3"


def _json_not_allowed(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and "application/json" not in response.get(
            "Content-Type", ""
        ):
            allowed = response.get("Allow", "")
            response = error_response(
                405,
                "partner.api.method_not_allowed",
                f"{request.method} is not supported here; use {allowed}.",
            )
            response["Allow"] = allowed
        return response

    wrapper.csrf_exempt = True
    return wrapper


@csrf_exempt
def not_found(request, rest=""):
    return error_response(404, "not_found", "The requested resource was not found.")


def _patterns():
    patterns, _app, _namespace = api.urls
    for p in patterns:
        if isinstance(p, URLPattern):
            yield URLPattern(p.pattern, _json_not_allowed(p.callback), p.default_args, p.name)
        else:
            yield p


urlpatterns = [*_patterns(), re_path(r"^(?P<rest>[\s\S]*)$", not_found, name="not-found")]
