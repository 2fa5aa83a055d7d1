"""``event_emit`` writes the event and its deliveries in the caller's transaction (the outbox)
and queues the sends only when that transaction commits."""

import pytest
from django.db import transaction

from partnerhub.access.services import manage_request_create
from partnerhub.tests.factories import PartnerFactory
from partnerhub.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEvent
from partnerhub.webhooks.services import endpoint_create, endpoint_update, event_emit

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


@pytest.fixture
def endpoints(team):
    everything = endpoint_create(
        actor=team.owner.user, url="http://127.0.0.1:9/all", event_types=[]
    )
    plans = endpoint_create(
        actor=team.owner.user, url="http://127.0.0.1:9/plans", event_types=["plan.changed"]
    )
    switched_off = endpoint_create(
        actor=team.owner.user, url="http://127.0.0.1:9/off", event_types=[]
    )
    endpoint_update(actor=team.owner.user, endpoint_id=switched_off.pk, enabled=False)
    elsewhere = endpoint_create(
        actor=team.other_owner.user, url="http://127.0.0.1:9/northstar", event_types=[]
    )
    return everything, plans, switched_off, elsewhere


def test_an_event_goes_to_every_enabled_endpoint_of_the_partner_that_wants_it(
    team, endpoints, django_capture_on_commit_callbacks
):
    everything, plans, _, _ = endpoints

    with django_capture_on_commit_callbacks() as callbacks:
        plan_event = event_emit(
            partner_id=team.partner.pk, event_type="plan.changed", data={"plan_type": "GOLD"}
        )
        request_event = event_emit(
            partner_id=team.partner.pk, event_type="request.created", data={"request_id": 7}
        )

    assert sorted(d.endpoint.url for d in plan_event.deliveries.all()) == [
        everything.url,
        plans.url,
    ]
    assert [d.endpoint.url for d in request_event.deliveries.all()] == [everything.url]
    assert {d.status for d in WebhookDelivery.objects.all()} == {DeliveryStatus.PENDING}
    assert plan_event.payload == {"plan_type": "GOLD"}
    assert plan_event.message_id.startswith("msg_")
    assert len(callbacks) == 2


def test_an_event_nobody_wants_is_not_written(team, endpoints, django_capture_on_commit_callbacks):
    quiet = PartnerFactory(name="Quiet Partners")

    with django_capture_on_commit_callbacks() as callbacks:
        nothing = event_emit(partner_id=quiet.pk, event_type="plan.changed", data={})

    assert nothing is None
    assert WebhookEvent.objects.count() == 0
    assert callbacks == []


def test_an_event_goes_only_to_its_own_partner(team, endpoints):
    *_, elsewhere = endpoints

    event = event_emit(partner_id=team.other_partner.pk, event_type="month.closed", data={})

    assert [d.endpoint for d in event.deliveries.all()] == [elsewhere]


def test_an_unknown_event_type_is_refused(team, endpoints):
    with pytest.raises(ValueError, match="unknown event type 'plan.exploded'"):
        event_emit(partner_id=team.partner.pk, event_type="plan.exploded", data={})

    assert WebhookEvent.objects.count() == 0


def test_a_rolled_back_change_leaves_no_event_and_sends_nothing(
    team, endpoints, django_capture_on_commit_callbacks
):
    # Given a change that emits and then fails in the same transaction
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        manage_request_create(actor=team.owner.user, account_id=team.bakery.pk)
        assert WebhookEvent.objects.filter(event_type="request.created").count() == 1
        raise Boom

    # Then neither the event nor its deliveries remain, and no send was queued
    assert WebhookEvent.objects.count() == 0
    assert WebhookDelivery.objects.count() == 0
    assert callbacks == []


def test_a_committed_change_sends_its_deliveries_after_commit(
    team, endpoints, django_capture_on_commit_callbacks, receiver
):
    everything, *_ = endpoints
    endpoint_update(actor=team.owner.user, endpoint_id=everything.pk, url=receiver.url)
    receiver.secret = everything.secret

    with django_capture_on_commit_callbacks(execute=True):
        request = manage_request_create(actor=team.owner.user, account_id=team.bakery.pk)
        # Inside the transaction nothing has been sent yet.
        assert receiver.requests == []

    [received] = receiver.requests
    assert (received.event_type, received.data["request_id"]) == ("request.created", request.pk)
    assert WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED
