"""Who may call each /api/v1 endpoint.

Every endpoint is called by its owner's key, another partner's key, a key of the other kind
(a staff key on partner endpoints, a partner key on staff endpoints), a read-only key, a
revoked key, an expired key, a key whose creator left, a forged key and no key at all. Only
the owner (with the write scope for writes) gets data or changes anything; every other caller
gets the error shape and leaves every table as it was.
"""

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from partnerhub.api.keys import api_key_create, api_key_revoke
from partnerhub.api.models import ApiKey
from partnerhub.api.tests.cast import CLOSED_MONTH, Cast, api_call, snapshot
from partnerhub.api.tests.test_organizations import ORGANIZATION_OPS
from partnerhub.moves.services import (
    ASKED,
    WITHDRAWN,
    move_request_create,
    move_request_decline,
)
from partnerhub.partners.models import MemberVisibility
from partnerhub.partners.services import (
    accounts_assign,
    member_remove,
    member_role_change,
    partner_member_visibility_set,
)
from partnerhub.tests.factories import UserFactory
from partnerhub.webhooks.catalog import ALL_EVENTS

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Op:
    name: str
    method: str
    path: Callable[[Cast], str]
    status: int  # what the owner gets
    owner_sees: Callable[[Cast], Any]  # what the owner's answer shows, through ``view``
    view: Callable[[Any], Any] = lambda body: body
    body: Callable[[Cast], dict] | None = None
    write: bool = False
    staff: bool = False
    # How another partner's key fares: "object" (404, someone else's thing), "collection"
    # (200 with only its own rows, as ``other_sees``), "global" (200, the same for everyone)
    # or "own" (it would act on its own partnership: covered by the behaviour tests).
    scope: str = "object"
    other_sees: Callable[[Cast], Any] | None = None
    # What the endpoint needs beside the cast, made before anyone calls it.
    given: Callable[[Cast], None] | None = None


def names(body) -> list[str]:
    return [item["organization_name"] for item in body["items"]]


def urls(body) -> list[str]:
    return [item["url"] for item in body]


def no_body(body) -> None:
    return body


