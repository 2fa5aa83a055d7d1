import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm

from partnerhub.core import ratelimit

logger = logging.getLogger("partnerhub.portal")


class ResetOrChoosePasswordForm(PasswordResetForm):
    """Django's reset form, also for people who never chose a password: new team members and
    customers whose accounts were imported sign in for the first time through it."""

    def get_users(self, email):
        user_model = get_user_model()
        email_field = user_model.get_email_field_name()
        return user_model._default_manager.filter(
            **{f"{email_field}__iexact": email, "is_active": True}
        )

    def save(self, *, request=None, **kwargs):
        """Sends the link unless the address or the e-mail asked too often
        (``PARTNERHUB_PASSWORD_RESET_RATE_PER_ADDRESS`` / ``_PER_EMAIL``). The page answers the
        same either way, as it does for an e-mail nobody has."""
        email = self.cleaned_data["email"].strip().lower()
        by_address = ratelimit.hit(
            "password-reset:address",
            ratelimit.client_address(request) if request is not None else "",
            ratelimit.Rate.parse(settings.PARTNERHUB_PASSWORD_RESET_RATE_PER_ADDRESS),
        )
        by_email = ratelimit.hit(
            "password-reset:email",
            email,
            ratelimit.Rate.parse(settings.PARTNERHUB_PASSWORD_RESET_RATE_PER_EMAIL),
        )
        if not (by_address.allowed and by_email.allowed):
            logger.warning(
                "Password reset e-mail not sent: too many requests from the address (%s) or "
                "for the e-mail (%s) in the window.",
                by_address.count,
                by_email.count,
            )
            return
        super().save(request=request, **kwargs)
