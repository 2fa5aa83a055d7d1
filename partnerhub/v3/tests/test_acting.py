"""users/sso, account_operations/sync and contacts/unsubscribe: gated by the level the customer
granted, forwarded only to the configured product API (a real server on 127.0.0.1 here), and
written to the audit log on the account's timeline."""

import json

import pytest
from django.core import mail

from partnerhub.access.levels import AccessLevel
from partnerhub.access.selectors import access_timeline
from partnerhub.audit.models import AuditEvent
from partnerhub.clients.models import ClientAccount, PartnershipKind
from partnerhub.tests.factories import UserFactory, credited_account
from partnerhub.v3.models import AccountUser
from partnerhub.v3.tests.product_server import ProductServer

TOKEN = "product-api-token-for-tests"


@pytest.fixture
def product(settings):
    server = ProductServer().start()
    settings.PARTNERHUB_PRODUCT_API_URL = server.url
    settings.PARTNERHUB_PRODUCT_API_TOKEN = TOKEN
    settings.PARTNERHUB_PRODUCT_API_DEADLINE_SECONDS = 2
    yield server
    server.stop()


def _grant(account: ClientAccount, level: str) -> ClientAccount:
    ClientAccount.objects.filter(pk=account.pk).update(access_level=level)
    account.refresh_from_db()
    return account


def _post(client, cast, account, what, body):
    return client.post(
        f"/v3/partner/accounts/{account.encoded_account_id}/{what}",
        data=json.dumps(body),
        content_type="application/json",
        headers=cast.owner.headers,
    )


def _sync(client, cast, account, **fields):
    body = {"account_operation_url": "/contacts", "account_operation_method": "GET", **fields}
    return _post(client, cast, account, "account_operations/sync", body)


def _errors(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body, list) and all(set(e) == {"error_key", "error_message"} for e in body)
    return body


def _operations(account) -> list[dict]:
    return [
        e.after for e in AuditEvent.objects.filter(account=account, action="account.operation_sent")
    ]


# --- account_operations/sync -------------------------------------------------------------------


def test_a_request_goes_to_the_product_for_the_account_and_its_answer_comes_back(
    client, cast, product
):
    product.answer_json(200, {"contacts": [{"email": "a@b.example"}]})
    response = _sync(
        client,
        cast,
        cast.paying,
        account_operation_url="/contacts/{contact_id}",
        account_operation_method="put",
        account_operation_payload='{"first_name": "Ann"}',
        account_operation_path_parameters=[
            {"path_param_key": "contact_id", "path_param_value": "04fe/9a"}
        ],
        account_operation_query_parameters=[
            {"query_param_key": "include", "query_param_value": "list_memberships"}
        ],
        account_operation_headers=[{"header_key": "Accept-Language", "header_value": "en"}],
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"contacts": [{"email": "a@b.example"}]}
    [seen] = product.seen
    assert (seen.method, seen.path) == (
        "PUT",
        "/product/v3/contacts/04fe%2F9a?include=list_memberships",
    )
    assert seen.headers["authorization"] == f"Bearer {TOKEN}"
    assert seen.headers["x-account-id"] == cast.paying.encoded_account_id
    assert seen.headers["accept-language"] == "en"
    assert seen.body == b'{"first_name": "Ann"}'
    assert _operations(cast.paying) == [
        {
            "method": "PUT",
            "path": "/contacts/04fe%2F9a",
            "status": 200,
            "v3_client_id": cast.owner.client.client_id,
        }
    ]
    # On the account's timeline, which the partner and the customer both see
    timeline = access_timeline(account_id=cast.paying.pk)
    assert [e.action for e in timeline][:1] == ["account.operation_sent"]


def test_the_products_own_error_is_passed_on(client, cast, product):
    product.answer_json(404, [{"error_key": "contact.not_found", "error_message": "No."}])
    response = _sync(client, cast, cast.paying)
    assert _errors(response, 404) == [{"error_key": "contact.not_found", "error_message": "No."}]


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/contacts",
        "//evil.example/contacts",
        "/contacts/../../admin",
        "/contacts?x=1",
        "/contacts#x",
        "/contacts/{contact_id}",  # no value given for it
    ],
)
def test_only_a_path_under_the_product_base_url_is_sent(client, cast, product, url):
    response = _sync(client, cast, cast.paying, account_operation_url=url)
    assert _errors(response, 400)[0]["error_key"] == "partner.api.validation.error"
    assert product.seen == [] and _operations(cast.paying) == []


def test_a_caller_cannot_set_the_authorization_the_product_sees(client, cast, product):
    response = _sync(
        client,
        cast,
        cast.paying,
        account_operation_headers=[{"header_key": "Authorization", "header_value": "Bearer x"}],
    )
    assert "Authorization is not forwarded" in _errors(response, 400)[0]["error_message"]
    assert product.seen == []


