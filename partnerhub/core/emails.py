"""Notification e-mails that are never lost: ``email_queue`` writes the e-mail in the
transaction of the change it tells about and hands it to the worker when that commits;
``email_deliver`` sends it, retrying a failure after 1 minute, 5 minutes, 30 minutes and
2 hours, and then leaves it *failed*, with its error, for staff to send again.

Every subject is one line (``core.text.email_subject``), whatever the names in it hold: a line
break in a subject would make the mail library refuse the whole message."""

import datetime as dt
import logging

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from partnerhub.core.models import EmailStatus, OutgoingEmail
from partnerhub.core.text import email_subject

logger = logging.getLogger("partnerhub.emails")

# Waits before the 2nd, 3rd, 4th and 5th attempts; after the 5th, the e-mail is failed.
RETRY_DELAYS = [
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
]
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1


def email_queue(*, to: list[str], subject: str, body: str) -> OutgoingEmail | None:
    """Record one e-mail and send it once the current transaction commits."""
    to = sorted({a for a in to if a})
    if not to:
        return None
    email = OutgoingEmail.objects.create(to=to, subject=email_subject(subject), body=body)
    transaction.on_commit(lambda: _hand_to_worker(email.pk))
    return email


def emails_queue_many(messages: list[tuple[list[str], str, str]]) -> list[OutgoingEmail]:
    """``email_queue`` for many e-mails at once (a bulk request): each ``(to, subject, body)``
    recorded in one insert, all handed to the worker when the transaction commits."""
    emails = [
        OutgoingEmail(to=to, subject=email_subject(subject), body=body)
        for to, subject, body in ((sorted({a for a in t if a}), s, b) for t, s, b in messages)
        if to
    ]
    if not emails:
        return []
    emails = OutgoingEmail.objects.bulk_create(emails)
    ids = [email.pk for email in emails]
    transaction.on_commit(lambda: _hand_many_to_worker(ids))
    return emails


def _hand_many_to_worker(email_ids: list[int]) -> None:
    from partnerhub.core.tasks import emails_deliver_task

    emails_deliver_task.enqueue(email_ids=email_ids)


def _hand_to_worker(email_id: int) -> None:
    from partnerhub.core.tasks import email_deliver_task

    email_deliver_task.enqueue(email_id=email_id)


def email_deliver(*, email_id: int, now: dt.datetime | None = None) -> OutgoingEmail | None:
    """Send one e-mail unless it was sent already; on failure, schedule the next attempt or
    give up. Never raises for a failed send: the failure is recorded on the e-mail."""
    now = now or timezone.now()
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.status in (EmailStatus.SENT, EmailStatus.FAILED):
            return email
        if email.status == EmailStatus.RETRYING and email.next_attempt_at > now:
            return email  # not due yet (a sweep and a deferred task may both ask)
        email.attempts += 1
        try:
            send_mail(
                subject=email_subject(email.subject),
                message=email.body,
                from_email=None,
                recipient_list=email.to,
            )
        except Exception as error:  # any failure of the mail library or the server
            email.last_error = f"{type(error).__name__}: {error}"[:2000]
            if email.attempts < MAX_ATTEMPTS:
                email.status = EmailStatus.RETRYING
                email.next_attempt_at = now + RETRY_DELAYS[email.attempts - 1]
            else:
                email.status = EmailStatus.FAILED
                email.next_attempt_at = None
            logger.warning(
                "e-mail %s failed (attempt %s of %s): %s",
                email.pk,
                email.attempts,
                MAX_ATTEMPTS,
                email.last_error,
            )
        else:
            email.status = EmailStatus.SENT
            email.sent_at = now
            email.next_attempt_at = None
        email.save(update_fields=["attempts", "status", "last_error", "next_attempt_at", "sent_at"])
    if email.status == EmailStatus.RETRYING:
        _schedule_retry(email)
    return email


def _schedule_retry(email: OutgoingEmail) -> None:
    from partnerhub.core.tasks import email_deliver_task, enqueue_later

    # Where the task backend cannot defer, the worker's sweep (``emails_retry_due``) sends it.
    enqueue_later(email_deliver_task, email.next_attempt_at, email_id=email.pk)


def emails_retry_due(*, now: dt.datetime | None = None) -> list[OutgoingEmail]:
    """Attempt every e-mail whose next attempt is due."""
    now = now or timezone.now()
    due = OutgoingEmail.objects.filter(
        status=EmailStatus.RETRYING, next_attempt_at__lte=now
    ).values_list("pk", flat=True)
    return [email_deliver(email_id=pk, now=now) for pk in list(due)]


def emails_send_again(*, email_ids: list[int]) -> int:
    """Staff's *send again*: failed or waiting e-mails get a fresh round of attempts now."""
    with transaction.atomic():
        ids = list(
            OutgoingEmail.objects.select_for_update()
            .filter(pk__in=email_ids, status__in=[EmailStatus.FAILED, EmailStatus.RETRYING])
            .values_list("pk", flat=True)
        )
        OutgoingEmail.objects.filter(pk__in=ids).update(
            status=EmailStatus.QUEUED, attempts=0, next_attempt_at=None
        )
        for pk in ids:
            transaction.on_commit(lambda pk=pk: _hand_to_worker(pk))
    return len(ids)
