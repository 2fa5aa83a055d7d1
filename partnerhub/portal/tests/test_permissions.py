"""Who may do what: every page and form, asked by the wrong person, changes nothing and answers
404 (another partner's or another customer's things), or 403 with a sentence that says who may
(a member on an owners' page; staff and customers on the partner portal), or sends an
anonymous visitor to sign in."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.shortcuts import resolve_url
from django.urls import reverse

from partnerhub.access import disclaimers
from partnerhub.access.disclaimers import CURRENT as DISCLAIMER
from partnerhub.access.models import ManageRequest
from partnerhub.api.models import ApiKey
from partnerhub.invitations.models import Invitation
from partnerhub.partners.models import MemberVisibility
from partnerhub.partners.services import accounts_assign, partner_member_visibility_set
from partnerhub.tests.factories import UserFactory
from partnerhub.tests.snapshots import access_state, team_state
from partnerhub.tests.world import World, build_world, request_for
from partnerhub.webhooks.models import WebhookEndpoint
from partnerhub.webhooks.services import endpoint_create


@pytest.fixture
def world(db) -> World:
    world = build_world()
    request_for(world, message="Let us run your newsletter.")  # Blue Bakery: pending
    # Max serves Green Garden.
    accounts_assign(
        actor=world.owner.user, member_id=world.member.pk, account_ids=[world.managed_account.pk]
    )
    return world


@pytest.fixture
def developer_world(world) -> World:
    """The world, with an API key and a webhook endpoint of Brightwave's."""
    from partnerhub.api.keys import api_key_create

    world.key, _ = api_key_create(actor=world.owner.user, name="Reporting", can_write=False)
    world.endpoint = endpoint_create(
        actor=world.owner.user, url="https://hooks.brightwave.test/in", event_types=[]
    )
    return world


def _blue(world):
    return {"encoded_account_id": world.account.encoded_account_id}


def _green(world):
    return {"encoded_account_id": world.managed_account.encoded_account_id}


# name: (method, url name, url kwargs, form data)
PARTNER_ROUTES = {
    "account detail": ("GET", "partner-account", _blue, None),
    "request overlay": ("GET", "partner-request-create", _blue, None),
    "request": ("POST", "partner-request-create", _green, {"message": "hi"}),
    "cancel request": ("POST", "partner-request-cancel", _blue, {}),
    "request an extension": ("POST", "partner-extension-request", _green, {}),
}
PARTNER_PAGES = {
    "my accounts": ("GET", "partner-accounts", lambda w: {}, None),
    "bulk request": (
        "POST",
        "partner-requests-bulk",
        lambda w: {},
        {"send": "1", "all_matching": "1", "level": "reports", "duration": "30"},
    ),
    "team": ("GET", "partner-team", lambda w: {}, None),
    "team add": ("POST", "partner-team", lambda w: {}, {"email": "x@x.test", "role": "member"}),
    "team role": (
        "POST",
        "partner-team-member",
        lambda w: {"member_id": w.member.pk},
        {"role": "admin"},
    ),
    "team remove": (
        "POST",
        "partner-team-member",
        lambda w: {"member_id": w.member.pk},
        {"action": "remove"},
    ),
}
ASSIGNMENT_PAGES = {
    "assign": (
        "POST",
        "partner-accounts-assign",
        lambda w: {},
        lambda w: {"account": [w.account.encoded_account_id], "member": w.member.pk},
    ),
    "unassign": (
        "POST",
        "partner-accounts-unassign",
        lambda w: {},
        lambda w: {"account": [w.managed_account.encoded_account_id], "member": w.member.pk},
    ),
    "member accounts": (
        "GET",
        "partner-team-member-accounts",
        lambda w: {"member_id": w.member.pk},
        None,
    ),
    "member visibility": (
        "POST",
        "partner-team-visibility",
        lambda w: {},
        {"visibility": "assigned"},
    ),
}
API_KEY_PAGES = {
    "api keys": ("GET", "partner-api-keys", lambda w: {}, None),
    "api key create": (
        "POST",
        "partner-api-keys",
        lambda w: {},
        {"name": "CRM sync", "scope": "write", "expires_in_days": "0"},
    ),
    "api key revoke": ("POST", "partner-api-key-revoke", lambda w: {"key_id": w.key.pk}, {}),
}
WEBHOOK_PAGES = {
    "webhooks": ("GET", "partner-webhooks", lambda w: {}, None),
    "webhook add": ("POST", "partner-webhooks", lambda w: {}, {"url": "https://example.test/h"}),
    "webhook detail": ("GET", "partner-webhook", lambda w: {"endpoint_id": w.endpoint.pk}, None),
    "webhook rotate": (
        "POST",
        "partner-webhook-action",
        lambda w: {"endpoint_id": w.endpoint.pk},
        {"action": "rotate"},
    ),
}
CUSTOMER_ROUTES = {
    "account": ("GET", "customer-account", _blue, None),
    "solution provider": ("GET", "customer-provider", _blue, None),
    "confirm": (
        "POST",
        "customer-request-confirm",
        _blue,
        {"disclaimer_version": DISCLAIMER.version},
    ),
    "decline": ("POST", "customer-request-decline", _blue, {}),
    "access level": (
        "POST",
        "customer-access-level",
        _green,
        {
            "level": "reports",
            "disclaimer_version_reports": disclaimers.for_level("reports").version,
        },
    ),
    "access off overlay": ("GET", "customer-access-off", _green, None),
    "access off": ("POST", "customer-access-off", _green, {}),
    "timeline csv": ("GET", "customer-timeline-csv", _blue, None),
}
CUSTOMER_PAGES = {"customer home": ("GET", "customer-home", lambda w: {}, None)}
ALL_ROUTES = {
    **PARTNER_ROUTES,
    **PARTNER_PAGES,
    **ASSIGNMENT_PAGES,
    **CUSTOMER_ROUTES,
    **CUSTOMER_PAGES,
}