def test_without_a_configured_product_api_the_answer_says_so(client, cast, settings):
    settings.PARTNERHUB_PRODUCT_API_URL = ""
    response = _sync(client, cast, cast.paying)
    [error] = _errors(response, 500)
    assert error["error_key"] == "partner.api.product_api.not_configured"
    assert "PARTNERHUB_PRODUCT_API_URL" in error["error_message"]
    assert _operations(cast.paying) == []


def test_a_slow_product_is_cut_off_at_the_deadline(client, cast, product, settings):
    settings.PARTNERHUB_PRODUCT_API_DEADLINE_SECONDS = 0.5
    product.delay = 1.5
    response = _sync(client, cast, cast.paying)
    [error] = _errors(response, 500)
    assert error["error_key"] == "partner.api.product_api.unavailable"
    assert "within 0.5 s" in error["error_message"]


def test_an_answer_over_the_size_limit_is_not_passed_on(client, cast, product, settings):
    settings.PARTNERHUB_PRODUCT_API_MAX_BYTES = 100
    product.body = b"x" * 500
    [error] = _errors(_sync(client, cast, cast.paying), 500)
    assert error["error_key"] == "partner.api.product_api.answer_too_large"


@pytest.mark.parametrize(
    ("level", "method", "url", "allowed"),
    [
        (AccessLevel.REPORTS, "GET", "/contacts", True),
        (AccessLevel.REPORTS, "POST", "/contacts", False),
        (AccessLevel.MARKETING, "POST", "/contacts", True),
        (AccessLevel.MARKETING, "PUT", "/account/summary", False),
        (AccessLevel.MARKETING, "POST", "/account/users", False),
        (AccessLevel.FULL, "PUT", "/account/summary", True),
        (AccessLevel.FULL, "DELETE", "/account/users/7", True),
    ],
)
def test_the_grant_decides_by_method_and_path(client, cast, product, level, method, url, allowed):
    account = _grant(cast.paying, level)
    response = _sync(
        client, cast, account, account_operation_method=method, account_operation_url=url
    )
    if allowed:
        assert response.status_code == 200, response.content
        assert len(product.seen) == 1
    else:
        key = _errors(response, 403)[0]["error_key"]
        assert key == "partner.api.access_level.insufficient"
        assert product.seen == [] and _operations(account) == []


def test_a_referred_account_permits_nothing(client, cast, product):
    response = _sync(client, cast, cast.trial)
    assert _errors(response, 403)[0]["error_key"] == "partner.api.account.not_managed"
    assert product.seen == []


def test_another_partners_account_is_400_and_an_unknown_one_404(client, cast, product):
    assert _errors(_sync(client, cast, cast.foreign), 400)
    response = client.post(
        "/v3/partner/accounts/nosuchaccount/account_operations/sync",
        data=json.dumps({"account_operation_url": "/contacts", "account_operation_method": "GET"}),
        content_type="application/json",
        headers=cast.owner.headers,
    )
    assert _errors(response, 404)
    assert product.seen == []


# --- contacts/unsubscribe ----------------------------------------------------------------------


def _unsubscribe(client, cast, account, **fields):
    body = {"email_addresses": ["lang.carry@anymail.example"], "update_source": "Account"}
    return _post(client, cast, account, "contacts/unsubscribe", {**body, **fields})


def test_unsubscribing_in_one_account(client, cast, product):
    product.answer_json(200, {"unsubscribed_count": 1})
    response = _unsubscribe(client, cast, cast.paying, opt_out_reason="No longer interested.")
    assert response.status_code == 200, response.content
    assert response.json() == {"unsubscribed_count": 1}
    [seen] = product.seen
    assert (seen.method, seen.path) == ("POST", "/product/v3/contacts/unsubscribe")
    assert seen.headers["x-account-id"] == cast.paying.encoded_account_id
    assert json.loads(seen.body) == {
        "email_addresses": ["lang.carry@anymail.example"],
        "update_source": "Account",
        "opt_out_reason": "No longer interested.",
        "delete_contacts": False,
    }
    [event] = AuditEvent.objects.filter(account=cast.paying, action="account.contacts_unsubscribed")
    assert (event.after["count"], event.after["global"]) == (1, False)