OPS = [
    Op(
        "list accounts",
        "get",
        lambda c: "/accounts",
        200,
        lambda c: ["Amber Atelier", "Blue Bakery", "Green Garden"],
        view=names,
        scope="collection",
        other_sees=lambda c: ["Red Rocket"],
    ),
    Op(
        "one account",
        "get",
        lambda c: f"/accounts/{c.bakery.encoded_account_id}",
        200,
        lambda c: ("Blue Bakery", "referred"),
        view=lambda b: (b["organization_name"], b["kind"]),
    ),
    Op(
        "request permission to manage",
        "post",
        lambda c: f"/accounts/{c.bakery.encoded_account_id}/requests",
        201,
        lambda c: (c.bakery.encoded_account_id, "pending", "Hello from the API"),
        view=lambda b: (b["encoded_account_id"], b["status"], b["message"]),
        body=lambda c: {"message": "Hello from the API"},
        write=True,
    ),
    Op(
        "request permission to manage many accounts",
        "post",
        lambda c: "/requests/bulk",
        200,
        lambda c: [
            (c.bakery.encoded_account_id, "pending", None),
            (c.garden.encoded_account_id, None, "already_managed"),
        ],
        view=lambda b: [
            (
                r["account"],
                r["request"]["status"] if r.get("request") else None,
                r["error"]["code"] if r.get("error") else None,
            )
            for r in b["results"]
        ],
        body=lambda c: {
            "accounts": [c.bakery.encoded_account_id, c.garden.encoded_account_id],
            "level": "marketing",
            "duration_days": 90,
        },
        write=True,
        scope="own",
    ),
    Op(
        "cancel a request",
        "post",
        lambda c: f"/requests/{c.pending.pk}/cancel",
        200,
        lambda c: (c.pending.pk, "cancelled"),
        view=lambda b: (b["id"], b["status"]),
        write=True,
    ),
    Op(
        "one request",
        "get",
        lambda c: f"/requests/{c.pending.pk}",
        200,
        lambda c: (c.pending.pk, "pending"),
        view=lambda b: (b["id"], b["status"]),
    ),
    Op(
        "list requests",
        "get",
        lambda c: "/requests",
        200,
        lambda c: [
            (c.atelier.encoded_account_id, "pending"),
            (c.garden.encoded_account_id, "confirmed"),
        ],
        view=lambda b: [(item["encoded_account_id"], item["status"]) for item in b["items"]],
        scope="collection",
        other_sees=lambda c: [],
    ),
    Op(
        "closed months",
        "get",
        lambda c: "/earnings/months",
        200,
        lambda c: [CLOSED_MONTH],
        scope="global",
    ),
    Op(
        "statements",
        "get",
        lambda c: f"/earnings/statements?month={CLOSED_MONTH}",
        200,
        lambda c: [("USD", "109.00", 2)],
        view=lambda b: [(s["currency"], s["earnings"], s["lines"]) for s in b],
        scope="collection",
        other_sees=lambda c: [],
    ),
    Op(
        "pricing quote",
        "get",
        lambda c: "/pricing/quote?add=5",
        200,
        lambda c: (0, "0.00", "10.00"),
        view=lambda b: (
            b["paying_accounts"],
            b["tier"]["discount_percent"],
            b["tier_after_add"]["discount_percent"],
        ),
    ),
    Op(
        "single bill statements",
        "get",
        lambda c: "/statements",
        200,
        lambda c: [("2026-05", {})],
        view=lambda b: [(m["month"], m["totals"]) for m in b if m["closed"]],
    ),
    Op(
        "single bill statement",
        "get",
        lambda c: f"/statements/{c.statement_month}",
        200,
        lambda c: (True, {}, []),
        view=lambda b: (b["closed"], b["totals"], b["lines"]),
    ),
    Op(
        "single bill statement csv",
        "get",
        lambda c: f"/statements/{c.statement_month}.csv",
        200,
        lambda c: ["month,line,account,organization,plan,currency"],
        view=lambda b: [line[:45] for line in b.splitlines()],
    ),
    Op(
        "lines",
        "get",
        lambda c: f"/earnings/lines?month={CLOSED_MONTH}",
        200,
        lambda c: [("new_account_bonus", "100.00"), ("revenue_share", "9.00")],
        view=lambda b: [(line["line_type"], line["amount"]) for line in b],
        scope="collection",
        other_sees=lambda c: [],
    ),
    Op(
        "event types",
        "get",
        lambda c: "/webhooks/event-types",
        200,
        lambda c: sorted(ALL_EVENTS),
        view=lambda b: sorted(e["event_type"] for e in b),
        scope="global",
    ),
    Op(
        "list endpoints",
        "get",
        lambda c: "/webhooks/endpoints",
        200,
        lambda c: [c.endpoint.url],
        view=urls,
        scope="collection",
        other_sees=lambda c: [c.other_endpoint.url],
    ),
    Op(
        "add an endpoint",
        "post",
        lambda c: "/webhooks/endpoints",
        201,
        lambda c: ("http://127.0.0.1:9/new", True),
        view=lambda b: (b["url"], b["secret"].startswith("whsec_")),
        body=lambda c: {"url": "http://127.0.0.1:9/new", "event_types": ["request.created"]},
        write=True,
        scope="own",
    ),
    Op(
        "one endpoint",
        "get",
        lambda c: f"/webhooks/endpoints/{c.endpoint.pk}",
        200,
        lambda c: (c.endpoint.pk, c.endpoint.url),
        view=lambda b: (b["id"], b["url"]),
    ),
    Op(
        "change an endpoint",
        "patch",
        lambda c: f"/webhooks/endpoints/{c.endpoint.pk}",
        200,
        lambda c: (c.endpoint.pk, "Renamed"),
        view=lambda b: (b["id"], b["description"]),
        body=lambda c: {"description": "Renamed"},
        write=True,
    ),
    Op(
        "remove an endpoint",
        "delete",
        lambda c: f"/webhooks/endpoints/{c.endpoint.pk}",
        204,
        lambda c: None,
        view=no_body,
        write=True,
    ),
    Op(
        "rotate the secret",
        "post",
        lambda c: f"/webhooks/endpoints/{c.endpoint.pk}/rotate-secret",
        200,
        lambda c: (c.endpoint.pk, True),
        view=lambda b: (b["id"], b["secret"].startswith("whsec_")),
        write=True,
    ),
    Op(
        "send a test event",
        "post",
        lambda c: f"/webhooks/endpoints/{c.endpoint.pk}/test",
        202,
        lambda c: None,
        view=no_body,
        write=True,
    ),
    Op(
        "delivery log",
        "get",
        lambda c: f"/webhooks/endpoints/{c.endpoint.pk}/deliveries",
        200,
        lambda c: ["request.created", "request.confirmed", "request.created"],
        view=lambda b: [d["event_type"] for d in b],
    ),
    Op(
        "replay a delivery",
        "post",
        lambda c: f"/webhooks/deliveries/{c.delivery.pk}/replay",
        202,
        lambda c: None,
        view=no_body,
        write=True,
    ),
    Op(
        "plan change",
        "post",
        lambda c: "/billing/plan-changes",
        201,
        lambda c: {"external_id": "EV-1", "kind": "plan_change", "replayed": False},
        body=lambda c: {
            "external_id": "EV-1",
            "encoded_account_id": c.atelier.encoded_account_id,
            "plan_type": "GOLD",
            "occurred_at": "2026-11-20T10:00:00Z",
        },
        write=True,
        staff=True,
    ),
    Op(
        "cancellation",
        "post",
        lambda c: "/billing/cancellations",
        201,
        lambda c: {"external_id": "EV-2", "kind": "cancellation", "replayed": False},
        body=lambda c: {
            "external_id": "EV-2",
            "encoded_account_id": c.atelier.encoded_account_id,
            "occurred_at": "2026-11-20T10:00:00Z",
            "reason": "Closing the shop",
        },
        write=True,
        staff=True,
    ),
    Op(
        "disablement",
        "post",
        lambda c: "/billing/disablements",
        201,
        lambda c: {"external_id": "EV-3", "kind": "disablement", "replayed": False},
        body=lambda c: {
            "external_id": "EV-3",
            "encoded_account_id": c.atelier.encoded_account_id,
            "occurred_at": "2026-11-20T10:00:00Z",
            "reason": "balance_due",
        },
        write=True,
        staff=True,
    ),
    Op(
        "invoice paid",
        "post",
        lambda c: "/billing/invoices",
        201,
        lambda c: {"external_id": "INV-2", "kind": "invoice", "replayed": False},
        body=lambda c: {
            "external_id": "INV-2",
            "encoded_account_id": c.bakery.encoded_account_id,
            "paid_on": "2026-11-20",
            "amount": "45.00",
            "currency": "USD",
        },
        write=True,
        staff=True,
    ),
    Op(
        "an account's brand kit",
        "get",
        lambda c: f"/accounts/{c.bakery.encoded_account_id}/brand",
        200,
        # An agency keeps no kit: its accounts have the defaults.
        lambda c: (c.bakery.encoded_account_id, "default", False),
        view=lambda b: (
            b["encoded_account_id"],
            b["fields"]["primary_color"]["source"],
            b["fields"]["primary_color"]["locked"],
        ),
    ),
    Op(
        "the organization's brand kit",
        "get",
        lambda c: "/brand",
        200,
        lambda c: ("organization", [], None),
        view=lambda b: (b["level"], b["locked"], b["logo_url"]),
        scope="collection",
        other_sees=lambda c: ("organization", [], None),
    ),
    Op(
        "change the organization's brand kit",
        "put",
        lambda c: "/brand",
        422,
        lambda c: "brand_organizations_only",
        view=lambda b: b["error"]["code"],
        body=lambda c: {"primary_color": "#123456"},
        write=True,
        scope="own",
    ),
    Op(
        "a group's brand kit",
        "get",
        lambda c: f"/groups/{c.group.pk}/brand",
        200,
        lambda c: ("group", "Bakeries", []),
        view=lambda b: (b["level"], b["group_name"], b["locked"]),
    ),
    Op(
        "change a group's brand kit",
        "put",
        lambda c: f"/groups/{c.group.pk}/brand",
        422,
        lambda c: "brand_organizations_only",
        view=lambda b: b["error"]["code"],
        body=lambda c: {"accent_color": "#123456"},
        write=True,
    ),
    Op(
        "onboarding checklist",
        "get",
        lambda c: "/onboarding/checklist",
        200,
        lambda c: ["first-send"],
        view=lambda b: [s["key"] for s in b["steps"]],
        scope="collection",
        other_sees=lambda c: [],
    ),
    Op(
        "one account's onboarding",
        "get",
        lambda c: f"/accounts/{c.bakery.encoded_account_id}/onboarding",
        200,
        lambda c: (0, 1),
        view=lambda b: (b["done"], b["total"]),
    ),
    Op(
        "report an onboarding step",
        "post",
        lambda c: f"/accounts/{c.bakery.encoded_account_id}/onboarding/{c.step_key}",
        200,
        lambda c: ("first-send", True, True),
        view=lambda b: (b["key"], b["done"], b["changed"]),
        body=lambda c: {"done": True},
        write=True,
    ),
    Op(
        "roll-up report",
        "get",
        lambda c: "/reports/rollup?months=2",
        200,
        lambda c: (3, 2),
        view=lambda b: (b["accounts"], len(b["months"])),
        scope="collection",
        other_sees=lambda c: (1, 2),
    ),
    Op(
        "refund",
        "post",
        lambda c: "/billing/refunds",
        201,
        lambda c: {"external_id": "RF-1", "kind": "refund", "replayed": False},
        body=lambda c: {
            "external_id": "RF-1",
            "invoice_external_id": "INV-1",
            "refunded_on": "2026-05-01",
            "amount": "10.00",
        },
        write=True,
        staff=True,
    ),
]


