"""Reads of moves and request codes, shared by the partner's and the customer's pages."""

from django.db.models import QuerySet

from partnerhub.moves.models import MoveConsent, MoveRequest, MoveStatus, RequestCode

# The latest moves a partner's page lists.
PARTNER_MOVES_SHOWN = 50


# The moves a partner sees: only those the owner answered. A waiting or expired move is not
# shown, so that asking cannot tell a stranger which accounts exist.
ANSWERED = (MoveStatus.CONFIRMED, MoveStatus.DECLINED)


def partner_moves(*, partner_id: int) -> QuerySet[MoveRequest]:
    return (
        MoveRequest.objects.filter(partner_id=partner_id, status__in=ANSWERED)
        .select_related("account", "requested_by")
        .order_by("-created_at", "-id")[:PARTNER_MOVES_SHOWN]
    )


def pending_move_for(*, account_id: int) -> MoveRequest | None:
    return (
        MoveRequest.objects.filter(account_id=account_id, status=MoveStatus.PENDING)
        .select_related("partner", "requested_by", "account", "from_partnership__partner")
        .first()
    )


def move_consents(*, account_id: int) -> QuerySet[MoveConsent]:
    return (
        MoveConsent.objects.filter(account_id=account_id)
        .select_related("partner")
        .order_by("-granted_at", "-id")
    )


def request_code_for(*, account_id: int) -> RequestCode | None:
    return RequestCode.objects.filter(account_id=account_id).first()