def hit(client, world, route):
    method, name, kwargs, data = route
    data = data(world) if callable(data) else data
    url = reverse(name, kwargs=kwargs(world))
    if method == "GET":
        return url, client.get(url)
    return url, client.post(url, data)


def everything(world) -> tuple:
    return (
        access_state(world.account),
        access_state(world.managed_account),
        access_state(world.other_account),
        team_state(world.partner),
    )


def assert_each_refused_with_404(client, world, routes: dict, capture) -> None:
    """Every route answers 404 and leaves accounts, requests, team, audit and mail as they were.
    (One test walks all the routes of one person: building the cast once keeps the suite fast.)
    """
    assert_each_refused(client, world, routes, capture, status=404)


def assert_each_refused(client, world, routes: dict, capture, *, status: int, says=()) -> None:
    """Every route answers ``status``, its page carries each sentence of ``says``, and nothing
    changed: accounts, requests, team, API keys, webhook endpoints, audit and mail."""
    for name, route in routes.items():
        before = (everything(world), _developer_state())

        with capture(execute=True):
            _, response = hit(client, world, route)

        assert response.status_code == status, name
        page = response.content.decode()
        for sentence in says:
            assert sentence in page, (name, sentence)
        assert (everything(world), _developer_state()) == before, name
        assert mail.outbox == [], name


def _without_csrf(response) -> str:
    page = response.content.decode()
    return re.sub(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', r"\1", page)


def _developer_state() -> tuple:
    return (
        list(ApiKey.objects.order_by("id").values_list("id", "name", "revoked_at")),
        list(WebhookEndpoint.objects.order_by("id").values_list("id", "url", "enabled", "secret")),
    )


@pytest.fixture(autouse=True)
def _no_mail_from_setup():
    mail.outbox.clear()


# --- Anonymous visitors ----------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_sign_in_everywhere(
    client, world, django_capture_on_commit_callbacks
):
    for name, route in ALL_ROUTES.items():
        before = everything(world)

        with django_capture_on_commit_callbacks(execute=True):
            url, response = hit(client, world, route)

        assert response.status_code == 302, name
        assert response["Location"] == f"{resolve_url(settings.LOGIN_URL)}?next={url}", name
        assert everything(world) == before, name
        assert mail.outbox == [], name


