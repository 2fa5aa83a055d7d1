"""Every error of the V3 surface is what the public API answers: a JSON array of
``{"error_key", "error_message"}`` with the status code of the error."""

import logging

from django.http import Http404, HttpRequest, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from partnerhub.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ServiceError,
)

logger = logging.getLogger("partnerhub.v3")

UNAUTHORIZED_MESSAGE = (
    "The access token or API key is missing, invalid or expired: send x-api-key and "
    "Authorization: Bearer <token> from the token endpoint."
)


class V3Error(Exception):
    """Raised by the V3 routes: answered as ``[{"error_key", "error_message"}]``."""

    def __init__(self, status: int, key: str, message: str, *, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.key = key
        self.message = message
        self.headers = headers or {}


def error_body(key: str, message: str) -> list[dict]:
    return [{"error_key": key, "error_message": message}]


def error_response(status: int, key: str, message: str, **headers) -> JsonResponse:
    response = JsonResponse(error_body(key, message), status=status, safe=False)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def unauthorized() -> JsonResponse:
    return error_response(
        401, "unauthorized", UNAUTHORIZED_MESSAGE, WWW_Authenticate='Bearer realm="v3"'
    )


# Refusals from the services: (class, status). The others (InvalidTransition, ...) answer 400.
SERVICE_STATUS = ((NotFound, 404), (PermissionDenied, 403), (Conflict, 409))


def _field(loc) -> str:
    # Ninja's locations start with where the value came from ("body", "query", "path") and
    # the parameter's name; the public API names the field alone.
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "form"}:
        parts = parts[2:] if len(parts) > 2 else parts[1:]
    return ".".join(parts) or "body"


def validation_errors(errors: list[dict]) -> list[dict]:
    out = []
    for error in errors:
        field = _field(error.get("loc", ()))
        message = str(error.get("msg", "is not valid"))
        if error.get("type") == "missing":
            message = "is required"
        out.append(
            {"error_key": "partner.api.validation.error", "error_message": f"{field}: {message}"}
        )
    return out or error_body("partner.api.validation.error", "the request is not valid")


def install(api: NinjaAPI) -> None:
    @api.exception_handler(V3Error)
    def v3_error(request: HttpRequest, exc: V3Error):
        response = error_response(exc.status, exc.key, exc.message)
        for name, value in exc.headers.items():
            response[name] = value
        return response

    @api.exception_handler(ServiceError)
    def service_error(request: HttpRequest, exc: ServiceError):
        status = next((s for cls, s in SERVICE_STATUS if isinstance(exc, cls)), 400)
        return error_response(status, f"partner.api.{exc.code}", exc.message)

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError):
        return JsonResponse(validation_errors(exc.errors), status=400, safe=False)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError):
        return unauthorized()

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404):
        return error_response(404, "not_found", "The requested resource was not found.")

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError):
        if isinstance(exc.__cause__, ValidationError):
            # A body the parser refused for its content (not an object, a NUL character).
            return invalid(request, exc.__cause__)
        if isinstance(exc.__cause__, V3Error):
            # A body the parser refused for its media type (415).
            return v3_error(request, exc.__cause__)
        if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
            return error_response(
                400,
                "partner.api.malformed_json",
                "Bad request. The JSON body is malformed.",
            )
        return error_response(exc.status_code, "partner.api.http_error", str(exc))

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception):
        logger.exception("V3 request failed: %s %s", request.method, request.path)
        return error_response(500, "partner.api.server_error", "An internal server error occurred.")
