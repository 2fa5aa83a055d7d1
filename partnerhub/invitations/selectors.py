from django.db.models import QuerySet

from partnerhub.invitations.models import Invitation, InvitationKind, InvitationStatus, token_hash


def invitation_for_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("partner", "account", "invited_by")
        .filter(token_hash=token_hash(token or ""))
        .first()
    )


def pending_team_invitations(*, partner_id: int) -> QuerySet[Invitation]:
    """Team invitations not answered yet (those past their time included, until the sweep
    marks them expired), newest first."""
    return Invitation.objects.filter(
        partner_id=partner_id, kind=InvitationKind.TEAM, status=InvitationStatus.PENDING
    ).select_related("invited_by")
