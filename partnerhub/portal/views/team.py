"""My Organization > Team: everyone sees the team; owners and admins invite people, withdraw
invitations, change roles and remove members. Nobody joins without accepting an invitation."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from partnerhub.core.errors import NotFound, ServiceError
from partnerhub.core.text import TextField
from partnerhub.invitations.selectors import pending_team_invitations
from partnerhub.invitations.services import invitation_revoke, team_invitation_create
from partnerhub.organizations.models import AccountGroup
from partnerhub.organizations.services import group_managers_set, groups_of_managers
from partnerhub.partners.models import MemberVisibility, PartnerRole, role_label
from partnerhub.partners.selectors import assignment_counts
from partnerhub.partners.services import member_remove, member_role_change
from partnerhub.portal.auth import (
    managers_only,
    partner_member_required,
    team_manager_required,
)
from partnerhub.portal.views.common import sentence


class MemberInviteForm(forms.Form):
    email = forms.EmailField(
        label="E-mail", max_length=254, widget=forms.EmailInput(attrs={"data-maxlength": "254"})
    )
    first_name = TextField(label="First name", max_length=150, required=False)
    last_name = TextField(label="Last name", max_length=150, required=False)
    role = forms.ChoiceField(label="Role", choices=PartnerRole.choices, initial=PartnerRole.MEMBER)

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(kind)


def role_choices(kind: str) -> list[tuple[str, str]]:
    """The roles as the team reads them: in an organization, Owner, Admin, Group manager,
    Viewer; in an agency, Owner, Admin, Member, Viewer."""
    return [(role, role_label(role, kind)) for role in PartnerRole.values]


@partner_member_required
def team(request):
    membership = request.membership
    form = MemberInviteForm(request.POST or None, kind=membership.partner.kind)
    if request.method == "POST":
        if not membership.can_manage_team:
            messages.error(request, managers_only(membership, "manage the team"))
            return redirect("partner-team")
        if form.is_valid():
            try:
                invitation = team_invitation_create(actor=request.user, **form.cleaned_data)
            except ServiceError as error:
                form.add_error(None, sentence(error.message))
            else:
                # The same sentence whoever the address belongs to.
                messages.success(
                    request,
                    f"An invitation was sent to {invitation.email}. They join the team once "
                    "they accept it.",
                )
                return redirect("partner-team")
    members = list(
        membership.partner.members.select_related("user").order_by("role", "user__email")
    )
    invitations = pending_team_invitations(partner_id=membership.partner_id).select_related(
        "partner"
    )
    counts = assignment_counts(partner_id=membership.partner_id)
    groups_of = groups_of_managers(partner_id=membership.partner_id)
    for m in members:
        m.assigned_count = counts.get(m.pk, 0)
        m.groups = groups_of.get(m.pk, [])
        m.group_ids = {g.pk for g in m.groups}
    return render(
        request,
        "portal/team.html",
        {
            "members": members,
            "invitations": invitations,
            "now": timezone.now(),
            "invitation_expiry_days": settings.INVITATION_EXPIRY_DAYS,
            "form": form,
            "roles": role_choices(membership.partner.kind),
            "me": membership,
            "partner": membership.partner,
            "visibility_choices": MemberVisibility.choices,
            "all_groups": list(
                AccountGroup.objects.filter(partner_id=membership.partner_id)
                .select_related("parent")
                .order_by("parent__name", "name")
            )
            if membership.partner.is_organization
            else [],
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
        messages.error(request, sentence(error.message))
    return redirect("partner-team")


@team_manager_required("give groups to group managers")
@require_POST
def member_groups(request, member_id: int):
    """An owner or admin of an organization chooses the groups a group manager looks after."""
    try:
        group_ids = [int(g) for g in request.POST.getlist("group")]
        assigned, unassigned = group_managers_set(
            actor=request.user, member_id=member_id, group_ids=group_ids
        )
    except (NotFound, ValueError):
        raise Http404("no such team member or group") from None
    except ServiceError as error:
        messages.error(request, sentence(error.message))
    else:
        messages.success(
            request,
            f"Groups saved: {_accounts(assigned)} assigned, {_accounts(unassigned)} unassigned.",
        )
    return redirect("partner-team")


def _accounts(n: int) -> str:
    return f"{n} account{'s' if n != 1 else ''}"


@team_manager_required("manage the team")
@require_POST
def invitation_revoke_view(request, invitation_id: int):
    try:
        invitation = invitation_revoke(actor=request.user, invitation_id=invitation_id)
    except NotFound:
        raise Http404("no such invitation") from None
    except ServiceError as error:
        messages.error(request, sentence(error.message))
    else:
        messages.success(request, f"The invitation to {invitation.email} was withdrawn.")
    return redirect("partner-team")