def test_the_home_page_sends_an_anonymous_visitor_to_sign_in(client, world):
    response = client.get(reverse("home"))

    assert (response.status_code, response["Location"]) == (
        302,
        f"{resolve_url(settings.LOGIN_URL)}?next=/",
    )


# --- A partner member of another partner -------------------------------------------------------


def test_a_member_of_another_partner_gets_404_on_our_accounts_and_team(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.other_owner.user)
    routes = {
        **PARTNER_ROUTES,
        "team role": PARTNER_PAGES["team role"],
        "team remove": PARTNER_PAGES["team remove"],
    }

    assert_each_refused_with_404(client, world, routes, django_capture_on_commit_callbacks)


def test_a_partner_never_sees_another_partners_accounts_in_the_list(client, world):
    client.force_login(world.other_owner.user)

    page = client.get(reverse("partner-accounts"), {"size": "100"}).content.decode()
    search = client.get(reverse("partner-accounts"), {"q": "Bakery"}).content.decode()

    assert "Red Rocket" in page
    assert "Blue Bakery" not in page
    assert "Green Garden" not in page
    assert "1 account" in page
    assert "No accounts match this view." in search


# --- Customers on the partner portal, partners on the customer area --------------------------


def test_a_customer_is_sent_to_their_own_account_from_every_partner_page(
    client, developer_world, django_capture_on_commit_callbacks
):
    world = developer_world
    client.force_login(world.customer)

    assert_each_refused(
        client,
        world,
        {**PARTNER_ROUTES, **PARTNER_PAGES, **ASSIGNMENT_PAGES, **API_KEY_PAGES, **WEBHOOK_PAGES},
        django_capture_on_commit_callbacks,
        status=403,
        says=(
            "This is the partner portal",
            "Your own account, and who may operate it, is under My account.",
            f'href="{reverse("customer-home")}">My account</a>',
        ),
    )


def test_a_customer_is_told_nothing_about_an_account_id_on_the_partner_portal(client, world):
    client.force_login(world.customer)

    real = client.get(reverse("partner-account", kwargs=_blue(world)))
    made_up = client.get(reverse("partner-account", kwargs={"encoded_account_id": "nosuch"}))

    assert (real.status_code, made_up.status_code) == (403, 403)
    assert _without_csrf(real) == _without_csrf(made_up)


def test_program_staff_are_sent_to_their_own_tools_from_every_partner_page(
    client, developer_world, django_capture_on_commit_callbacks
):
    world = developer_world
    client.force_login(UserFactory(username="sam@partnerhub.test", is_staff=True))

    assert_each_refused(
        client,
        world,
        {**PARTNER_ROUTES, **PARTNER_PAGES, **ASSIGNMENT_PAGES, **API_KEY_PAGES, **WEBHOOK_PAGES},
        django_capture_on_commit_callbacks,
        status=403,
        says=(
            "This is the partner portal",
            "As program staff, your tools are Close and payouts and the admin.",
            f'href="{reverse("staff-earnings")}">Close and payouts</a>',
            f'href="{reverse("admin:index")}">Admin</a>',
        ),
    )


def test_a_partner_member_gets_404_on_every_customer_page(
    client, world, django_capture_on_commit_callbacks
):
    # the owner of the very partner the account is referred to
    client.force_login(world.owner.user)

    assert_each_refused_with_404(
        client, world, {**CUSTOMER_ROUTES, **CUSTOMER_PAGES}, django_capture_on_commit_callbacks
    )


def test_another_customer_gets_404_on_someone_elses_account(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.other_customer)

    assert_each_refused_with_404(client, world, CUSTOMER_ROUTES, django_capture_on_commit_callbacks)


def test_a_signed_in_user_with_no_role_gets_404_everywhere(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory(username="nobody@example.test"))

    assert_each_refused_with_404(client, world, ALL_ROUTES, django_capture_on_commit_callbacks)


# --- Roles inside a partner --------------------------------------------------------------------


def test_a_member_may_request_permission_to_manage(client, world):
    ManageRequest.objects.filter(account=world.account).delete()
    client.force_login(world.member.user)

    response = client.post(
        reverse("partner-request-create", kwargs=_blue(world)), {"message": "Hello"}
    )

    assert response.status_code == 302
    assert list(
        ManageRequest.objects.filter(account=world.account).values_list("status", "requested_by")
    ) == [("pending", world.member.user.pk)]


