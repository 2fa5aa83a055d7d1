"""The pages of levels, durations and bulk requests: the request overlay's level and duration,
the selection bar's bulk request and its result page, the customer's choice of a lower level,
the level changed later, and the extension the partner asks for and the customer confirms."""

import pytest
from django.core import mail
from django.urls import reverse

from partnerhub.access import disclaimers
from partnerhub.access.models import Grant, ManageRequest, RequestKind, RequestStatus
from partnerhub.access.services import manage_request_confirm, manage_request_create
from partnerhub.clients.models import ClientAccount
from partnerhub.portal.selection import selected_account_ids
from partnerhub.tests.factories import credited_account
from partnerhub.tests.snapshots import access_state, own_state
from partnerhub.tests.world import World, build_world

BULK = reverse("partner-requests-bulk")


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def max_client(client, world):
    client.force_login(world.member.user)
    return client


def _provider(account) -> str:
    return reverse("customer-provider", kwargs={"encoded_account_id": account.encoded_account_id})


def _granted(world, *, level="marketing", duration_days=90, account=None) -> Grant:
    account = account or world.account
    request = manage_request_create(
        actor=world.member.user, account_id=account.pk, level=level, duration_days=duration_days
    )
    manage_request_confirm(
        actor=account.owner,
        request_id=request.pk,
        ip_address=None,
        user_agent="",
        disclaimer_version=disclaimers.for_level(level).version,
    )
    return Grant.objects.get(request=request)


# --- The request overlay ----------------------------------------------------------------------


def test_the_overlay_asks_the_level_and_the_duration_with_full_access_by_default(max_client, world):
    url = reverse(
        "partner-request-create", kwargs={"encoded_account_id": world.account.encoded_account_id}
    )

    html = max_client.get(url).content.decode()

    assert '<input type="radio" name="level" value="full" checked>' in html
    assert '<input type="radio" name="level" value="marketing" >' in html
    assert "Campaigns, contacts and reports; no billing and no users." in html
    assert '<option value="" selected>Until the customer turns it off</option>' in html
    assert '<option value="90" >90 days</option>' in html
    assert "full access to their account" in html


def test_the_overlay_sends_the_level_and_duration_chosen(max_client, world):
    url = reverse(
        "partner-request-create", kwargs={"encoded_account_id": world.account.encoded_account_id}
    )

    response = max_client.post(url, {"message": "", "level": "reports", "duration": "365"})

    assert response.status_code == 302
    made = ManageRequest.objects.get(account=world.account)
    assert (made.level, made.duration_days) == ("reports", 365)


def test_a_duration_not_on_the_list_is_refused_with_a_sentence(max_client, world):
    url = reverse(
        "partner-request-create", kwargs={"encoded_account_id": world.account.encoded_account_id}
    )
    before = access_state(world.account)

    response = max_client.post(url, {"level": "full", "duration": "45"})

    assert response.status_code == 400
    assert "Choose how long access lasts from the list." in response.content.decode()
    assert access_state(world.account) == before


# --- The selection bar and the bulk request -------------------------------------------------


def test_my_accounts_gives_each_row_a_checkbox_of_the_selection_form(max_client, world):
    html = max_client.get(reverse("partner-accounts")).content.decode()

    assert (
        '<form id="selection" class="selection" method="post" action="/portal/accounts/request/"'
        in html
    )
    assert (
        f'<input type="checkbox" name="account" value="{world.account.pk}" form="selection" '
        f'aria-label="Select Blue Bakery">'
    ) in html
    assert "Request permission to manage</button>" in html