def serving_bakery(cast: Cast) -> None:
    """Max serves Blue Bakery."""
    accounts_assign(actor=cast.owner.user, member_id=cast.member.pk, account_ids=[cast.bakery.pk])


def declined_move(cast: Cast) -> None:
    """Olga asked to move Red Rocket (of Northstar) in; Rita declined: the answered move
    Brightwave's keys see."""
    [move] = move_request_create(actor=cast.owner.user, identifier="redrocket", kind="referred")
    cast.declined_move = move_request_decline(actor=cast.other_account.owner, move_id=move.pk)


OPS += [
    Op(
        "members assigned to an account",
        "get",
        lambda c: f"/accounts/{c.bakery.encoded_account_id}/assignments",
        200,
        lambda c: [("Max Miller", "max@brightwave.test", "member")],
        view=lambda b: [(i["name"], i["email"], i["role"]) for i in b["items"]],
        given=serving_bakery,
    ),
    Op(
        "assign a member to an account",
        "put",
        lambda c: f"/accounts/{c.bakery.encoded_account_id}/assignments/{c.member.pk}",
        200,
        lambda c: [c.member.pk],
        view=lambda b: [i["member_id"] for i in b["items"]],
        write=True,
    ),
    Op(
        "unassign a member from an account",
        "delete",
        lambda c: f"/accounts/{c.bakery.encoded_account_id}/assignments/{c.member.pk}",
        204,
        lambda c: None,
        view=no_body,
        write=True,
        given=serving_bakery,
    ),
    Op(
        "ask to move an account in",
        "post",
        lambda c: "/moves",
        202,
        lambda c: {"message": ASKED},
        body=lambda c: {"identifier": "willowworks", "kind": "referred"},
        write=True,
        scope="own",
    ),
    Op(
        "withdraw a move",
        "post",
        lambda c: "/moves/cancel",
        200,
        lambda c: {"message": WITHDRAWN},
        body=lambda c: {"identifier": "willowworks"},
        write=True,
        scope="own",
    ),
    Op(
        "list answered moves",
        "get",
        lambda c: "/moves",
        200,
        lambda c: [("Red Rocket", "declined")],
        view=lambda b: [(i["organization_name"], i["status"]) for i in b["items"]],
        scope="collection",
        other_sees=lambda c: [],
        given=declined_move,
    ),
    Op(
        "one answered move",
        "get",
        lambda c: f"/moves/{c.declined_move.pk}",
        200,
        lambda c: ("Red Rocket", "referred", "declined"),
        view=lambda b: (b["organization_name"], b["kind"], b["status"]),
        given=declined_move,
    ),
    Op(
        "the invite link",
        "get",
        lambda c: "/invite-link",
        200,
        lambda c: c.partner.invite_code,
        view=lambda b: b["code"],
        scope="collection",
        other_sees=lambda c: c.other_partner.invite_code,
    ),
    Op(
        "make a new invite link",
        "post",
        lambda c: "/invite-link/rotate",
        200,
        lambda c: True,
        view=lambda b: b["url"].endswith(f"/join/{b['code']}/"),
        write=True,
        scope="own",
    ),
]