def test_a_member_is_told_that_owners_and_admins_change_the_team(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.member.user)
    routes = {"team role": PARTNER_PAGES["team role"], "team remove": PARTNER_PAGES["team remove"]}

    assert_each_refused(
        client,
        world,
        routes,
        django_capture_on_commit_callbacks,
        status=403,
        says=("Only owners and admins of Brightwave Agency manage the team.",),
    )


def test_a_member_is_told_that_owners_and_admins_manage_api_keys(
    client, developer_world, django_capture_on_commit_callbacks
):
    client.force_login(developer_world.member.user)

    assert_each_refused(
        client,
        developer_world,
        API_KEY_PAGES,
        django_capture_on_commit_callbacks,
        status=403,
        says=(
            "Owners and admins only",
            "Only owners and admins of Brightwave Agency manage API keys.",
        ),
    )


def test_a_member_is_told_that_owners_and_admins_manage_webhooks(
    client, developer_world, django_capture_on_commit_callbacks
):
    client.force_login(developer_world.member.user)

    assert_each_refused(
        client,
        developer_world,
        WEBHOOK_PAGES,
        django_capture_on_commit_callbacks,
        status=403,
        says=("Only owners and admins of Brightwave Agency manage webhooks.",),
    )


def test_the_owner_of_another_partner_gets_404_on_our_keys_and_endpoints(
    client, developer_world, django_capture_on_commit_callbacks
):
    client.force_login(developer_world.other_owner.user)
    routes = {
        "api key revoke": API_KEY_PAGES["api key revoke"],
        "webhook detail": WEBHOOK_PAGES["webhook detail"],
        "webhook rotate": WEBHOOK_PAGES["webhook rotate"],
    }

    assert_each_refused_with_404(
        client, developer_world, routes, django_capture_on_commit_callbacks
    )


def test_a_member_cannot_add_to_the_team(client, world):
    client.force_login(world.member.user)
    before = team_state(world.partner)

    response = client.post(
        reverse("partner-team"), {"email": "zed@brightwave.test", "role": "member"}, follow=True
    )

    assert response.redirect_chain == [("/portal/team/", 302)]
    assert (
        "Only owners and admins of Brightwave Agency manage the team." in response.content.decode()
    )
    assert team_state(world.partner) == before
    assert mail.outbox == []


def test_a_member_sees_the_team_without_controls(client, world):
    client.force_login(world.member.user)

    page = client.get(reverse("partner-team")).content.decode()

    assert "olga@brightwave.test" in page
    assert "Invite a team member" not in page
    assert "Withdraw" not in page
    assert 'value="remove"' not in page


@pytest.mark.parametrize("manager", ["owner", "admin"])
def test_owners_and_admins_manage_the_team(
    client, world, manager, django_capture_on_commit_callbacks
):
    client.force_login(getattr(world, manager).user)

    with django_capture_on_commit_callbacks(execute=True):
        added = client.post(
            reverse("partner-team"), {"email": "zed@brightwave.test", "role": "member"}
        )
    promoted = client.post(
        reverse("partner-team-member", kwargs={"member_id": world.member.pk}), {"role": "admin"}
    )

    assert (added.status_code, promoted.status_code) == (302, 302)
    # zed is invited, not added: he joins only once he accepts
    assert team_state(world.partner)["members"] == [
        (world.owner.pk, "olga@brightwave.test", "owner"),
        (world.admin.pk, "adam@brightwave.test", "admin"),
        (world.member.pk, "max@brightwave.test", "admin"),
    ]
    assert list(
        Invitation.objects.filter(partner=world.partner).values_list("email", "role", "status")
    ) == [("zed@brightwave.test", "member", "pending")]
    assert [m.to for m in mail.outbox] == [["zed@brightwave.test"]]


