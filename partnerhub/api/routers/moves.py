"""Bringing accounts in: moves of existing accounts into the partnership, and the invite link.

Asking and withdrawing answer the same sentence whatever was found, and only moves their owners
answered are listed or shown, as on the *Bring an account in* page: nothing tells a caller
whether an account exists, is in another partnership or needs a request code."""

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from ninja import Query, Router, Schema
from pydantic import Field

from partnerhub.api.auth import key_visible_to
from partnerhub.api.errors import ApiError
from partnerhub.api.idempotency import idempotent
from partnerhub.api.responses import json_response
from partnerhub.api.routers.accounts import ERRORS, require_write
from partnerhub.core.keyset import Cursor, InvalidCursor
from partnerhub.moves.models import MoveRequest
from partnerhub.moves.selectors import ANSWERED
from partnerhub.moves.services import (
    ASKED,
    WITHDRAWN,
    invite_code_regenerate,
    move_request_create,
    move_requests_cancel_matching,
)
from partnerhub.partners.models import Partner
from partnerhub.partners.selectors import visible_only

router = Router(tags=["moves"])

IDENTIFIER = Field(
    max_length=300, description="The account's login name, or its owner's e-mail address"
)


class MoveIn(Schema):
    identifier: str = IDENTIFIER
    kind: str = Field(description="referred or managed")
    level: str = Field(
        "", max_length=16, description="For a managed move: full (default), marketing or reports"
    )
    request_code: str = Field("", max_length=64, description="The code the owner gave you")


class MoveCancelIn(Schema):
    identifier: str = IDENTIFIER


class MoveAnswerOut(Schema):
    message: str


class MoveOut(Schema):
    id: int
    encoded_account_id: str
    organization_name: str
    kind: str
    level: str
    status: str
    created_at: dt.datetime
    decided_at: dt.datetime | None


class MovePage(Schema):
    items: list[MoveOut]
    next: str | None


class InviteLinkOut(Schema):
    url: str
    code: str


def _move_out(move: MoveRequest) -> MoveOut:
    return MoveOut(
        id=move.pk,
        encoded_account_id=move.account.encoded_account_id,
        organization_name=move.account.organization_name,
        kind=move.kind,
        level=move.level,
        status=move.status,
        created_at=move.created_at,
        decided_at=move.decided_at,
    )


def _answered(request):
    """The partner's moves their owners answered; for a key whose member sees only assigned
    accounts, those of its accounts only."""
    return visible_only(
        MoveRequest.objects.filter(partner_id=request.auth.partner_id, status__in=ANSWERED),
        member_id=key_visible_to(request),
        field="account_id",
    ).select_related("account")


@router.post("/moves", response={202: MoveAnswerOut, **ERRORS}, summary="Ask to move an account in")
@idempotent
def create_move(request, body: MoveIn):
    """Ask the owner of an existing account to move it into your partnership, as referred or
    managed at a level. The answer is the same whether or not such an account exists; the move
    is listed once its owner answers. Honours ``Idempotency-Key``."""
    require_write(request)
    move_request_create(
        actor=request.auth.created_by,
        identifier=body.identifier,
        kind=body.kind,
        level=body.level,
        request_code=body.request_code,
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    return json_response(MoveAnswerOut(message=ASKED), status=202)


@router.post("/moves/cancel", response={200: MoveAnswerOut, **ERRORS}, summary="Withdraw a move")
def cancel_moves(request, body: MoveCancelIn):
    """Withdraw what you asked the owner of the account named (login name or owner e-mail) if
    they have not answered. The answer is the same whatever was found."""
    require_write(request)
    move_requests_cancel_matching(
        actor=request.auth.created_by,
        identifier=body.identifier,
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    return MoveAnswerOut(message=WITHDRAWN)


class MoveFilters(Schema):
    size: int = Field(25, ge=1, le=100)
    cursor: str = Field("", max_length=500)


@router.get("/moves", response={200: MovePage, **ERRORS}, summary="List answered moves")
def list_moves(request, filters: Query[MoveFilters]):
    """The moves your team asked for that their owners confirmed or declined, newest first."""
    qs = _answered(request)
    if filters.cursor:
        try:
            cursor = Cursor.decode(filters.cursor)
        except InvalidCursor as exc:
            raise ApiError(400, "invalid_cursor", str(exc)) from None
        qs = qs.filter(pk__lt=cursor.id)
    rows = list(qs.order_by("-id")[: filters.size + 1])
    next_url = None
    if len(rows) > filters.size:
        rows = rows[: filters.size]
        params = {"size": filters.size, "cursor": Cursor(None, rows[-1].pk, False, False).encode()}
        next_url = request.build_absolute_uri(request.path) + "?" + urlencode(params)
    return MovePage(items=[_move_out(m) for m in rows], next=next_url)


@router.get("/moves/{move_id}", response={200: MoveOut, **ERRORS}, summary="One answered move")
def get_move(request, move_id: int):
    move = _answered(request).filter(pk=move_id).first()
    if move is None:
        raise ApiError(404, "not_found", "no such move")
    return _move_out(move)


def _invite_link(request, partner: Partner) -> InviteLinkOut:
    path = reverse("join", kwargs={"code": partner.invite_code})
    base = settings.PARTNERHUB_BASE_URL.rstrip("/")
    url = base + path if base else request.build_absolute_uri(path)
    return InviteLinkOut(url=url, code=partner.invite_code)


@router.get("/invite-link", response={200: InviteLinkOut, **ERRORS}, summary="The invite link")
def invite_link(request):
    """New customers who sign up through this link are credited to your partnership as
    referred from that day."""
    return _invite_link(request, Partner.objects.get(pk=request.auth.partner_id))


@router.post(
    "/invite-link/rotate", response={200: InviteLinkOut, **ERRORS}, summary="Make a new link"
)
def rotate_invite_link(request):
    """Owners' and admins' keys only. The old link stops working at once."""
    require_write(request)
    return _invite_link(request, invite_code_regenerate(actor=request.auth.created_by))
