from django.conf import settings
from django.db import models

from partnerhub.partners.models import validate_time_zone


class Profile(models.Model):
    """A person's own preferences. Empty means "as my partner" (or the program's default)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    time_zone = models.CharField(
        max_length=64, blank=True, validators=[validate_time_zone], help_text="Empty: default."
    )

    def __str__(self) -> str:
        return f"Preferences of {self.user}"
