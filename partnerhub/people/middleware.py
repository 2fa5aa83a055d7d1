from django.utils import timezone

from partnerhub.partners.selectors import teams_for_request
from partnerhub.people.selectors import time_zone_for


class TimeZoneMiddleware:
    """Pages (and the admin) show times in the signed-in person's zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(time_zone_for(user, teams_for_request(request)))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
