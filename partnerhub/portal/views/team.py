"""My Organization > Team: everyone sees the team; owners and admins change it."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from partnerhub.core.errors import NotFound, ServiceError
from partnerhub.core.text import TextField
from partnerhub.partners.models import PartnerRole
from partnerhub.partners.services import member_add, member_remove, member_role_change
from partnerhub.portal.auth import (
    managers_only,
    partner_member_required,
    team_manager_required,
)
from partnerhub.portal.forms import ResetOrChoosePasswordForm


class MemberAddForm(forms.Form):
    email = forms.EmailField(
        label="E-mail", max_length=254, widget=forms.EmailInput(attrs={"data-maxlength": "254"})
    )
    first_name = TextField(label="First name", max_length=150, required=False)
    last_name = TextField(label="Last name", max_length=150, required=False)
    role = forms.ChoiceField(label="Role", choices=PartnerRole.choices, initial=PartnerRole.MEMBER)


def _send_welcome(request, email: str) -> None:
    """The new member sets their own password through the reset link."""
    form = ResetOrChoosePasswordForm({"email": email})
    if form.is_valid():
        form.save(
            request=request,
            subject_template_name="registration/welcome_subject.txt",
            email_template_name="registration/welcome_email.txt",
        )


@partner_member_required
def team(request):
    membership = request.membership
    form = MemberAddForm(request.POST or None)
    if request.method == "POST":
        if not membership.can_manage_team:
            messages.error(request, managers_only(membership, "manage the team"))
            return redirect("partner-team")
        if form.is_valid():
            try:
                member = member_add(actor=request.user, **form.cleaned_data)
            except ServiceError as error:
                form.add_error(None, error.message)
            else:
                _send_welcome(request, member.user.email)
                messages.success(
                    request, f"{member.user.email} was added and e-mailed a sign-in link."
                )
                return redirect("partner-team")
    members = membership.partner.members.select_related("user").order_by("role", "user__email")
    return render(
        request,
        "portal/team.html",
        {
            "members": members,
            "form": form,
            "roles": PartnerRole.choices,
            "me": membership,
            "nav_section": "team",
        },
    )


@team_manager_required("manage the team")
@require_POST
def member_update(request, member_id: int):
    try:
        if request.POST.get("action") == "remove":
            member_remove(actor=request.user, member_id=member_id)
            messages.success(request, "Team member removed.")
        else:
            member_role_change(
                actor=request.user, member_id=member_id, role=request.POST.get("role", "")
            )
            messages.success(request, "Role changed.")
    except NotFound:
        raise Http404("no such team member") from None
    except ServiceError as error:
        messages.error(request, error.message.capitalize() + ".")
    return redirect("partner-team")