def test_the_bulk_overlay_names_the_selected_accounts(max_client, world):
    response = max_client.post(
        BULK, {"account": [world.account.pk, world.managed_account.pk]}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>2 accounts</strong>" in html
    assert "Request permission for 2 accounts</button>" in html
    assert f'<input type="hidden" name="account" value="{world.account.pk}">' in html


def test_a_bulk_request_asks_each_account_and_lists_the_skipped_with_why(
    max_client, world, django_capture_on_commit_callbacks
):
    # given Blue Bakery (referred), Green Garden (managed), a referred account with a request
    # waiting, and Red Rocket, another partner's
    waiting = credited_account(world.partner, organization_name="Amber Atelier")
    manage_request_create(actor=world.owner.user, account_id=waiting.pk)
    others = own_state(world.other_account)
    mail.outbox.clear()

    # when Max sends one request for all four, Marketing for 90 days
    with django_capture_on_commit_callbacks(execute=True):
        response = max_client.post(
            BULK,
            {
                "send": "1",
                "account": [
                    world.account.pk,
                    world.managed_account.pk,
                    waiting.pk,
                    world.other_account.pk,
                ],
                "message": "Shall we?",
                "level": "marketing",
                "duration": "90",
            },
        )

    # then Blue Bakery is asked and the page says why each other account was skipped
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 request sent" in html
    assert "Skipped (3)" in html
    assert "You already manage it" in html
    assert "A request is already waiting for the customer" in html
    assert "An account no longer in your partnership" in html
    assert "Not found in your partnership" in html
    assert "Marketing, for 90 days once granted" in html
    made = ManageRequest.objects.get(account=world.account)
    assert (made.level, made.duration_days, made.message) == ("marketing", 90, "Shall we?")
    assert [m.to for m in mail.outbox] == [["bluebakery@client.test"]]
    assert own_state(world.other_account) == others


def test_all_matching_the_filter_takes_every_account_of_the_view(max_client, world):
    for n in range(3):
        credited_account(world.partner, organization_name=f"Zed Bakery {n}")

    response = max_client.post(
        BULK, {"send": "1", "all_matching": "1", "type": "referred", "q": "zed", "duration": ""}
    )

    assert "3 requests sent" in response.content.decode()
    asked = ManageRequest.objects.values_list("account__organization_name", flat=True)
    assert sorted(asked) == ["Zed Bakery 0", "Zed Bakery 1", "Zed Bakery 2"]


def test_more_matching_than_one_action_takes_is_refused_with_a_clear_sentence(
    max_client, world, monkeypatch
):
    monkeypatch.setattr("partnerhub.portal.selection.SELECTION_MAX", 1)
    before = access_state(world.account)

    response = max_client.post(BULK, {"send": "1", "all_matching": "1"})

    assert response.status_code == 400
    assert (
        "2 accounts match this filter; one action can take at most 1. Narrow the filter"
        in response.content.decode()
    )
    assert access_state(world.account) == before


def test_nothing_selected_is_refused(max_client, world):
    before = access_state(world.account)

    response = max_client.post(BULK, {"send": "1"})

    assert response.status_code == 400
    assert "Select at least one account first." in response.content.decode()
    assert access_state(world.account) == before


def test_the_selection_helper_keeps_ids_once_in_order(rf, world):
    data = rf.post("/", {"account": ["7", "x", "3", "7", ""]}).POST

    assert selected_account_ids(data, partner_id=world.partner.pk).account_ids == [7, 3]


def test_the_selection_helper_caps_all_matching(rf, world):
    data = rf.post("/", {"all_matching": "1"}).POST

    selection = selected_account_ids(data, partner_id=world.partner.pk, limit=1)

    assert selection.account_ids == []
    assert selection.error.startswith(
        "2 accounts match this filter; one action can take at most 1."
    )


# --- The customer grants a lower level, changes it later ----------------------------------------


def test_the_customer_may_grant_a_lower_level_from_the_provider_page(client, world):
    manage_request_create(
        actor=world.member.user, account_id=world.account.pk, level="marketing", duration_days=90
    )
    client.force_login(world.customer)

    page = client.get(_provider(world.account)).content.decode()
    assert "They ask for <strong>Marketing</strong> for 90 days. You may grant less:" in page
    assert '<input type="radio" name="level" value="full"' not in page
    client.post(
        reverse(
            "customer-request-confirm",
            kwargs={"encoded_account_id": world.account.encoded_account_id},
        ),
        {
            "level": "reports",
            "disclaimer_version_reports": disclaimers.for_level("reports").version,
            "auto_renew": "1",
        },
    )

    grant = Grant.objects.get(account=world.account)
    assert (grant.level, grant.asked_level, grant.auto_renew) == ("reports", "marketing", True)
    page = client.get(_provider(world.account)).content.decode()
    assert "Brightwave Agency now has read-only access to your account." in page
    assert "Change access level</button>" in page


def test_the_customer_raises_the_level_up_to_what_was_asked_and_no_further(client, world):
    grant = _granted(world, level="marketing")
    client.force_login(world.customer)
    url = reverse(
        "customer-access-level", kwargs={"encoded_account_id": world.account.encoded_account_id}
    )

    client.post(
        url,
        {
            "level": "reports",
            "disclaimer_version_reports": disclaimers.for_level("reports").version,
        },
    )
    grant.refresh_from_db()
    assert grant.level == "reports"

    before = access_state(world.account)
    response = client.post(
        url,
        {"level": "full", "disclaimer_version_full": disclaimers.for_level("full").version},
        follow=True,
    )
    assert "you can raise access up to that level" in response.content.decode()
    assert access_state(world.account) == before


# --- Extension ----------------------------------------------------------------------------------


def test_the_partner_requests_an_extension_and_the_customer_confirms_in_one_click(
    max_client, client, world
):
    grant = _granted(world, level="marketing", duration_days=30)
    first_end = grant.ends_at
    page = reverse(
        "partner-account", kwargs={"encoded_account_id": world.account.encoded_account_id}
    )
    assert "Request an extension</button>" in max_client.get(page).content.decode()

    response = max_client.post(
        reverse(
            "partner-extension-request",
            kwargs={"encoded_account_id": world.account.encoded_account_id},
        ),
        {"next": page},
        follow=True,
    )

    assert "Extension requested. Cora Baker will be asked to confirm." in response.content.decode()
    extension = ManageRequest.objects.get(kind=RequestKind.EXTENSION)
    client.force_login(world.customer)
    html = client.get(_provider(world.account)).content.decode()
    assert "Brightwave Agency asks to keep access to your account" in html
    assert "Confirm extension</button>" in html
    client.post(
        reverse(
            "customer-request-confirm",
            kwargs={"encoded_account_id": world.account.encoded_account_id},
        ),
        {"disclaimer_version": disclaimers.for_level("marketing").version},
    )
    extension.refresh_from_db()
    grant.refresh_from_db()
    assert extension.status == RequestStatus.CONFIRMED
    assert (grant.ends_at - first_end).days == 30
    assert ClientAccount.objects.get(pk=world.account.pk).access_level == "marketing"
