"""The page an invitation links to: who invites, to what, what accepting means; accept or
decline. The token in the address is the proof that the visitor received the e-mail."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from partnerhub.core.errors import NotFound, PermissionDenied, ServiceError
from partnerhub.invitations import selectors
from partnerhub.invitations.models import Invitation, InvitationKind
from partnerhub.invitations.services import (
    invitation_accept,
    invitation_accept_as_new_user,
    invitation_decline,
    is_invitee,
)
from partnerhub.portal.auth import client_ip
from partnerhub.portal.views.common import sentence

PASSWORD_HELP = "At least 8 characters, not only digits, not a common password."


class ChoosePasswordForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=150, required=False)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    password1 = forms.CharField(
        label="Choose a password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
        help_text=PASSWORD_HELP,
    )
    password2 = forms.CharField(
        label="The password again",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data


def _invitation_or_404(token: str) -> Invitation:
    invitation = selectors.invitation_for_token(token)
    if invitation is None:
        raise Http404("no such invitation")
    return invitation


def _needs_password(invitation: Invitation) -> bool:
    user = get_user_model().objects.filter(username=invitation.email).first()
    return user is None or not user.has_usable_password()


def _render(request, invitation: Invitation, *, form=None, error: str = "", status: int = 200):
    now = timezone.now()
    user = request.user
    signed_in = user.is_authenticated
    context = {
        "invitation": invitation,
        "token": request.resolver_match.kwargs["token"],
        "is_open": invitation.is_open(now),
        "shown_status": invitation.shown_status(now),
        "is_team": invitation.kind == InvitationKind.TEAM,
        "signed_in": signed_in,
        "wrong_person": signed_in and not is_invitee(invitation, user),
        "needs_password": not signed_in and _needs_password(invitation),
        "form": form or ChoosePasswordForm(),
        "error": error,
    }
    if context["wrong_person"] and status == 200:
        status = 403
    return render(request, "portal/invitation.html", context, status=status)


def invitation(request, token: str):
    return _render(request, _invitation_or_404(token))


def _after_accept(request, invitation: Invitation):
    if invitation.kind == InvitationKind.TEAM:
        messages.success(request, f"Welcome to the team of {invitation.partner.name}.")
        return redirect("partner-accounts")
    messages.success(request, f"{invitation.account.organization_name} is now your account.")
    return redirect("customer-provider", encoded_account_id=invitation.account.encoded_account_id)


@require_POST
def accept(request, token: str):
    invitation = _invitation_or_404(token)
    if request.user.is_authenticated:
        try:
            invitation = invitation_accept(
                actor=request.user, token=token, ip_address=client_ip(request)
            )
        except NotFound:
            raise Http404("no such invitation") from None
        except PermissionDenied as error:
            return _render(request, invitation, error=sentence(error.message), status=403)
        except ServiceError as error:
            return _render(request, invitation, error=sentence(error.message), status=400)
        return _after_accept(request, invitation)
    if not _needs_password(invitation):
        return redirect_to_login(reverse("invitation", kwargs={"token": token}))
    form = ChoosePasswordForm(request.POST)
    if not form.is_valid():
        return _render(request, invitation, form=form, status=400)
    try:
        user = invitation_accept_as_new_user(
            token=token,
            password=form.cleaned_data["password1"],
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
            ip_address=client_ip(request),
        )
    except NotFound:
        raise Http404("no such invitation") from None
    except ServiceError as error:
        if error.code == "password_invalid":
            form.add_error("password1", error.message)
            return _render(request, invitation, form=form, status=400)
        return _render(request, invitation, form=form, error=sentence(error.message), status=400)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    invitation.refresh_from_db()
    return _after_accept(request, invitation)


@require_POST
def decline(request, token: str):
    invitation = _invitation_or_404(token)
    try:
        invitation_decline(token=token, actor=request.user, ip_address=client_ip(request))
    except NotFound:
        raise Http404("no such invitation") from None
    except PermissionDenied as error:
        return _render(request, invitation, error=sentence(error.message), status=403)
    except ServiceError as error:
        return _render(request, invitation, error=sentence(error.message), status=400)
    messages.info(request, "You declined the invitation. Nothing changed.")
    return redirect("invitation", token=token)
