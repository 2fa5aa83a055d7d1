"""``Idempotency-Key`` on POSTs that create: a repeat returns the first answer; the same key
with another body is refused."""

import hashlib
from functools import wraps

from django.db import IntegrityError, transaction
from django.http import HttpResponse

from partnerhub.api.errors import ApiError
from partnerhub.api.models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"


def idempotent(view):
    """Wrap a Ninja operation. The wrapped view must return an ``HttpResponse``."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        key = request.META.get(HEADER, "").strip()
        if not key:
            return view(request, *args, **kwargs)
        if len(key) > 200:
            raise ApiError(
                400, "idempotency_key_invalid", "Idempotency-Key is longer than 200 characters"
            )
        fingerprint = hashlib.sha256(
            request.method.encode() + b" " + request.path.encode() + b"\n" + request.body
        ).hexdigest()
        existing = IdempotencyRecord.objects.filter(api_key=request.auth, key=key).first()
        if existing is None:
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        api_key=request.auth,
                        key=key,
                        method=request.method,
                        path=request.path,
                        request_hash=fingerprint,
                    )
                    response = view(request, *args, **kwargs)
                    record.status_code = response.status_code
                    record.body = response.content
                    record.save(update_fields=["status_code", "body"])
                    return response
            except IntegrityError:
                existing = IdempotencyRecord.objects.filter(api_key=request.auth, key=key).first()
                if existing is None:
                    raise
        if existing.request_hash != fingerprint:
            raise ApiError(
                422,
                "idempotency_key_reused",
                "this Idempotency-Key was used with a different request",
            )
        if existing.status_code is None:
            raise ApiError(
                409, "idempotency_in_progress", "the first request with this key is still running"
            )
        replay = HttpResponse(
            bytes(existing.body), status=existing.status_code, content_type="application/json"
        )
        replay["Idempotent-Replayed"] = "true"
        return replay

    return wrapper