def test_the_last_owner_cannot_be_demoted_or_removed_from_the_page(client, world):
    client.force_login(world.owner.user)
    before = team_state(world.partner)
    url = reverse("partner-team-member", kwargs={"member_id": world.owner.pk})

    demoted = client.post(url, {"role": "member"}, follow=True)
    removed = client.post(url, {"action": "remove"}, follow=True)

    assert "A partner keeps at least one owner." in demoted.content.decode()
    assert "A partner keeps at least one owner." in removed.content.decode()
    assert team_state(world.partner) == before


# --- Assignment, and members who see only their assigned accounts ------------------------------


def test_a_member_is_told_that_owners_and_admins_assign_accounts(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.member.user)
    routes = {k: v for k, v in ASSIGNMENT_PAGES.items() if k != "member visibility"}

    assert_each_refused(
        client,
        world,
        routes,
        django_capture_on_commit_callbacks,
        status=403,
        says=("Only owners and admins of Brightwave Agency assign accounts.",),
    )
    assert_each_refused(
        client,
        world,
        {"member visibility": ASSIGNMENT_PAGES["member visibility"]},
        django_capture_on_commit_callbacks,
        status=403,
        says=("Only owners and admins of Brightwave Agency choose which accounts members see.",),
    )


def test_the_owner_of_another_partner_gets_404_assigning_our_accounts_or_members(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.other_owner.user)
    theirs = world.other_owner.pk
    routes = {
        "assign to our member": ASSIGNMENT_PAGES["assign"],
        "unassign our member": ASSIGNMENT_PAGES["unassign"],
        "our member's accounts": ASSIGNMENT_PAGES["member accounts"],
        "assign our account to their owner": (
            "POST",
            "partner-accounts-assign",
            lambda w: {},
            lambda w: {"account": [w.account.encoded_account_id], "member": theirs},
        ),
        "one of theirs and one of ours": (
            "POST",
            "partner-accounts-assign",
            lambda w: {},
            lambda w: {
                "account": [w.other_account.encoded_account_id, w.account.encoded_account_id],
                "member": theirs,
            },
        ),
    }

    assert_each_refused_with_404(client, world, routes, django_capture_on_commit_callbacks)


@pytest.fixture
def restricted_world(world) -> World:
    """Brightwave's members see only their assigned accounts; Max serves Green Garden only."""
    partner_member_visibility_set(actor=world.owner.user, visibility=MemberVisibility.ASSIGNED)
    return world


def test_a_member_restricted_to_assigned_accounts_gets_404_on_every_other_account(
    client, restricted_world, django_capture_on_commit_callbacks
):
    world = restricted_world
    client.force_login(world.member.user)
    routes = {
        **PARTNER_ROUTES,
        "request": ("POST", "partner-request-create", _blue, {"message": "hi"}),
        # Green Garden is Max's: an extension of an account he does not serve.
        "request an extension": ("POST", "partner-extension-request", _blue, {}),
    }

    assert_each_refused_with_404(client, world, routes, django_capture_on_commit_callbacks)


def test_a_restricted_member_lists_and_downloads_only_their_assigned_accounts(
    client, restricted_world
):
    world = restricted_world
    client.force_login(world.member.user)

    page = client.get(reverse("partner-accounts"), {"size": "100"}).content.decode()
    csv = b"".join(client.get(reverse("partner-accounts-csv")).streaming_content).decode()
    search = client.get(reverse("partner-accounts"), {"q": "Bakery"}).content.decode()
    detail = client.get(reverse("partner-account", kwargs=_green(world)))

    assert "Green Garden" in page and "Blue Bakery" not in page
    assert "1 account" in page
    assert "Green Garden" in csv and "Blue Bakery" not in csv
    assert "No accounts match this view." in search
    assert detail.status_code == 200


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_owners_and_admins_see_every_account_whatever_members_see(client, restricted_world, who):
    world = restricted_world
    client.force_login(getattr(world, who).user)

    page = client.get(reverse("partner-accounts"), {"size": "100"}).content.decode()
    detail = client.get(reverse("partner-account", kwargs=_blue(world)))

    assert "Green Garden" in page and "Blue Bakery" in page
    assert detail.status_code == 200


def test_when_members_see_every_account_a_member_opens_an_unassigned_one(client, world):
    client.force_login(world.member.user)

    response = client.get(reverse("partner-account", kwargs=_blue(world)))

    assert response.status_code == 200
