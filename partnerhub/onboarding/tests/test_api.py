"""The onboarding endpoints of /api/v1: the checklist, one account, step reports, roll-up."""

import datetime as dt

import pytest

from partnerhub.api.keys import api_key_create
from partnerhub.billing.models import Invoice
from partnerhub.onboarding.models import StepCompletion
from partnerhub.onboarding.tests.story import build
from partnerhub.tests.factories import MemberFactory, PartnerFactory, credited_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def story():
    return build()


def _auth(member, *, write=True) -> dict:
    _, secret = api_key_create(actor=member.user, name="Email product", can_write=write)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _report(client, auth, account, key, body=None):
    return client.post(
        f"/api/v1/accounts/{account.encoded_account_id}/onboarding/{key}",
        data=body if body is not None else "",
        content_type="application/json",
        **auth,
    )


def test_the_checklist_and_one_accounts_steps(client, story):
    auth = _auth(story.owner)
    steps = client.get("/api/v1/onboarding/checklist", **auth).json()["steps"]
    assert [(s["key"], s["checked_by"], s["check"]) for s in steps] == [
        ("plan-chosen", "partnerhub", "plan_chosen"),
        ("import-contacts", "reported", None),
        ("first-send", "reported", None),
    ]
    body = client.get(
        f"/api/v1/accounts/{story.shops[0].encoded_account_id}/onboarding", **auth
    ).json()
    assert (body["done"], body["total"]) == (3, 3)
    assert [(s["key"], s["done"], s["by"]) for s in body["steps"]][0] == (
        "plan-chosen",
        True,
        "PartnerHub check",
    )


def test_a_report_is_idempotent_with_or_without_a_body(client, story):
    auth = _auth(story.owner)
    shop = story.shops[3]
    first = _report(client, auth, shop, "first-send", '{"at": "2026-11-02T09:00:00Z"}')
    assert first.status_code == 200
    assert first.json()["changed"] is True and first.json()["at"] == "2026-11-02T09:00:00Z"
    again = _report(client, auth, shop, "first-send")
    assert again.status_code == 200 and again.json()["changed"] is False
    assert again.json()["at"] == "2026-11-02T09:00:00Z"
    undone = _report(client, auth, shop, "first-send", '{"done": false}')
    assert undone.json()["done"] is False and undone.json()["changed"] is True
    assert not StepCompletion.objects.filter(account=shop, step__key="first-send").exists()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ('{"done": "maybe"}', 422, "invalid_request"),
        ('{"dome": true}', 422, "invalid_request"),
        ("not json", 422, "invalid_request"),
        ('{"at": "2026-11-02T09:00:00"}', 422, "invalid_request"),
        ('{"at": "2099-01-01T00:00:00Z"}', 422, "at_in_future"),
    ],
)
def test_bad_bodies_get_the_apis_error(client, story, body, status, code):
    answer = _report(client, _auth(story.owner), story.shops[3], "first-send", body)
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == code
    assert not StepCompletion.objects.filter(
        account=story.shops[3], step__key="first-send"
    ).exists()


def test_unknown_steps_automatic_steps_and_read_keys_are_refused(client, story):
    auth = _auth(story.owner)
    missing = _report(client, auth, story.shops[3], "no-such-step")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "step_not_found"
    checked = _report(client, auth, story.shops[3], "plan-chosen")
    assert checked.status_code == 422
    assert checked.json()["error"]["code"] == "step_checked_by_partnerhub"
    read_only = _report(client, _auth(story.owner, write=False), story.shops[3], "first-send")
    assert read_only.status_code == 403


def test_another_organizations_account_is_not_found(client, story):
    other = PartnerFactory()
    stranger = credited_account(other)
    outsider = MemberFactory(partner=other, role="owner")
    assert _report(client, _auth(story.owner), stranger, "first-send").status_code == 404
    theirs = _report(client, _auth(outsider), story.shops[0], "first-send")
    assert theirs.status_code == 404 and theirs.json()["error"]["code"] == "not_found"
    assert (
        client.get(
            f"/api/v1/accounts/{story.shops[0].encoded_account_id}/onboarding", **_auth(outsider)
        ).status_code
        == 404
    )
    assert client.get("/api/v1/onboarding/checklist", **_auth(outsider)).json() == {"steps": []}


def test_the_rollup_adds_up_per_month_in_cents(client, story):
    today = dt.date.today()
    this_month = today.replace(day=1)
    Invoice.objects.create(
        external_id="i1",
        account=story.shops[0],
        paid_on=this_month,
        amount_minor=1999,
        currency="USD",
    )
    Invoice.objects.create(
        external_id="i2", account=story.shops[2], paid_on=this_month, amount_minor=1, currency="USD"
    )
    Invoice.objects.create(
        external_id="i3",
        account=story.shops[1],
        paid_on=this_month,
        amount_minor=500,
        currency="EUR",
    )
    body = client.get("/api/v1/reports/rollup?months=3", **_auth(story.owner)).json()
    assert body["accounts"] == 4 and body["contacts"] == 480
    assert len(body["months"]) == 3
    assert body["months"][-1] == {
        "month": f"{this_month:%Y-%m}",
        "spend": {"USD": 2000, "EUR": 500},
        # An organization: bulk pricing applies; no statement took anything off yet.
        "discount": {},
    }
    assert body["onboarding"] == {
        "steps": 3,
        "accounts": 4,
        "complete": 1,
        "done_steps": 4 + 3,
        "average_percent": 58,
    }
    north = client.get(f"/api/v1/reports/rollup?group={story.north.pk}", **_auth(story.owner))
    assert north.json()["months"][-1]["spend"] == {"USD": 1999, "EUR": 500}
    assert (
        client.get("/api/v1/reports/rollup?group=999999", **_auth(story.owner)).status_code == 404
    )
    assert client.get("/api/v1/reports/rollup?months=99", **_auth(story.owner)).status_code == 422
