import datetime as dt
import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from partnerhub.access.models import ManageRequest
from partnerhub.access.services import manage_request_create
from partnerhub.tests.factories import MemberFactory, credited_account


@pytest.mark.django_db(transaction=True)
def test_exp(settings):
    member = MemberFactory()
    account = credited_account(member.partner)
    r = manage_request_create(actor=member.user, account_id=account.pk)
    ManageRequest.objects.filter(pk=r.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    mail.outbox.clear()
    call_command("worker", batch=True)
    print(ManageRequest.objects.get().status, len(mail.outbox))
    from django_tasks_db.models import DBTaskResult
    print(list(DBTaskResult.objects.values_list("task_path", "status")))

@pytest.mark.django_db(transaction=True)
def test_exp_immediate(settings):
    member = MemberFactory()
    account = credited_account(member.partner)
    r = manage_request_create(actor=member.user, account_id=account.pk)
    ManageRequest.objects.filter(pk=r.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    mail.outbox.clear()
    call_command("worker", batch=True)
    print(ManageRequest.objects.get().status, len(mail.outbox))
