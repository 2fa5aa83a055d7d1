from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm


class ResetOrChoosePasswordForm(PasswordResetForm):
    """Django's reset form, also for people who never chose a password: new team members and
    customers whose accounts were imported sign in for the first time through it."""

    def get_users(self, email):
        user_model = get_user_model()
        email_field = user_model.get_email_field_name()
        return user_model._default_manager.filter(
            **{f"{email_field}__iexact": email, "is_active": True}
        )
