"""The customer's side: the notice in their account, Settings > Billing > Your solution provider,
Confirm / Decline, and the Partner access toggle."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from partnerhub.access.disclaimers import CURRENT as DISCLAIMER
from partnerhub.access.models import ConsentRecord, ManageRequest, RequestStatus
from partnerhub.access.services import manage_request_confirm
from partnerhub.clients.models import ClientAccount
from partnerhub.partnerships.models import PartnershipKindChange
from partnerhub.tests.factories import AccountFactory
from partnerhub.tests.snapshots import access_state
from partnerhub.tests.world import World, build_world, request_for

BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Safari/605.1.15"
PARTNER_TEAM = ["adam@brightwave.test", "max@brightwave.test", "olga@brightwave.test"]


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def cora(client, world):
    """Cora, who owns Blue Bakery, signed in."""
    client.force_login(world.customer)
    return client


def url(name: str, account) -> str:
    return reverse(name, args=[account.encoded_account_id])


def flashes(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def kind(account) -> str:
    return ClientAccount.objects.get(pk=account.pk).partnership_kind


def test_the_settings_heading_goes_to_billing_and_keeps_billing_in_view(cora, world):
    # Given Cora on her account's home page
    html = cora.get(url("customer-account", world.account)).content.decode()

    # Then the Settings heading is a link to Billing, and Billing is listed under it
    nav = html[html.index("<nav") : html.index("</nav>")]
    billing = url("customer-provider", world.account)
    assert f'<a class="sidenav-group-link" href="{billing}">Settings</a>' in nav
    assert re.search(rf'href="{billing}"[^>]*>Billing</a>', nav)
    assert "<details" not in nav


# --- Where the customer is told ------------------------------------------------------------------


def test_one_account_takes_the_customer_straight_to_it(cora, world):
    response = cora.get(reverse("customer-home"))

    assert (response.status_code, response["Location"]) == (
        302,
        url("customer-account", world.account),
    )


def test_a_customer_with_two_accounts_sees_which_has_a_request(client, world):
    second = AccountFactory(organization_name="Blue Bakery Outlet", owner=world.customer)
    request_for(world)
    client.force_login(world.customer)

    html = client.get(reverse("customer-home")).content.decode()

    assert re.findall(r'<li><a href="[^"]+">([^<]+)</a>', html) == [
        "Blue Bakery",
        second.organization_name,
    ]
    assert html.count("Request from Brightwave Agency") == 1


def test_the_account_page_carries_a_notice_with_a_link_to_the_request(cora, world):
    request_for(world)

    html = cora.get(url("customer-account", world.account)).content.decode()

    assert "<strong>Brightwave Agency asks for permission to manage Blue Bakery.</strong>" in html
    assert (
        f'<a class="btn btn-primary btn-small" href="{url("customer-provider", world.account)}">Review the request</a>'
        in html
    )


def test_without_a_request_there_is_no_notice(cora, world):
    html = cora.get(url("customer-account", world.account)).content.decode()

    assert "asks for permission" not in html
    assert "Settings › Billing › Your solution provider" in html


# --- Your solution provider ----------------------------------------------------------------------


def test_the_request_shows_partner_message_and_disclaimer(cora, world):
    request_for(world, message="As agreed on our call.")

    html = cora.get(url("customer-provider", world.account)).content.decode()

    assert "<h1>Your solution provider</h1>" in html
    assert "Settings › Billing" in html
    assert "Brightwave Agency asks for permission to manage your account" in html
    assert "Asked by Max Miller on" in html
    assert "<blockquote>As agreed on our call.</blockquote>" in html
    assert "Confirming grants Brightwave Agency full access to your account." in html
    assert f'<input type="hidden" name="disclaimer_version" value="{DISCLAIMER.version}">' in html
    assert '<button class="btn btn-primary" type="submit">Confirm</button>' in html
    decline = url("customer-request-decline", world.account)
    assert (
        f'<button class="btn btn-quiet" type="submit" hx-get="{decline}" hx-target="#overlay">'
        "Decline</button>" in html
    )
    assert "Partner access disabled" in html


def test_an_account_in_no_partnership_shows_no_partner(client, world):
    client.force_login(world.lone_account.owner)

    html = client.get(url("customer-provider", world.lone_account)).content.decode()

    assert "No partner is connected to your account." in html
    assert "Confirm</button>" not in html


def test_confirming_grants_access_and_stores_the_consent(
    cora, world, django_capture_on_commit_callbacks
):
    request = request_for(world)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = cora.post(
            url("customer-request-confirm", world.account),
            {"disclaimer_version": DISCLAIMER.version},
            REMOTE_ADDR="198.51.100.20",
            HTTP_USER_AGENT=BROWSER,
            follow=True,
        )

    # the customer lands back on the page, with access on
    assert response.redirect_chain == [(url("customer-provider", world.account), 302)]
    assert flashes(response) == ["Brightwave Agency now has full access to your account."]
    html = response.content.decode()
    assert '<p class="toggle-label" id="partner-access-label">Partner access enabled</p>' in html
    assert "Your account is managed by this partner" in html
    # the request is confirmed, the account managed, and the consent says what was agreed
    assert ManageRequest.objects.get(pk=request.pk).status == RequestStatus.CONFIRMED
    assert kind(world.account) == "managed"
    consent = ConsentRecord.objects.get()
    assert (consent.granted_by, consent.ip_address, consent.user_agent) == (
        world.customer,
        "198.51.100.20",
        BROWSER,
    )
    assert (consent.disclaimer_version, consent.disclaimer_text) == (
        DISCLAIMER.version,
        DISCLAIMER.for_partner("Brightwave Agency"),
    )
    # and the customer sees it too, on the same timeline as the partner
    assert '<dt>Browser</dt><dd class="small">' + BROWSER + "</dd>" in html
    assert re.findall(r'<p class="timeline-title">([^<]+)</p>', html)[:2] == [
        "Customer confirmed: partner has full access",
        "Permission to manage requested",
    ]
    # the partner's team is told
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (PARTNER_TEAM, "Blue Bakery confirmed: you now manage the account")
    ]


def test_confirming_terms_that_changed_meanwhile_is_refused(cora, world):
    request_for(world)
    before = access_state(world.account)

    response = cora.post(
        url("customer-request-confirm", world.account),
        {"disclaimer_version": "2020-01-01"},
        follow=True,
    )

    assert flashes(response) == ["The terms you saw have changed; please read them again."]
    assert access_state(world.account) == before
    assert kind(world.account) == "referred"


def test_confirming_without_a_version_is_refused(cora, world):
    request_for(world)
    before = access_state(world.account)

    cora.post(url("customer-request-confirm", world.account), {})

    assert access_state(world.account) == before


def test_declining_keeps_the_account_referred_and_tells_the_partner(
    cora, world, django_capture_on_commit_callbacks
):
    request = request_for(world)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = cora.post(url("customer-request-decline", world.account), {}, follow=True)

    assert flashes(response) == ["You declined the request from Brightwave Agency."]
    assert ManageRequest.objects.get(pk=request.pk).status == RequestStatus.DECLINED
    assert kind(world.account) == "referred"
    assert "Customer declined the request" in response.content.decode()
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (PARTNER_TEAM, "Blue Bakery declined your request to manage")
    ]


@pytest.mark.parametrize("answer", ["customer-request-confirm", "customer-request-decline"])
def test_answering_when_no_request_waits_changes_nothing(cora, world, answer):
    before = access_state(world.account)

    response = cora.post(
        url(answer, world.account), {"disclaimer_version": DISCLAIMER.version}, follow=True
    )

    assert flashes(response) == ["There is no request waiting for your answer."]
    assert access_state(world.account) == before


def test_a_confirmation_is_posted_never_fetched(cora, world):
    request_for(world)
    before = access_state(world.account)

    response = cora.get(url("customer-request-confirm", world.account))

    assert response.status_code == 405
    assert access_state(world.account) == before


def test_decline_asks_once_in_an_overlay_and_changes_nothing_until_answered(cora, world):
    request_for(world)
    before = access_state(world.account)

    overlay = cora.get(
        url("customer-request-decline", world.account), headers={"HX-Request": "true"}
    ).content.decode()

    assert '<h2 id="overlay-title">Decline the request?</h2>' in overlay
    assert (
        "Decline <strong>Brightwave Agency</strong>'s request to manage "
        "<strong>Blue Bakery</strong>?" in overlay
    )
    assert "Go back</a>" in overlay
    assert '<button class="btn btn-danger" type="submit">Decline the request</button>' in overlay
    assert access_state(world.account) == before
    assert mail.outbox == []


def test_without_scripts_decline_asks_on_a_page_of_its_own(cora, world):
    request_for(world)
    before = access_state(world.account)

    response = cora.get(url("customer-request-decline", world.account))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Decline the request · PartnerHub</title>" in html
    assert f'<form method="post" action="{url("customer-request-decline", world.account)}">' in html
    assert access_state(world.account) == before


def test_asking_to_decline_when_no_request_waits_says_so(cora, world):
    before = access_state(world.account)

    response = cora.get(url("customer-request-decline", world.account), follow=True)

    assert response.redirect_chain == [(url("customer-provider", world.account), 302)]
    assert flashes(response) == ["There is no request waiting for your answer."]
    assert access_state(world.account) == before


# --- Plan and billing ----------------------------------------------------------------------------


def test_the_billing_page_carries_the_plan_and_billing_status(client, world):
    ClientAccount.objects.filter(pk=world.managed_account.pk).update(
        plan_type="GOLD", billing_status="Open"
    )
    client.force_login(world.managed_account.owner)

    html = client.get(url("customer-provider", world.managed_account)).content.decode()

    assert '<h2 id="plan-title">Plan and billing</h2>' in html
    assert "<dt>Plan</dt><dd>Gold</dd>" in html
    assert "<dt>Billing status</dt><dd>Open</dd>" in html
    assert "<dt>Account status</dt><dd>Active</dd>" in html
    assert '<h2 id="partner-title">Partner</h2>' in html


# --- Partner access toggle -----------------------------------------------------------------------


@pytest.fixture
def gus(client, world):
    """Gus, whose Green Garden is managed by Brightwave, signed in."""
    client.force_login(world.managed_account.owner)
    return client


def test_the_toggle_opens_a_confirmation_overlay(gus, world):
    page = gus.get(url("customer-provider", world.managed_account)).content.decode()
    overlay = gus.get(
        url("customer-access-off", world.managed_account), headers={"HX-Request": "true"}
    ).content.decode()

    assert "Partner access enabled" in page
    assert f'href="{url("customer-access-off", world.managed_account)}"' in page
    assert '<h2 id="overlay-title">Partner access</h2>' in overlay
    assert (
        "Turn off <strong>Brightwave Agency</strong>'s access to <strong>Green Garden</strong>?"
        in overlay
    )
    assert "Keep access on</a>" in overlay
    assert (
        '<button class="btn btn-danger" type="submit">Turn off partner access</button>' in overlay
    )
    assert kind(world.managed_account) == "managed"


def test_turning_access_off_makes_the_account_referred_again(
    gus, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = gus.post(
            url("customer-access-off", world.managed_account),
            {},
            REMOTE_ADDR="10.0.0.7",
            HTTP_USER_AGENT=BROWSER,
            follow=True,
        )

    assert flashes(response) == [
        "Partner access is off. Brightwave Agency can no longer operate your account."
    ]
    html = response.content.decode()
    assert "Partner access disabled" in html
    assert "Your account is referred to this partner since 1 Mar 2025." in html
    account = ClientAccount.objects.get(pk=world.managed_account.pk)
    assert (account.partner, account.partnership_kind) == (world.partner, "referred")
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (PARTNER_TEAM, "Green Garden turned partner access off")
    ]


def test_the_switch_of_a_referred_account_is_disabled_and_not_a_link(cora, world):
    html = cora.get(url("customer-provider", world.account)).content.decode()

    assert (
        '<span class="switch switch-disabled" role="switch" aria-checked="false" '
        'aria-disabled="true" aria-labelledby="partner-access-label">' in html
    )
    assert 'class="switch switch-on"' not in html
    assert url("customer-access-off", world.account) not in html


def test_after_access_is_turned_off_the_consent_shows_it_was_withdrawn(cora, world, settings):
    settings.TIME_ZONE = "UTC"
    first = request_for(world)
    consent = manage_request_confirm(
        actor=world.customer,
        request_id=first.pk,
        ip_address=None,
        user_agent="",
        disclaimer_version=DISCLAIMER.version,
    )
    before = cora.get(url("customer-provider", world.account)).content.decode()

    cora.post(url("customer-access-off", world.account), {})
    after = cora.get(url("customer-provider", world.account)).content.decode()

    revoked = PartnershipKindChange.objects.get(
        partnership__account=world.account, cause="access_revoked"
    )
    given = f"{consent.granted_at:%-d %b %Y}, {consent.granted_at:%H:%M} UTC"
    withdrawn = f"{revoked.effective_at:%-d %b %Y}, {revoked.effective_at:%H:%M} UTC"
    assert f'Consent given <time datetime="{consent.granted_at.isoformat()}">{given}</time>' in (
        before
    )
    assert "Withdrawn" not in before
    assert (
        f'Consent withdrawn <time datetime="{revoked.effective_at.isoformat()}">{withdrawn}</time>'
        f" (given {consent.granted_at:%-d %b %Y}) to Brightwave Agency" in after
    )
    assert "Consent given" not in after
    assert "<dt>Withdrawn by</dt><dd>Cora Baker &lt;" + world.customer.email + "&gt;</dd>" in after
    assert '<span class="pill pill-muted">Withdrawn</span>' in after
    # the record itself never changes
    assert ConsentRecord.objects.get(pk=consent.pk).granted_at == consent.granted_at


def test_turning_access_off_when_it_is_off_changes_nothing(cora, world):
    before = access_state(world.account)

    response = cora.post(url("customer-access-off", world.account), {}, follow=True)

    assert flashes(response) == ["No partner has access to this account."]
    assert access_state(world.account) == before


def test_the_whole_story_from_the_customers_side(cora, world):
    # requested, confirmed, turned off, requested again: each visible, newest first
    first = request_for(world)
    manage_request_confirm(
        actor=world.customer,
        request_id=first.pk,
        ip_address=None,
        user_agent="",
        disclaimer_version=DISCLAIMER.version,
    )
    cora.post(url("customer-access-off", world.account), {})
    request_for(world, by=world.owner)

    html = cora.get(url("customer-provider", world.account)).content.decode()

    assert re.findall(r'<p class="timeline-title">([^<]+)</p>', html) == [
        "Permission to manage requested",
        "Customer turned partner access off",
        "Customer confirmed: partner has full access",
        "Permission to manage requested",
        "Account moved under the partnership",
    ]
    assert "Asked by Olga Owens" in html
