"""No notification is lost: every subject is one line whatever the names in it hold, a failed
send is retried with backoff, and one that keeps failing is listed for staff, with its error,
and can be sent again."""

import datetime as dt

import pytest
from django.core import mail
from django.core.mail import BadHeaderError

from partnerhub.access.services import manage_request_create
from partnerhub.clients.models import ClientAccount
from partnerhub.core.emails import (
    MAX_ATTEMPTS,
    email_deliver,
    email_queue,
    emails_retry_due,
    emails_send_again,
)
from partnerhub.core.models import EmailStatus, OutgoingEmail
from partnerhub.core.text import email_subject
from partnerhub.tests.factories import UserFactory
from partnerhub.tests.world import build_world

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def failing_mail(monkeypatch):
    """The mail server refuses every message until ``failing_mail.fixed = True``."""

    class Server:
        fixed = False

    def send_mail(**kwargs):
        if not Server.fixed:
            raise ConnectionRefusedError("mail server down")
        mail.outbox.append(kwargs)
        return 1

    monkeypatch.setattr("partnerhub.core.emails.send_mail", send_mail)
    return Server


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("Acme\r\nBcc: x@example.test asks", "Acme Bcc: x@example.test asks"),
        ("Tab\there", "Tab here"),
        ("  NUL\x00and\u2028separator  ", "NUL and separator"),
        ("x" * 250, "x" * 199 + "…"),
    ],
)
def test_a_subject_is_one_line_of_at_most_200_characters(text, subject):
    assert email_subject(text) == subject


def test_a_name_with_a_line_break_still_gets_its_notice_out(django_capture_on_commit_callbacks):
    # Given Blue Bakery, whose organization name came in with a CR LF (stored before names
    # were checked)
    world = build_world()
    ClientAccount.objects.filter(pk=world.account.pk).update(organization_name="Blue\r\nBakery")
    mail.outbox.clear()

    # When Olga asks to manage it
    with django_capture_on_commit_callbacks(execute=True):
        manage_request_create(actor=world.owner.user, account_id=world.account.pk)

    # Then the customer's e-mail went out, its subject on one line
    assert [m.subject for m in mail.outbox] == [
        "Brightwave Agency asks for permission to manage Blue Bakery"
    ]
    assert OutgoingEmail.objects.get().status == EmailStatus.SENT


def test_a_failed_send_is_retried_with_backoff_then_given_up_and_kept(failing_mail):
    # Given an e-mail and a mail server that is down
    email = email_queue(to=["cora@example.test"], subject="Hello", body="Hi")

    # When the first attempt fails
    email_deliver(email_id=email.pk, now=T0)

    # Then it waits a minute for the next attempt, with the error recorded
    email.refresh_from_db()
    assert (email.status, email.attempts, email.next_attempt_at, email.last_error) == (
        EmailStatus.RETRYING,
        1,
        T0 + dt.timedelta(minutes=1),
        "ConnectionRefusedError: mail server down",
    )

    # When the sweep runs before it is due, nothing is attempted
    emails_retry_due(now=T0 + dt.timedelta(seconds=59))
    email.refresh_from_db()
    assert email.attempts == 1

    # When every later attempt fails too, each after its wait
    waits = []
    now = T0
    while email.status == EmailStatus.RETRYING:
        waits.append(email.next_attempt_at - now)
        now = email.next_attempt_at
        emails_retry_due(now=now)
        email.refresh_from_db()

    # Then it was tried five times in all, waiting longer each time, and is kept as failed
    assert waits == [
        dt.timedelta(minutes=1),
        dt.timedelta(minutes=5),
        dt.timedelta(minutes=30),
        dt.timedelta(hours=2),
    ]
    assert (email.status, email.attempts, email.next_attempt_at) == (
        EmailStatus.FAILED,
        MAX_ATTEMPTS,
        None,
    )
    assert mail.outbox == []


def test_a_retry_that_succeeds_sends_it_once(failing_mail):
    email = email_queue(to=["cora@example.test"], subject="Hello", body="Hi")
    email_deliver(email_id=email.pk, now=T0)
    failing_mail.fixed = True

    emails_retry_due(now=T0 + dt.timedelta(minutes=1))
    emails_retry_due(now=T0 + dt.timedelta(minutes=2))

    email.refresh_from_db()
    assert (email.status, email.attempts, email.sent_at) == (
        EmailStatus.SENT,
        2,
        T0 + dt.timedelta(minutes=1),
    )
    assert [m["recipient_list"] for m in mail.outbox] == [["cora@example.test"]]


def test_staff_see_failed_e_mails_with_their_error_and_send_them_again(
    client, failing_mail, django_capture_on_commit_callbacks
):
    # Given an e-mail that failed after every attempt, and one that was sent
    failed = OutgoingEmail.objects.create(
        to=["cora@example.test"],
        subject="Your request to manage Blue Bakery expired",
        body="Hi",
        status=EmailStatus.FAILED,
        attempts=MAX_ATTEMPTS,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
    )
    sent = OutgoingEmail.objects.create(
        to=["gus@example.test"], subject="Welcome aboard", body="Hi", status=EmailStatus.SENT
    )
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    # When staff open the list of outgoing e-mails
    page = client.get("/admin/core/outgoingemail/", {"status__exact": "failed"})

    # Then the failed one is listed with its error
    text = page.content.decode()
    assert page.status_code == 200
    assert "Your request to manage Blue Bakery expired" in text
    assert "SMTPServerDisconnected: Connection unexpectedly closed" in text
    assert "Welcome aboard" not in text

    # When the server is fixed and staff send both selected again
    failing_mail.fixed = True
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/core/outgoingemail/",
            {"action": "send_again", "_selected_action": [failed.pk, sent.pk]},
        )

    # Then the failed one went out, and the sent one was not sent twice
    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (EmailStatus.SENT, 1)
    assert [m["subject"] for m in mail.outbox] == ["Your request to manage Blue Bakery expired"]


def test_sending_again_leaves_sent_e_mails_alone():
    sent = OutgoingEmail.objects.create(
        to=["a@example.test"], subject="S", body="B", status=EmailStatus.SENT
    )

    assert emails_send_again(email_ids=[sent.pk]) == 0
    sent.refresh_from_db()
    assert sent.status == EmailStatus.SENT


def test_a_subject_with_a_line_break_no_longer_fails_the_mail_library():
    # Django refuses a header with a line break; the helper is what keeps it out.
    with pytest.raises(BadHeaderError):
        mail.EmailMessage(subject="a\r\nb", to=["a@example.test"]).message()

    email = email_queue(to=["a@example.test"], subject="a\r\nb", body="B")
    email_deliver(email_id=email.pk)

    assert mail.outbox[-1].subject == "a b"
