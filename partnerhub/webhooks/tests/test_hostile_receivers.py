"""Deliveries to receivers that misbehave, on 127.0.0.1: a trickle never holds an attempt past
its deadline, a huge answer is read only as far as the excerpt needs, a redirect is not
followed; a name is resolved once and connected to at the address that was checked, with the
name in Host and as the TLS server name."""

import ssl
import threading
import time
import tracemalloc
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import trustme
from django.test import override_settings

from partnerhub.webhooks import transport
from partnerhub.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from partnerhub.webhooks.safety import target_parse
from partnerhub.webhooks.services import (
    MAX_RESPONSE_BYTES,
    delivery_attempt,
    endpoint_create,
    event_emit,
)
from partnerhub.webhooks.tests.hostile_receivers import (
    HostileReceiver,
    answering,
    huge_body,
    redirecting,
    trickling_body,
    trickling_headers,
)

pytestmark = pytest.mark.django_db

DEADLINE = 1.5


@pytest.fixture
def hostile():
    started = []

    def start(behaviour) -> HostileReceiver:
        receiver = HostileReceiver(behaviour).start()
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.stop()


def _deliver(team, url: str) -> WebhookDelivery:
    endpoint = endpoint_create(actor=team.owner.user, url=url, event_types=[])
    event = event_emit(partner_id=team.partner.pk, event_type="plan.changed", data={"n": 1})
    delivery = WebhookDelivery.objects.get(event=event, endpoint=endpoint)
    delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    return delivery


@pytest.mark.parametrize("behaviour", [trickling_body(0.2), trickling_headers(0.2)])
def test_a_receiver_that_trickles_its_answer_is_cut_off_at_the_deadline(
    team, hostile, settings, behaviour
):
    # Given a receiver that sends a byte every 0.2 s and never finishes, and a 1.5 s deadline
    settings.PARTNERHUB_WEBHOOKS_DEADLINE_SECONDS = DEADLINE
    receiver = hostile(behaviour)

    # When a delivery is attempted
    started = time.monotonic()
    delivery = _deliver(team, receiver.url)
    took = time.monotonic() - started

    # Then the attempt ends at the deadline, as a failure to retry, however many bytes came
    attempt = delivery.attempt_log.get()
    assert DEADLINE <= took < DEADLINE + 1.0
    assert receiver.bytes_sent >= 5
    assert attempt.error == "no complete answer within 1.5 s"
    assert DEADLINE * 1000 <= attempt.duration_ms < (DEADLINE + 1.0) * 1000
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.RETRYING, 1)


def test_an_answer_sent_in_time_but_finished_late_still_fails(team, hostile, settings):
    settings.PARTNERHUB_WEBHOOKS_DEADLINE_SECONDS = DEADLINE
    receiver = hostile(trickling_body(0.2))

    delivery = _deliver(team, receiver.url)

    # The status line had come (200), the body never finished: not a success.
    attempt = delivery.attempt_log.get()
    assert (attempt.status_code, attempt.error) == (200, "no complete answer within 1.5 s")
    assert delivery.status == DeliveryStatus.RETRYING


