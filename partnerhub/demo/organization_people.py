"""The demo organization's people: Ben looks after the North region as its group manager, and
Cleo, the organization's viewer, is also a viewer on Brightwave's team (two teams, switched in
the header)."""

from django.contrib.auth import get_user_model

from partnerhub.invitations.services import invitation_accept, team_invitation_create
from partnerhub.organizations.models import AccountGroup
from partnerhub.organizations.services import group_managers_set
from partnerhub.partners.models import Partner, PartnerMember, PartnerRole
from partnerhub.people.services import current_team_set

User = get_user_model()

# email, the region they look after
GROUP_MANAGERS = [("ben@crumbandco.example", "North")]
# Someone of the organization who also works in a partner's team: email, partner, role there
SECOND_TEAM = ("cleo@crumbandco.example", "Brightwave Agency", PartnerRole.VIEWER)


def load(organization: Partner, *, owner_email: str) -> None:
    owner = User.objects.get(username=owner_email)
    for email, region in GROUP_MANAGERS:
        member = PartnerMember.objects.get(partner=organization, user__username=email)
        group = AccountGroup.objects.get(partner=organization, parent=None, name=region)
        group_managers_set(actor=owner, member_id=member.pk, group_ids=[group.pk])
    email, partner_name, role = SECOND_TEAM
    partner = Partner.objects.filter(name=partner_name).first()
    if partner is None:  # the organization loaded without the partners
        return
    partner_owner = (
        PartnerMember.objects.filter(partner=partner, role=PartnerRole.OWNER)
        .select_related("user")
        .order_by("joined_at", "pk")
        .first()
    )
    person = User.objects.get(username=email)
    invitation = team_invitation_create(actor=partner_owner.user, email=email, role=role)
    invitation_accept(actor=person, token=invitation.token)
    # She works in the organization first; Brightwave is one click away in the header.
    current_team_set(
        actor=person,
        member_id=PartnerMember.objects.get(partner=organization, user=person).pk,
    )


def sign_in_note(email: str) -> str:
    """What the sign-in table adds about the person's other team, or ""."""
    if email == SECOND_TEAM[0]:
        return f"; also a viewer at {SECOND_TEAM[1]} (switch teams in the header)"
    return ""
