"""An organization's pages: groups, the Group column and filters, creating accounts (one, or
from a CSV file with a preview), moving and tagging from the selection bar, and detaching.
Another organization gets 404 on every one of its objects; an agency has none of these pages."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from partnerhub.audit.models import AuditEvent
from partnerhub.clients.models import ClientAccount
from partnerhub.invitations.models import Invitation
from partnerhub.organizations.children import ChildAccountIn, child_account_create
from partnerhub.organizations.detach import detach_request_create
from partnerhub.organizations.models import AccountGroup, AccountTagging, DetachRequest
from partnerhub.organizations.services import (
    account_tags_add,
    group_create,
    organization_create,
)
from partnerhub.partners.models import PartnerRole
from partnerhub.tests.factories import MemberFactory, PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "location_name,owner_name,owner_email,login_name,plan,group,tags\n"


class Org:
    def __init__(self, name: str, prefix: str):
        self.org = organization_create(name=name, deployed_on=dt.date(2025, 1, 1))
        self.admin = MemberFactory(partner=self.org, role=PartnerRole.OWNER).user
        self.viewer = MemberFactory(partner=self.org, role=PartnerRole.VIEWER).user
        self.north = group_create(partner=self.org, name="North")
        self.lakes = group_create(partner=self.org, name="Lakes", parent=self.north)
        self.accounts = [
            child_account_create(
                partner=self.org,
                data=ChildAccountIn(
                    location_name=f"{name} {town}",
                    owner_name="Maya Loaf",
                    owner_email=f"{prefix}{i}@crumb.example",
                    login_name=f"{prefix}shop{i}",
                ),
                group=self.north if i == 0 else None,
            )
            for i, town in enumerate(["Aberdeen", "Bergen"])
        ]


@pytest.fixture
def crumb():
    return Org("Crumb", "crumb")


@pytest.fixture
def other():
    return Org("Other", "other")


def test_my_accounts_shows_the_group_column_and_filters_by_group_and_tag(client, crumb):
    client.force_login(crumb.admin)
    account_tags_add(partner=crumb.org, account_ids=[crumb.accounts[1].pk], names=["vip"])
    page = client.get(reverse("partner-accounts")).content.decode()
    assert '<th scope="col">Group</th>' in page
    assert "Earnings</a>" not in page  # no partner earnings for an organization
    by_group = client.get(reverse("partner-accounts"), {"group": crumb.north.pk}).content.decode()
    assert "Crumb Aberdeen" in by_group and "Crumb Bergen" not in by_group
    none = client.get(reverse("partner-accounts"), {"group": "none"}).content.decode()
    assert "Crumb Bergen" in none and "Crumb Aberdeen" not in none
    tag = crumb.accounts[1].taggings.get().tag
    tagged = client.get(reverse("partner-accounts"), {"tag": tag.pk}).content.decode()
    assert "Crumb Bergen" in tagged and "Crumb Aberdeen" not in tagged
    csv = b"".join(
        client.get(reverse("partner-accounts-csv"), {"group": crumb.north.pk}).streaming_content
    ).decode()
    assert csv.splitlines()[0].startswith("account_id,organization,group,type")
    assert len(csv.splitlines()) == 2 and ",North," in csv


def test_an_agency_sees_no_organization_pages_and_its_list_is_unchanged(client):
    agency = PartnerFactory()
    owner = MemberFactory(partner=agency, role=PartnerRole.OWNER).user
    client.force_login(owner)
    for name in ("organization-groups", "organization-child-new", "organization-children-import"):
        assert client.get(reverse(name)).status_code == 404
    assert client.post(reverse("organization-accounts-move"), {"account": "1"}).status_code == 404
    page = client.get(reverse("partner-accounts")).content.decode()
    assert '<th scope="col">Group</th>' not in page and "Earnings</a>" in page


def test_another_organization_gets_404_on_every_group_and_account_url(client, crumb, other):
    client.force_login(other.admin)
    theirs = crumb.accounts[0]
    group = crumb.north
    for url in (
        reverse("organization-group-rename", args=[group.pk]),
        reverse("organization-group-delete", args=[group.pk]),
        reverse("organization-account-detach", args=[theirs.encoded_account_id]),
    ):
        assert client.post(url, {"name": "Mine"}).status_code == 404, url
    assert (
        client.get(reverse("partner-account", args=[theirs.encoded_account_id])).status_code == 404
    )
    # A selection naming their account, or a move to their group, changes nothing.
    client.post(reverse("organization-accounts-move"), {"account": theirs.pk, "to_group": "none"})
    client.post(
        reverse("organization-accounts-move"),
        {"account": other.accounts[1].pk, "to_group": group.pk},
    )
    client.post(reverse("organization-accounts-tag"), {"account": theirs.pk, "tag": "x"})
    theirs.refresh_from_db()
    other.accounts[1].refresh_from_db()
    assert theirs.group_id == group.pk and other.accounts[1].group_id is None
    assert AccountGroup.objects.get(pk=group.pk).name == "North"
    assert not AccountTagging.objects.exists()
    # Their group in a filter shows nothing of theirs.
    page = client.get(reverse("partner-accounts"), {"group": group.pk}).content.decode()
    assert "Crumb Aberdeen" not in page


def test_a_viewer_acts_on_nothing(client, crumb):
    client.force_login(crumb.viewer)
    assert client.get(reverse("organization-groups")).status_code == 200
    assert client.get(reverse("organization-child-new")).status_code == 403
    assert client.post(reverse("organization-group-create"), {"name": "X"}).status_code == 403
    response = client.post(
        reverse("organization-accounts-move"), {"account": crumb.accounts[1].pk, "to_group": "none"}
    )
    assert response.status_code == 403
    assert AccountGroup.objects.filter(partner=crumb.org).count() == 2


def test_groups_page_lists_subgroups_counts_and_manages_groups(client, crumb):
    client.force_login(crumb.admin)
    page = client.get(reverse("organization-groups")).content.decode()
    assert "Lakes" in page and "No group" in page
    client.post(reverse("organization-group-create"), {"name": "South"})
    south = AccountGroup.objects.get(partner=crumb.org, name="South")
    client.post(reverse("organization-group-rename", args=[south.pk]), {"name": "Deep South"})
    south.refresh_from_db()
    assert south.name == "Deep South"
    # North holds an account and a subgroup: refused.
    client.post(reverse("organization-group-delete", args=[crumb.north.pk]), {"move_accounts": "1"})
    assert AccountGroup.objects.filter(pk=crumb.north.pk).exists()
    client.post(reverse("organization-group-delete", args=[south.pk]))
    assert not AccountGroup.objects.filter(pk=south.pk).exists()


def test_move_to_group_and_tags_from_the_selection_bar(client, crumb):
    client.force_login(crumb.admin)
    ids = [a.pk for a in crumb.accounts]
    client.post(reverse("organization-accounts-move"), {"account": ids, "to_group": crumb.lakes.pk})
    assert set(ClientAccount.objects.filter(pk__in=ids).values_list("group_id", flat=True)) == {
        crumb.lakes.pk
    }
    client.post(reverse("organization-accounts-tag"), {"account": ids, "tag": "drive-through"})
    assert AccountTagging.objects.filter(account_id__in=ids).count() == 2
    client.post(
        reverse("organization-accounts-tag"),
        {"account": ids[0], "tag": "drive-through", "action": "remove"},
    )
    assert list(AccountTagging.objects.values_list("account_id", flat=True)) == [ids[1]]
    events = AuditEvent.objects.filter(account_id=ids[0]).values_list("action", flat=True)
    assert {"account.group_changed", "account.tagged", "account.untagged"} <= set(events)


def test_all_matching_moves_the_filtered_view(client, crumb):
    client.force_login(crumb.admin)
    client.post(
        reverse("organization-accounts-move"),
        {"all_matching": "1", "to_group": "none", "q": "Aberdeen"},
    )
    crumb.accounts[0].refresh_from_db()
    assert crumb.accounts[0].group_id is None


def test_create_one_account_from_the_form(client, crumb):
    client.force_login(crumb.admin)
    response = client.post(
        reverse("organization-child-new"),
        {
            "location_name": "Crumb Cork",
            "owner_name": "Ann Rye",
            "owner_email": "ann@crumb.example",
            "login_name": "crumbcork",
            "plan": "BRONZE",
            "group": crumb.lakes.pk,
            "tags": "new in 2026",
        },
    )
    account = ClientAccount.objects.get(login_name="crumbcork")
    assert response.status_code == 302
    assert (account.partner_id, account.group_id, account.owner_id) == (
        crumb.org.pk,
        crumb.lakes.pk,
        None,
    )
    assert Invitation.objects.filter(account=account, email="ann@crumb.example").exists()


def test_the_form_says_what_is_wrong(client, crumb):
    client.force_login(crumb.admin)
    data = {
        "location_name": "Crumb Cork",
        "owner_name": "Ann Rye",
        "owner_email": "ann@crumb.example",
        "login_name": "crumbshop0",  # taken
        "plan": "TRIAL",
    }
    page = client.post(reverse("organization-child-new"), data).content.decode()
    assert "already in use" in page
    page = client.post(
        reverse("organization-child-new"), {**data, "login_name": "bad name!"}
    ).content.decode()
    assert "6 to 50 characters" in page
    assert not ClientAccount.objects.filter(organization_name="Crumb Cork").exists()


def _upload(client, text: str):
    return client.post(
        reverse("organization-children-import"),
        {"file": SimpleUploadedFile("locations.csv", text.encode(), content_type="text/csv")},
    )


def test_a_csv_is_previewed_then_confirmed(client, crumb):
    client.force_login(crumb.admin)
    preview = _upload(
        client,
        HEADER
        + "Crumb Porto,Ann Rye,ann@crumb.example,crumbporto,,North,\n"
        + "Crumb Faro,Bo Rye,bo@crumb.example,crumbshop0,,,\n",
    )
    page = preview.content.decode()
    assert "1 of 2 rows are ready" in page
    assert "Line 3, login_name: is already in use by another account" in page
    assert not ClientAccount.objects.filter(login_name="crumbporto").exists()
    signed = preview.context["signed_file"]

    done = client.post(reverse("organization-children-import"), {"confirm": "1", "file": signed})

    assert done.status_code == 302
    assert ClientAccount.objects.get(login_name="crumbporto").group_id == crumb.north.pk


def test_a_tampered_preview_or_wrong_header_creates_nothing(client, crumb):
    client.force_login(crumb.admin)
    page = _upload(client, "name,email\nA,b@c.example\n").content.decode()
    assert "Line 1 (the header): missing location_name" in page
    client.post(reverse("organization-children-import"), {"confirm": "1", "file": "forged"})
    assert ClientAccount.objects.count() == 2  # the fixture's


def test_detach_is_asked_on_the_account_page_and_confirmed_by_the_owner(client, crumb):
    account = crumb.accounts[0]
    maya = UserFactory(username="maya.owner@crumb.example")
    ClientAccount.objects.filter(pk=account.pk).update(owner=maya)
    client.force_login(crumb.admin)
    client.post(reverse("organization-account-detach", args=[account.encoded_account_id]))
    request = DetachRequest.objects.get(account=account)

    client.force_login(maya)
    provider = client.get(reverse("customer-provider", args=[account.encoded_account_id]))
    text = provider.content.decode()
    assert "Crumb asks to detach your account" in text
    assert "Organization access enabled" in text
    client.post(
        reverse("customer-detach-answer", args=[account.encoded_account_id, request.pk]),
        {"answer": "confirm"},
    )
    account.refresh_from_db()
    assert account.partner_id is None and account.group_id is None


def test_only_the_owner_answers_a_detach_request(client, crumb, other):
    account = crumb.accounts[0]
    maya = UserFactory(username="maya.owner@crumb.example")
    ClientAccount.objects.filter(pk=account.pk).update(owner=maya)
    request = detach_request_create(partner=crumb.org, account_id=account.pk)
    client.force_login(other.admin)
    url = reverse("customer-detach-answer", args=[account.encoded_account_id, request.pk])
    assert client.post(url, {"answer": "confirm"}).status_code == 404
    account.refresh_from_db()
    assert account.partner_id == crumb.org.pk


BAD = ["a\x00b", "a\r\nb", "x" * 3000, "   ", "abc", "-1", "9" * 30, str(2**63)]


@pytest.mark.parametrize("value", BAD, ids=range(len(BAD)))
def test_bad_input_on_every_organization_form_is_a_page_never_a_500(client, crumb, value):
    client.force_login(crumb.admin)
    client.raise_request_exception = False
    account = crumb.accounts[0]
    posts = [
        (reverse("organization-group-create"), {"name": value, "parent": value}),
        (reverse("organization-group-rename", args=[crumb.north.pk]), {"name": value}),
        (reverse("organization-group-delete", args=[crumb.lakes.pk]), {"move_accounts": value}),
        (reverse("organization-accounts-move"), {"account": value, "to_group": value}),
        (reverse("organization-accounts-move"), {"account": account.pk, "to_group": value}),
        (reverse("organization-accounts-tag"), {"account": account.pk, "tag": value}),
        (
            reverse("organization-accounts-tag"),
            {"account": account.pk, "tag": value, "action": "remove"},
        ),
        (
            reverse("organization-account-detach", args=[account.encoded_account_id]),
            {"action": value},
        ),
        (
            reverse("organization-child-new"),
            {
                f: value
                for f in (
                    "location_name",
                    "owner_name",
                    "owner_email",
                    "login_name",
                    "plan",
                    "group",
                    "tags",
                )
            },
        ),
        (reverse("organization-children-import"), {"confirm": "1", "file": value}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code < 500, (url, data)
        assert response.status_code in (200, 302, 400, 404), (url, response.status_code)
    for params in ({"group": value}, {"tag": value}):
        response = client.get(reverse("partner-accounts"), params)
        # A NUL in a query string gets the bad-request page, as on every page
        assert response.status_code in (200, 400), params
        assert "text/html" in response["Content-Type"]
    upload = SimpleUploadedFile(
        "x.csv", value.encode("utf-8", "surrogatepass"), content_type="text/csv"
    )
    assert client.post(reverse("organization-children-import"), {"file": upload}).status_code == 200
    # Nothing unstorable or blank was written
    names = set(AccountGroup.objects.values_list("name", flat=True))
    assert not any("\x00" in n or "\n" in n or not n.strip() for n in names)
