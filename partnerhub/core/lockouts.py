"""Sign-in lock-outs: django-axes' database handler with a limit of its own for each thing it
counts.

Failed sign-ins within ``AXES_COOLOFF_TIME`` are counted three ways
(``AXES_LOCKOUT_PARAMETERS``): for the username from one address (``AXES_FAILURE_LIMIT``, a
person mistyping), for the username from any address (``PARTNERHUB_LOGIN_FAILURE_LIMIT_PER_
USERNAME``, one account guessed at from many places) and for the address whatever the username
(``PARTNERHUB_LOGIN_FAILURE_LIMIT_PER_ADDRESS``, many accounts tried from one place). Any of
the three at its limit locks. A successful sign-in forgives only its own username's failures
from its own address, so signing into one's own account never clears the count of others
tried from the same place.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def _limit(parameter, pair_limit: int) -> int:
    names = (parameter,) if isinstance(parameter, str) else tuple(parameter)
    return {
        ("username", "ip_address"): pair_limit,
        ("username",): settings.PARTNERHUB_LOGIN_FAILURE_LIMIT_PER_USERNAME,
        ("ip_address",): settings.PARTNERHUB_LOGIN_FAILURE_LIMIT_PER_ADDRESS,
    }[names]


class LockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        """The failures on the pair's scale: each count is scaled by the pair's limit over its
        own, so that whichever count reaches its limit reaches ``AXES_FAILURE_LIMIT``, which is
        what axes compares with."""
        pair_limit = get_failure_limit(request, credentials)
        parameters = get_lockout_parameters(request, credentials)
        attempts = self.get_user_attempts(request, credentials)  # one queryset per parameter
        scaled = [0]
        for parameter, queryset in zip(parameters, attempts, strict=True):
            count = queryset.aggregate(total=Sum("failures_since_start"))["total"] or 0
            scaled.append(count * pair_limit // _limit(parameter, pair_limit))
        return max(scaled)

    def reset_user_attempts(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(
            username=username, ip_address=request.axes_ip_address
        ).delete()
        return count