def test_a_global_unsubscribe_covers_every_managed_account_that_permits_marketing(
    client, cast, product
):
    # Given two more managed accounts, one of which granted reports only
    full = credited_account(
        cast.owner.client.partner, kind=PartnershipKind.MANAGED, login_name="fullaccess1"
    )
    reports = _grant(
        credited_account(
            cast.owner.client.partner, kind=PartnershipKind.MANAGED, login_name="reportsonly1"
        ),
        AccessLevel.REPORTS,
    )
    product.answer_json(200, {"unsubscribed_count": 1})

    response = _unsubscribe(client, cast, cast.paying, global_unsubscribe=True)

    assert response.status_code == 200, response.content
    assert response.json() == {"unsubscribed_count": 2}
    assert sorted(s.headers["x-account-id"] for s in product.seen) == sorted(
        [cast.paying.encoded_account_id, full.encoded_account_id]
    )
    assert reports.encoded_account_id not in {s.headers["x-account-id"] for s in product.seen}
    assert not AuditEvent.objects.filter(account=cast.trial).filter(
        action="account.contacts_unsubscribed"
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"global_unsubscribe": True, "email_addresses": ["a@b.example", "c@d.example"]}, "global"),
        ({"email_addresses": []}, "email_addresses: give at least one"),
        ({"email_addresses": ["not-an-address"]}, "email_addresses: not-an-address is not valid"),
        ({"update_source": "Somebody"}, "update_source: Input should be"),
        ({"email_addresses": [f"a{n}@b.example" for n in range(501)]}, "email_addresses:"),
    ],
)
def test_bad_unsubscribes_are_400_and_send_nothing(client, cast, product, fields, message):
    errors = _errors(_unsubscribe(client, cast, cast.paying, **fields), 400)
    assert any(message in e["error_message"] for e in errors), errors
    assert product.seen == []


def test_reports_only_cannot_unsubscribe(client, cast, product):
    account = _grant(cast.paying, AccessLevel.REPORTS)
    assert _errors(_unsubscribe(client, cast, account), 403)
    assert product.seen == []


# --- users/sso ---------------------------------------------------------------------------------

SSO_USER = {
    "first_name": "Josie",
    "last_name": "Lang",
    "role_name": "campaign_creator",
    "contact_email": "josie.lang@anymail.example",
    "login_name": "josie.lang",
    "external_id": "23378234122161121",
    "external_provider": "Yahoo",
}


def test_a_user_is_added_and_opens_the_accounts_customer_pages_with_her_role(
    client, cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, cast, cast.paying, "users/sso", SSO_USER)
    assert response.status_code == 201, response.content
    account_user = AccountUser.objects.get(login_name="josie.lang")
    user = account_user.user
    assert (account_user.account, account_user.role) == (cast.paying, "campaign_creator")
    assert (user.username, user.get_full_name(), user.has_usable_password()) == (
        "josie.lang@anymail.example",
        "Josie Lang",
        False,  # she chooses her password herself, through "Forgot your password?"
    )
    [sent] = [m for m in mail.outbox if m.to == ["josie.lang@anymail.example"]]
    assert "/password/reset/" in sent.body
    [event] = AuditEvent.objects.filter(account=cast.paying, action="account.user_created")
    assert event.after["role"] == "campaign_creator"

    client.force_login(cast.owner.member.user)
    partner_page = client.get(f"/portal/accounts/{cast.paying.encoded_account_id}/")
    assert "Users you added" in partner_page.content.decode()
    assert "Josie Lang</strong> · Campaign creator" in partner_page.content.decode()

    client.force_login(user)
    page = client.get(f"/account/{cast.paying.encoded_account_id}/")
    assert page.status_code == 200
    assert "You are a user of this account: Campaign creator." in page.content.decode()
    # The owner's controls stay the owner's, and other accounts stay closed
    assert (
        client.get(f"/account/{cast.paying.encoded_account_id}/settings/billing/").status_code
        == 404
    )
    assert client.get(f"/account/{cast.trial.encoded_account_id}/").status_code == 404


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"login_name": "GreenGarden"}, 409),  # an account's login name
        ({"contact_email": "taken@anymail.example"}, 409),  # already has a sign-in
        ({"role_name": "owner"}, 400),
        ({"external_id": ""}, 400),
    ],
)
def test_conflicts_and_bad_users_are_refused_and_add_nobody(client, cast, change, status):
    UserFactory(username="taken@anymail.example", email="taken@anymail.example")
    before = AccountUser.objects.count()
    _errors(_post(client, cast, cast.paying, "users/sso", {**SSO_USER, **change}), status)
    assert AccountUser.objects.count() == before


def test_the_same_user_twice_is_409(client, cast):
    assert _post(client, cast, cast.paying, "users/sso", SSO_USER).status_code == 201
    again = {**SSO_USER, "contact_email": "other@anymail.example"}
    assert _errors(_post(client, cast, cast.paying, "users/sso", again), 409)


@pytest.mark.parametrize("level", [AccessLevel.REPORTS, AccessLevel.MARKETING])
def test_only_full_access_adds_users(client, cast, level):
    account = _grant(cast.paying, level)
    assert _errors(_post(client, cast, account, "users/sso", SSO_USER), 403)
    assert not AccountUser.objects.exists()


def test_a_referred_account_gets_no_users(client, cast):
    assert _errors(_post(client, cast, cast.trial, "users/sso", SSO_USER), 403)
    assert not AccountUser.objects.exists()
