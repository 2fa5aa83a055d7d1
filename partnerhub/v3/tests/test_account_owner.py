"""``POST /v3/partner/accounts`` never attaches a new account to an existing person: whoever
``contact_email`` belongs to, the answer is the same, and the account has no owner until that
person accepts the invitation; a managed account also needs the owner's confirmation."""

import pytest
from django.contrib.auth import get_user_model

from partnerhub.access.disclaimers import CURRENT as DISCLAIMER
from partnerhub.access.models import ConsentRecord, ManageRequest
from partnerhub.access.services import manage_request_confirm
from partnerhub.clients.models import ClientAccount
from partnerhub.core.errors import PermissionDenied
from partnerhub.invitations.models import Invitation
from partnerhub.invitations.services import invitation_accept
from partnerhub.tests.factories import UserFactory
from partnerhub.tests.mail import invitation_token

WHO = [
    "a new address",
    "own customer",
    "other partner's customer",
    "own team member",
    "other team's member",
    "program staff",
]


def _address(cast, who) -> str:
    if who == "a new address":
        return "nobody.yet@client.example"
    if who == "program staff":
        return UserFactory(username="pat@partnerhub.example", is_staff=True).email
    return {
        "own customer": cast.customer,
        "other partner's customer": cast.foreign.owner,
        "own team member": cast.owner.member.user,
        "other team's member": cast.other.member.user,
    }[who].email


def _create(client, cast, email, n):
    return client.post(
        "/v3/partner/accounts",
        data={
            "contact_email": email,
            "country_code": "GB",
            "login_name": f"newclient{n:02d}",
            "password": "Tide-Lantern-4821",
            "state_code": "",
            "managed_site_owner": True,
        },
        content_type="application/json",
        headers=cast.owner.headers,
    )


def _owned(user_model) -> list:
    return sorted(
        user_model.objects.filter(owned_accounts__isnull=False).values_list("pk", "owned_accounts")
    )


def test_every_address_gets_the_same_answer_and_nobody_is_attached(client, cast):
    users = get_user_model()
    addresses = {who: _address(cast, who) for who in WHO}
    owned_before = _owned(users)
    user_count = users.objects.count()

    answers = {}
    for n, (who, email) in enumerate(addresses.items()):
        response = _create(client, cast, email, n)
        answers[who] = (response.status_code, tuple(sorted(response.json())))

    # then every answer is the same 201 with the same fields
    assert set(answers.values()) == {(201, ("encoded_account_id", "provision_uuid"))}
    # and no account was given to anyone, no sign-in made, nothing managed
    assert _owned(users) == owned_before
    assert users.objects.count() == user_count
    created = ClientAccount.objects.filter(login_name__startswith="newclient")
    assert sorted(created.values_list("owner", "partnership_kind")) == [(None, "referred")] * 6
    assert sorted(Invitation.objects.values_list("email", "status")) == sorted(
        (email, "pending") for email in addresses.values()
    )


def test_the_other_partners_customer_owns_it_after_accepting_and_it_is_managed_after_confirming(
    client, cast, django_capture_on_commit_callbacks, mailoutbox
):
    person = cast.foreign.owner
    with django_capture_on_commit_callbacks(execute=True):
        response = _create(client, cast, person.email, 1)
    account = ClientAccount.objects.get(encoded_account_id=response.json()["encoded_account_id"])
    [invited] = mailoutbox
    assert invited.to == [person.email]

    # when she accepts the invitation
    invitation_accept(actor=person, token=invitation_token(invited))

    # then the account is hers, still referred, with the request for full access waiting
    account.refresh_from_db()
    assert (account.owner, account.partnership_kind) == (person, "referred")
    pending = ManageRequest.objects.get(account=account, status="pending")

    # and only her confirmation makes it managed
    manage_request_confirm(
        actor=person,
        request_id=pending.pk,
        ip_address="203.0.113.9",
        user_agent="test",
        disclaimer_version=DISCLAIMER.version,
    )
    account.refresh_from_db()
    assert account.partnership_kind == "managed"
    assert ConsentRecord.objects.get(account=account).granted_by == person


def test_program_staff_cannot_accept_the_ownership(
    client, cast, django_capture_on_commit_callbacks, mailoutbox
):
    staff = UserFactory(username="pat@partnerhub.example", is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = _create(client, cast, staff.email, 1)
    account = ClientAccount.objects.get(encoded_account_id=response.json()["encoded_account_id"])

    with pytest.raises(PermissionDenied) as refused:
        invitation_accept(actor=staff, token=invitation_token(mailoutbox[0]))

    assert refused.value.code == "staff_refused"
    account.refresh_from_db()
    assert account.owner is None
    assert Invitation.objects.get(account=account).status == "pending"
