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
    # The team the person works in now, for someone in several; empty (or gone): the team
    # they joined first. Only ``people.services.current_team_set`` writes it.
    current_member = models.ForeignKey(
        "partners.PartnerMember",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The team the person works in now; empty: the first they joined.",
    )

    def __str__(self) -> str:
        return f"Preferences of {self.user}"
