"""The accounts list writes its rows straight from the page's values: each item must be what
validating it as ``AccountOut`` (the documented schema) would write, byte for byte."""

import pytest

from partnerhub.access.selectors import pending_request_for
from partnerhub.api.renderers import ORJSONRenderer
from partnerhub.api.schemas import AccountOut, AccountPage
from partnerhub.api.serializers import account_item, account_out
from partnerhub.api.tests.cast import Cast, api_call
from partnerhub.clients import selectors as account_selectors
from partnerhub.clients.models import ClientAccount

pytestmark = pytest.mark.django_db


def _written(data) -> bytes:
    return ORJSONRenderer().render(None, data, response_status=200)


def test_each_item_is_what_the_schema_would_write(cast: Cast):
    # Given Brightwave's accounts, one of them with an open request
    query = account_selectors.parse_account_list_query({})
    page = account_selectors.partner_accounts_page(
        partner_id=cast.partner.pk, query=query, with_pending=True
    )
    assert any(row["pending_id"] for row in page.rows)

    for row in page.rows:
        account = ClientAccount.objects.get(pk=row["id"])
        expected = account_out(account, pending_request_for(account_id=account.pk))

        # Then the item written from the values is the validated model's, field for field
        item = account_item(row)
        assert _written(item) == _written(expected.model_dump())
        assert _written(AccountOut.model_validate(item).model_dump()) == _written(item)


def test_the_page_is_what_the_schema_would_write(cast: Cast, client):
    response = api_call(client, "get", "/accounts?size=2", key=cast.owner_key)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert list(body) == ["items", "next", "total"]
    AccountPage.model_validate(body)  # raises on a field of the wrong type or a missing one
    assert [list(item) for item in body["items"]] == [list(AccountOut.model_fields)] * 2
