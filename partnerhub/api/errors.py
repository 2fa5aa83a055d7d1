"""Every error of the native API has one shape: ``{"error": {"code", "message", "details"}}``."""

import logging

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from partnerhub.core.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ServiceError,
)


class ApiError(HttpError):
    def __init__(self, status: int, code: str, message: str, details=None):
        super().__init__(status, message)
        self.code = code
        self.details = details or {}


def error_body(code: str, message: str, details=None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


logger = logging.getLogger("partnerhub.api")

STATUS_OF = {NotFound: 404, PermissionDenied: 403, Conflict: 409, InvalidTransition: 422}


def install(api: NinjaAPI) -> None:
    @api.exception_handler(ApiError)
    def api_error(request, exc: ApiError):
        return api.create_response(
            request, error_body(exc.code, exc.message, exc.details), status=exc.status_code
        )

    @api.exception_handler(ServiceError)
    def service_error(request, exc: ServiceError):
        status = next((s for cls, s in STATUS_OF.items() if isinstance(exc, cls)), 400)
        return api.create_response(request, error_body(exc.code, exc.message), status=status)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        return api.create_response(
            request,
            error_body("invalid_request", "the request is not valid", {"errors": exc.errors}),
            status=422,
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return api.create_response(
            request,
            error_body("unauthenticated", "send a valid API key as Authorization: Bearer"),
            status=401,
        )

    @api.exception_handler(Throttled)
    def throttled(request, exc):
        return api.create_response(
            request, error_body("rate_limited", "too many requests; retry later"), status=429
        )

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(request, error_body("not_found", "not found"), status=404)

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        if isinstance(exc.__cause__, ValidationError):
            # Ninja reports any failure to parse a body as a 400; a body the parser refused
            # for its content is an invalid request like any other.
            return validation_error(request, exc.__cause__)
        return api.create_response(
            request, error_body("http_error", str(exc)), status=exc.status_code
        )

    @api.exception_handler(Exception)
    def server_error(request, exc: Exception):
        logger.exception("API request failed: %s %s", request.method, request.path)
        return api.create_response(
            request,
            error_body("internal_error", "an internal error occurred; it has been logged"),
            status=500,
        )
