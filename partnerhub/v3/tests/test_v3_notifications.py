"""V3 subscriptions get the public notification format; native endpoints keep the Standard
Webhooks envelope; both are signed. Topics 1-4 after plan changes, a cancel now, a scheduled
cancel carried out by the worker's sweep, and a disable."""

import datetime as dt
import json
from unittest import mock

import pytest
from django.utils import timezone
from standardwebhooks import Webhook

from partnerhub.billing import services as billing
from partnerhub.clients.models import ClientAccount
from partnerhub.v3 import cancellations
from partnerhub.v3.tests.v3_receiver import HOST, V3Receiver
from partnerhub.webhooks import transport
from partnerhub.webhooks.models import WebhookEndpoint
from partnerhub.webhooks.services import endpoint_create
from partnerhub.webhooks.tests.receiver import Receiver

SUBSCRIPTIONS = "/v3/partner/webhooks/subscriptions"


@pytest.fixture
def v3_receiver(monkeypatch, fake_dns):
    running = V3Receiver().start()
    monkeypatch.setattr(transport, "tls_context", running.client_context)
    fake_dns.answers[HOST] = ["127.0.0.1"]
    yield running
    running.stop()


@pytest.fixture
def native_receiver():
    running = Receiver().start()
    yield running
    running.stop()


def _json(client, method, path, body, headers):
    return getattr(client, method)(
        path, data=json.dumps(body), content_type="application/json", headers=headers
    )


@pytest.fixture
def subscribed(client, cast, v3_receiver, django_capture_on_commit_callbacks):
    for topic, name in ((1, "up"), (2, "down"), (3, "cancel"), (4, "disable")):
        response = _json(
            client,
            "put",
            f"{SUBSCRIPTIONS}/{topic}",
            {"hook_uri": v3_receiver.hook(name)},
            cast.owner.headers,
        )
        assert response.status_code == 200, response.content
    return v3_receiver


def _plan(client, cast, account, plan_type, capture):
    with capture(execute=True):
        response = _json(
            client,
            "put",
            f"/v3/partner/accounts/{account.encoded_account_id}/plan",
            {"plan_type": plan_type},
            cast.owner.headers,
        )
    assert response.status_code == 200, response.content


def _plan_url(account) -> str:
    return f"http://testserver/v3/partner/accounts/{account.encoded_account_id}/plan"


def test_each_topic_arrives_in_the_v3_format(
    client, cast, subscribed, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    # When the trial converts to GOLD, then moves down to BRONZE
    _plan(client, cast, cast.trial, "GOLD", capture)
    _plan(client, cast, cast.trial, "BRONZE", capture)
    # And the managed account is cancelled now, and another one is disabled by billing data
    with capture(execute=True):
        response = _json(
            client,
            "put",
            f"/v3/partner/accounts/{cast.paying.encoded_account_id}/status/cancel",
            {"reason_id": 2},
            cast.owner.headers,
        )
    assert response.status_code == 200, response.content
    with capture(execute=True):
        billing.account_disable(
            external_id="D-1",
            account_id=cast.trial.pk,
            occurred_at=timezone.now(),
            reason="compliance",
        )

    # Then the receiver got one notification per topic, each pointing at the plan to fetch
    got = [(n.path, n.event_type, n.url, n.api_key) for n in subscribed.received]
    client_id = cast.owner.client.client_id
    assert got == [
        ("/hooks/up", "tier.increase", _plan_url(cast.trial), client_id),
        ("/hooks/down", "tier.decrease", _plan_url(cast.trial), client_id),
        ("/hooks/cancel", "account.cancel", _plan_url(cast.paying), client_id),
        ("/hooks/disable", "account.disable", _plan_url(cast.trial), client_id),
    ]
    # The body is exactly the three fields of the guide, and it is signed as native ones are
    first = subscribed.received[0]
    assert json.loads(first.body) == {
        "url": _plan_url(cast.trial),
        "api_key": client_id,
        "event_type": "tier.increase",
    }
    endpoint = WebhookEndpoint.objects.get(partner=cast.owner.client.partner, v3_topic=1)
    headers = {k.lower(): v for k, v in first.headers.items()}
    Webhook(endpoint.secret).verify(first.body, headers)


def test_a_scheduled_cancellation_notifies_when_the_worker_carries_it_out(
    client, cast, subscribed, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    later = (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0)
    with capture(execute=True):
        response = _json(
            client,
            "put",
            f"/v3/partner/accounts/{cast.paying.encoded_account_id}/status/cancel",
            {"effective_date": later.isoformat(), "reason_id": 1},
            cast.owner.headers,
        )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "reason_id": 1,
        "effective_date": later.isoformat().replace("+00:00", "Z"),
    }
    assert subscribed.received == []
    assert ClientAccount.objects.get(pk=cast.paying.pk).billing_status == "Open"

    # When the worker sweeps before the day, nothing happens; on the day, it cancels
    with capture(execute=True):
        assert cancellations.cancellations_due() == []
    with (
        mock.patch("django.utils.timezone.now", return_value=later + dt.timedelta(minutes=1)),
        capture(execute=True),
    ):
        assert len(cancellations.cancellations_due()) == 1

    assert ClientAccount.objects.get(pk=cast.paying.pk).billing_status == "Canceled"
    assert [(n.event_type, n.url) for n in subscribed.received] == [
        ("account.cancel", _plan_url(cast.paying))
    ]


def test_a_test_send_is_201_with_the_subscription_and_in_the_v3_format(
    client, cast, subscribed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{SUBSCRIPTIONS}/2/tests", headers=cast.owner.headers)
    assert response.status_code == 201, response.content
    assert response.json() == {
        "topic_id": 2,
        "topic_name": "Billing Tier Downgrade",
        "topic_description": "Executes when an account's billing tier is downgraded.",
        "hook_uri": subscribed.hook("down"),
    }
    [note] = subscribed.received
    assert (note.path, note.event_type, note.api_key) == (
        "/hooks/down",
        "tier.decrease",
        cast.owner.client.client_id,
    )
    assert note.url.endswith("/plan") and note.url.startswith("http://testserver/v3/partner/")


def test_a_native_endpoint_keeps_the_standard_webhooks_envelope(
    cast, native_receiver, django_capture_on_commit_callbacks
):
    endpoint = endpoint_create(
        actor=cast.owner.member.user, url=native_receiver.url, event_types=[]
    )
    native_receiver.secret = endpoint.secret
    with django_capture_on_commit_callbacks(execute=True):
        billing.account_plan_change(
            external_id="P-1",
            account_id=cast.paying.pk,
            plan_type="GOLD",
            occurred_at=timezone.now(),
        )
    # The native event, then the V3 topic it stands for, both in the native envelope
    assert [(r.event_type, r.data["previous_plan_type"]) for r in native_receiver.requests] == [
        ("plan.changed", "SILVER"),
        ("tier.increase", "SILVER"),
    ]
    assert native_receiver.rejected == []
