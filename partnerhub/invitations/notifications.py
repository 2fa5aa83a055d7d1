"""What an invitation sends, and to whom. Messages are queued when the transaction that made
the change commits."""

from django.conf import settings
from django.urls import reverse

from partnerhub.audit.services import actor_label_for
from partnerhub.core.emails import email_queue
from partnerhub.core.timefmt import format_date
from partnerhub.invitations.models import Invitation, InvitationKind, InvitationStatus


def invitation_url(token: str) -> str:
    return settings.PARTNERHUB_BASE_URL.rstrip("/") + reverse("invitation", kwargs={"token": token})


# What each role may do, in the invitation e-mail and on the invitation page.
ROLE_SENTENCES = {
    "owner": "Owners and admins see every account and manage the team, API keys and webhooks.",
    "admin": "Owners and admins see every account and manage the team, API keys and webhooks.",
    "member": "Members see the team's accounts (in an organization, a group manager sees the "
    "accounts of the groups given to them) and can ask their owners for permission to "
    "manage them.",
    "viewer": "A viewer reads the accounts and reports and changes nothing.",
}


def notify_invited(invitation: Invitation, *, access_requested: bool = False) -> None:
    partner = invitation.partner
    who = actor_label_for(invitation.invited_by) if invitation.invited_by else partner.name
    greeting = f"Hello {invitation.first_name}," if invitation.first_name else "Hello,"
    # The invitee may have no sign-in (and so no zone) yet: the partner's zone is their default.
    expires = format_date(invitation.expires_at, zone=partner.time_zone)
    if invitation.kind == InvitationKind.TEAM:
        subject = f"{partner.name} invites you to join its team on PartnerHub"
        what = (
            f"{who} invited you to join the team of {partner.name} on PartnerHub as "
            f"{invitation.role_label.lower()}. {ROLE_SENTENCES[invitation.role]} Joining "
            "gives the team no access to any account of your own, and you keep any other "
            "team you are in."
        )
    else:
        account = invitation.account
        subject = f"{partner.name} created the account {account.organization_name} for you"
        what = (
            f"{partner.name} created an email-marketing account, {account.organization_name}, "
            "for you and invites you to be its owner. As the owner you decide who may operate "
            "the account."
        )
        if access_requested:
            what += (
                f" {partner.name} also asks for full access to run it for you; once the "
                "account is yours you confirm or decline that separately."
            )
    email_queue(
        to=[invitation.email],
        subject=subject,
        body=f"{greeting}\n\n{what}\n\n"
        f"Accept or decline: {invitation_url(invitation.token)}\n\n"
        f"The invitation expires on {expires}. If you did not expect it, ignore this e-mail: "
        "nothing happens unless you accept.\n",
    )


def notify_answered(invitation: Invitation) -> None:
    """The person who sent the invitation hears the answer."""
    inviter = invitation.invited_by
    if inviter is None or not inviter.email:
        return
    answer = "accepted" if invitation.status == InvitationStatus.ACCEPTED else "declined"
    if invitation.kind == InvitationKind.TEAM:
        subject = f"{invitation.email} {answer} your invitation to {invitation.partner.name}"
    else:
        subject = (
            f"{invitation.email} {answer} the ownership of {invitation.account.organization_name}"
        )
    email_queue(to=[inviter.email], subject=subject, body=f"Hello,\n\n{subject}.\n")