class _Placeholders:
    """Stands in for the cast to print each path as the schema writes it."""

    def __getattr__(self, name):
        return self

    pk = "{}"
    encoded_account_id = "{}"
    step_key = "{}"
    statement_month = "{}"


PATHS_ONLY = _Placeholders()


def test_every_endpoint_of_the_schema_is_in_the_matrix(client):
    schema = client.get("/api/v1/openapi.json").json()
    operations = {
        (method, re.sub(r"\{[a-z_]+\}", "{}", path.removeprefix("/api/v1")))
        for path, item in schema["paths"].items()
        for method in item
    }
    covered = {(op.method, op.path(PATHS_ONLY).split("?")[0]) for op in OPS}
    # An organization's own operations have their matrix in test_organizations.
    covered |= {(method, path) for method, path, _ in ORGANIZATION_OPS}
    assert covered == operations


def _dead_keys(cast: Cast, *, staff: bool) -> dict[str, str]:
    """Keys that must not work any more, of the kind the endpoint takes."""
    creator = cast.staff if staff else cast.owner.user
    revoked, revoked_secret = api_key_create(
        actor=creator, name="Old tool", can_write=True, staff=staff
    )
    api_key_revoke(actor=creator, key_id=revoked.pk)
    expired, expired_secret = api_key_create(
        actor=creator,
        name="Short-lived",
        can_write=True,
        staff=staff,
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    ApiKey.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    if staff:
        # A staff member who is no longer staff.
        former = UserFactory(username="fay@partnerhub.test", is_staff=True)
        _, left_secret = api_key_create(actor=former, name="Fay's sync", can_write=True, staff=True)
        former.is_staff = False
        former.save(update_fields=["is_staff"])
    else:
        left_secret = cast.admin_key
        member_remove(actor=cast.owner.user, member_id=cast.admin.pk)
    prefix = (cast.staff_key if staff else cast.owner_key).split("_")[1]
    return {
        "revoked key": revoked_secret,
        "expired key": expired_secret,
        "key of someone who left": left_secret,
        "forged key": f"phk_{prefix}_not-the-secret",
        "no key": None,
    }


def _outcome(response) -> tuple:
    if response.status_code >= 400:
        error = response.json()["error"]
        return response.status_code, error["code"], sorted(error), error["details"]
    return (response.status_code,)


def _refused(status: int, code: str) -> tuple:
    return status, code, ["code", "details", "message"], {}


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
def test_only_the_owner_gets_data_or_changes_anything(op: Op, cast: Cast, client):
    # Given the cast and every kind of caller
    callers = {
        "other partner's key": cast.other_key,
        "key of the other kind": cast.owner_key if op.staff else cast.staff_key,
        "owner's read-only key": cast.staff_read_key if op.staff else cast.read_key,
        **_dead_keys(cast, staff=op.staff),
    }
    unauthenticated = _refused(401, "unauthenticated")
    expected = dict.fromkeys(callers, unauthenticated)
    if not op.staff:
        expected["other partner's key"] = {
            "object": _refused(404, "not_found"),
            "collection": (200,),
            "global": (200,),
            "own": None,
        }[op.scope]
    expected["owner's read-only key"] = _refused(403, "scope_required") if op.write else (200,)
    expected = {caller: outcome for caller, outcome in expected.items() if outcome is not None}
    if op.given:
        op.given(cast)
    before = snapshot()

    # When each of them calls the endpoint
    body = op.body(cast) if op.body else None
    answers = {
        caller: api_call(client, op.method, op.path(cast), key=callers[caller], body=body)
        for caller in expected
    }

    # Then only the owner's read-only key (on reads) and another partner (on lists, which show
    # it its own rows) get an answer; everyone else is refused; nothing changed
    assert {caller: _outcome(r) for caller, r in answers.items()} == expected
    assert snapshot() == before

    # And the owner gets the data, or makes the change
    owner_key = cast.staff_key if op.staff else cast.owner_key
    response = api_call(client, op.method, op.path(cast), key=owner_key, body=body)
    assert response.status_code == op.status, response.content
    assert op.view(_body(response)) == op.owner_sees(cast)


def _body(response):
    """The answer's JSON, or the text of a CSV answer (streamed), or None when empty."""
    if response.get("Content-Type", "").startswith("text/csv"):
        return b"".join(response.streaming_content).decode()
    return response.json() if response.content else None


COLLECTIONS = [op for op in OPS if op.scope == "collection"]


@pytest.mark.parametrize("op", COLLECTIONS, ids=[op.name for op in COLLECTIONS])
def test_another_partner_sees_only_its_own_rows(op: Op, cast: Cast, client):
    response = api_call(client, op.method, op.path(cast), key=cast.other_key)

    assert response.status_code == 200
    assert op.view(response.json()) == op.other_sees(cast)


# --- A key whose creator sees only the accounts assigned to them -------------------------------


@pytest.fixture
def restricted(cast: Cast) -> Cast:
    """Brightwave's members see only their assigned accounts. Adam, who made "Adam's script"
    as an admin, is a member now and serves Green Garden only."""
    member_role_change(actor=cast.owner.user, member_id=cast.admin.pk, role="member")
    partner_member_visibility_set(actor=cast.owner.user, visibility=MemberVisibility.ASSIGNED)
    accounts_assign(actor=cast.owner.user, member_id=cast.admin.pk, account_ids=[cast.garden.pk])
    return cast


# The operations on one account or one of its requests (Blue Bakery, Amber Atelier's request).
OTHER_ACCOUNT_OPS = [
    op
    for op in OPS
    if not op.staff
    and op.scope == "object"
    and op.path(PATHS_ONLY).startswith(("/accounts/", "/requests/"))
]


@pytest.mark.parametrize("op", OTHER_ACCOUNT_OPS, ids=[op.name for op in OTHER_ACCOUNT_OPS])
def test_a_restricted_members_key_gets_404_on_every_other_account(op: Op, restricted: Cast, client):
    before = snapshot()
    body = op.body(restricted) if op.body else None

    response = api_call(client, op.method, op.path(restricted), key=restricted.admin_key, body=body)

    assert _outcome(response) == _refused(404, "not_found")
    assert snapshot() == before


def test_a_restricted_members_key_lists_only_their_accounts_and_lines(restricted: Cast, client):
    accounts = api_call(client, "get", "/accounts", key=restricted.admin_key).json()
    requests = api_call(client, "get", "/requests", key=restricted.admin_key).json()
    lines = api_call(
        client, "get", f"/earnings/lines?month={CLOSED_MONTH}", key=restricted.admin_key
    ).json()
    garden = api_call(
        client, "get", f"/accounts/{restricted.garden.encoded_account_id}", key=restricted.admin_key
    )

    assert (names(accounts), accounts["total"]) == (["Green Garden"], 1)
    assert [item["encoded_account_id"] for item in requests["items"]] == [
        restricted.garden.encoded_account_id
    ]
    assert lines == []  # Blue Bakery's lines are not theirs
    assert garden.status_code == 200


def test_the_owners_keys_see_everything_whatever_members_see(restricted: Cast, client):
    accounts = api_call(client, "get", "/accounts", key=restricted.owner_key).json()

    assert names(accounts) == ["Amber Atelier", "Blue Bakery", "Green Garden"]


def test_a_restricted_members_key_costs_no_statement_more_than_the_owners(restricted: Cast, client):
    """The member a key acts as, and their role, are read with the key itself: listing as a
    restricted member, or as the owner of a team whose members are restricted, runs the
    statements of the list alone (the rate count, the counters, the page)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def statements(key: str) -> int:
        api_call(client, "get", "/accounts", key=key)  # the key's check, kept for a second
        with CaptureQueriesContext(connection) as run:
            assert api_call(client, "get", "/accounts", key=key).status_code == 200
        return len(run.captured_queries)

    assert statements(restricted.admin_key) == statements(restricted.owner_key) == 3


def test_a_keys_bound_follows_its_creators_role_from_its_next_check(restricted: Cast, client):
    from partnerhub.api import keycache

    assert names(api_call(client, "get", "/accounts", key=restricted.admin_key).json()) == [
        "Green Garden"
    ]
    member_role_change(actor=restricted.owner.user, member_id=restricted.admin.pk, role="admin")
    keycache.keys.clear()  # the key is checked again (at most a second later)

    assert names(api_call(client, "get", "/accounts", key=restricted.admin_key).json()) == [
        "Amber Atelier",
        "Blue Bakery",
        "Green Garden",
    ]