def test_a_huge_answer_is_read_only_up_to_the_limit(team, hostile):
    # Given a receiver that answers 200 with a 200 MB body
    receiver = hostile(huge_body(200 * 1024 * 1024))
    target = target_parse(receiver.url)

    # When the answer is read, memory is watched
    tracemalloc.start()
    try:
        answer = transport.post(
            target,
            [target.literal],
            body=b"{}",
            headers={},
            deadline=15,
            max_body=MAX_RESPONSE_BYTES,
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # Then 64 KiB were kept, the rest was never downloaded, and memory stayed small
    assert (answer.status, len(answer.body), answer.truncated) == (200, 64 * 1024, True)
    assert peak < 1024 * 1024
    receiver.stop()
    assert receiver.bytes_sent < 32 * 1024 * 1024  # what socket buffers took in, at most


def test_the_delivery_log_keeps_an_excerpt_of_a_huge_answer(team, hostile):
    receiver = hostile(huge_body(200 * 1024 * 1024))

    delivery = _deliver(team, receiver.url)

    attempt = delivery.attempt_log.get()
    assert (attempt.status_code, attempt.error) == (200, "")
    assert attempt.response_excerpt == ("0123456789abcdef" * 32)[:500]
    assert delivery.status == DeliveryStatus.SUCCEEDED


def test_a_redirect_is_not_followed(team, hostile, receiver):
    # Given a receiver that redirects to another server (here: a working receiver)
    redirector = hostile(redirecting(receiver.url))

    delivery = _deliver(team, redirector.url)

    # Then the 307 is recorded as the answer, nothing reached the other server, and it retries
    attempt = delivery.attempt_log.get()
    assert (attempt.status_code, attempt.error) == (307, "")
    assert receiver.requests == []
    assert len(redirector.requests) == 1
    assert delivery.status == DeliveryStatus.RETRYING


def test_a_name_is_resolved_once_and_connected_to_at_that_address(team, receiver, fake_dns):
    # Given a name that only the stub resolver knows, answering 127.0.0.1 (private allowed)
    fake_dns.answers["hooks.partner.test"] = ["127.0.0.1"]
    url = f"http://hooks.partner.test:{receiver.port}/hooks?via=name"
    endpoint = endpoint_create(actor=team.owner.user, url=url, event_types=[])
    receiver.secret = endpoint.secret
    event = event_emit(partner_id=team.partner.pk, event_type="plan.changed", data={"n": 1})

    # When it is delivered
    delivery_attempt(delivery_id=WebhookDelivery.objects.get(event=event).pk)

    # Then the request went to 127.0.0.1, naming the host as the URL does, after one lookup
    [received] = receiver.requests
    assert received.headers["Host"] == f"hooks.partner.test:{receiver.port}"
    assert fake_dns.lookups == ["hooks.partner.test"]
    assert WebhookDelivery.objects.get(event=event).status == DeliveryStatus.SUCCEEDED


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False)
def test_a_name_that_rebinds_to_a_private_address_after_registration_is_not_delivered_to(
    team, receiver, fake_dns
):
    # Given a name that answered a public address when the endpoint was registered
    fake_dns.answers["rebind.partner.test"] = ["8.8.8.8"]
    endpoint = endpoint_create(
        actor=team.owner.user,
        url=f"http://rebind.partner.test:{receiver.port}/hooks",
        event_types=[],
    )
    event = event_emit(partner_id=team.partner.pk, event_type="plan.changed", data={"n": 1})
    delivery = WebhookDelivery.objects.get(event=event, endpoint=endpoint)

    # When it answers 127.0.0.1 at delivery time
    fake_dns.answers["rebind.partner.test"] = ["127.0.0.1"]
    delivery_attempt(delivery_id=delivery.pk)

    # Then nothing is sent; the attempt says why
    assert receiver.requests == []
    attempt = delivery.attempt_log.get()
    assert (attempt.status_code, attempt.error) == (
        None,
        "rebind.partner.test (127.0.0.1) is not a public address: private, loopback, "
        "link-local, shared or reserved addresses cannot receive webhooks",
    )
    assert fake_dns.lookups == ["rebind.partner.test", "rebind.partner.test"]


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False)
def test_a_stored_url_is_checked_again_at_delivery(team, receiver):
    # Given an endpoint stored before the guard knew better (a loopback target)
    endpoint = WebhookEndpoint.objects.create(
        partner=team.partner, url=receiver.url, event_types=[], secret="whsec_x"
    )
    event = event_emit(partner_id=team.partner.pk, event_type="plan.changed", data={"n": 1})

    delivery_attempt(delivery_id=WebhookDelivery.objects.get(event=event, endpoint=endpoint).pk)

    assert receiver.requests == []
    assert (
        WebhookDelivery.objects.get(event=event)
        .attempt_log.get()
        .error.startswith("127.0.0.1 is not a public address")
    )


# --- TLS: the server name and the certificate are those of the URL's host ---------------------


