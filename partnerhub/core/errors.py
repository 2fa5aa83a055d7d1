"""Typed errors that services raise; each carries a stable code for pages and the API."""


class ServiceError(Exception):
    """A refused action. Nothing was changed."""

    code = "refused"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class NotFound(ServiceError):
    code = "not_found"


class PermissionDenied(ServiceError):
    code = "permission_denied"


class InvalidTransition(ServiceError):
    code = "invalid_transition"


class Conflict(ServiceError):
    code = "conflict"