@pytest.fixture
def tls_receiver(monkeypatch, fake_dns):
    """An HTTPS receiver on 127.0.0.1 with a certificate for hooks.partner.test, from a test CA
    that delivery trusts; it records the TLS server name and Host header of each request."""
    ca = trustme.CA()
    seen: list[tuple[str | None, str]] = []
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("hooks.partner.test").configure_cert(server_context)
    names: list[str | None] = []
    server_context.sni_callback = lambda sock, name, ctx: names.append(name)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["content-length"]))
            seen.append((names[-1] if names else None, self.headers["host"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()

    def client_context() -> ssl.SSLContext:
        context = ssl.create_default_context()
        ca.configure_trust(context)
        return context

    monkeypatch.setattr(transport, "tls_context", client_context)
    fake_dns.answers["hooks.partner.test"] = ["127.0.0.1"]
    fake_dns.answers["other.partner.test"] = ["127.0.0.1"]
    yield server.server_address[1], seen
    server.shutdown()
    server.server_close()


def test_tls_names_the_host_and_checks_its_certificate(team, tls_receiver):
    port, seen = tls_receiver

    delivery = _deliver(team, f"https://hooks.partner.test:{port}/hooks")

    assert seen == [("hooks.partner.test", f"hooks.partner.test:{port}")]
    assert delivery.attempt_log.get().status_code == 204
    assert delivery.status == DeliveryStatus.SUCCEEDED


def test_tls_refuses_a_certificate_for_another_name(team, tls_receiver):
    port, seen = tls_receiver

    delivery = _deliver(team, f"https://other.partner.test:{port}/hooks")

    attempt = delivery.attempt_log.get()
    assert seen == []
    assert attempt.status_code is None
    assert attempt.error == (
        "TLS certificate refused: Hostname mismatch, certificate is not valid for "
        "'other.partner.test'."
    )
    assert delivery.status == DeliveryStatus.RETRYING


def test_the_first_address_that_accepts_a_connection_is_used(team, receiver, fake_dns):
    # Given a name whose first address refuses connections (the receiver listens on
    # 127.0.0.1 only)
    fake_dns.answers["hooks.partner.test"] = ["127.0.0.2", "127.0.0.1"]
    endpoint = endpoint_create(
        actor=team.owner.user,
        url=f"http://hooks.partner.test:{receiver.port}/hooks",
        event_types=[],
    )
    receiver.secret = endpoint.secret
    event = event_emit(partner_id=team.partner.pk, event_type="plan.changed", data={"n": 1})

    delivery_attempt(delivery_id=WebhookDelivery.objects.get(event=event).pk)

    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get(event=event).status == DeliveryStatus.SUCCEEDED


@override_settings(PARTNERHUB_WEBHOOKS_ALLOW_PRIVATE=False)
def test_a_refusal_naming_a_long_host_fits_the_delivery_log(team, fake_dns):
    # Given a 250-character name that answers a private address at delivery
    host = ".".join(["a" * 60] * 4) + ".test"
    fake_dns.answers[host] = ["8.8.8.8"]
    endpoint = endpoint_create(actor=team.owner.user, url=f"https://{host}/h", event_types=[])
    event = event_emit(partner_id=team.partner.pk, event_type="plan.changed", data={"n": 1})
    fake_dns.answers[host] = ["10.0.0.1"]

    delivery_attempt(delivery_id=WebhookDelivery.objects.get(event=event, endpoint=endpoint).pk)

    error = WebhookDelivery.objects.get(event=event).attempt_log.get().error
    assert (len(error), error[:20]) == (300, host[:20])


def test_an_answer_with_nul_bytes_and_broken_utf8_is_kept_as_storable_text(team, hostile):
    receiver = hostile(answering(200, b"ok\x00\xff done"))

    delivery = _deliver(team, receiver.url)

    attempt = delivery.attempt_log.get()
    assert (attempt.status_code, attempt.response_excerpt) == (200, "ok\ufffd\ufffd done")
    assert delivery.status == DeliveryStatus.SUCCEEDED
