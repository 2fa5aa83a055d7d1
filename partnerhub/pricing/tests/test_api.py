"""``/api/v1/pricing/quote`` and ``/api/v1/statements``: the pages' figures, same auth and
errors as the rest of the API."""

import pytest

from partnerhub.api.keys import api_key_create
from partnerhub.partners.models import PartnerRole
from partnerhub.pricing.tests.builders import children, close, organization
from partnerhub.tests.factories import MemberFactory, PartnerFactory

pytestmark = pytest.mark.django_db


def _key(partner) -> str:
    user = MemberFactory(partner=partner, role=PartnerRole.OWNER).user
    return api_key_create(actor=user, name="books", can_write=False)[1]


def _get(client, key, path, **params):
    return client.get(f"/api/v1{path}", params, headers={"Authorization": f"Bearer {key}"})


@pytest.fixture
def org():
    org = organization()
    children(org, 5)
    close(*[f"2026-{m:02d}" for m in range(1, 11)])
    return org


def test_the_quote_gives_the_tier_and_the_saving(client, org):
    body = _get(client, _key(org), "/pricing/quote", add=20).json()
    assert body["paying_accounts"] == 5
    assert body["tier"] == {"min_accounts": 5, "max_accounts": 24, "discount_percent": "10.00"}
    assert body["accounts_to_next_tier"] == 20
    assert body["saving_after_add"] == {"USD": "10.00"}
    assert body["sentence"] == "Adding 20 more accounts moves you to −20 %: 10.00 USD a month less."


def test_statements_list_detail_pages_and_csv(client, org):
    key = _key(org)
    months = _get(client, key, "/statements").json()
    assert months[0] == {"month": "2026-12", "closed": False, "totals": None}
    october = next(m for m in months if m["month"] == "2026-10")
    assert october["totals"] == {"USD": {"amount": "100.00", "discount": "10.00", "total": "90.00"}}
    first = _get(client, key, "/statements/2026-10", size=2).json()
    assert (first["closed"], first["accounts_billed"], first["lines_total"]) == (True, 5, 5)
    assert len(first["lines"]) == 2 and first["next"].endswith("page=2&size=2")
    assert first["lines"][0]["total"] == "18.00"
    last = _get(client, key, "/statements/2026-10", page=3, size=2).json()
    assert len(last["lines"]) == 1 and last["next"] is None
    csv = _get(client, key, "/statements/2026-10.csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert len(b"".join(csv.streaming_content).decode().splitlines()) == 6
    preview = _get(client, key, "/statements/2026-12").json()
    assert preview["closed"] is False and preview["totals"]["USD"]["total"] == "90.00"


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/statements/2026-13", 400, "month_invalid"),
        ("/statements/2025-12", 404, "not_found"),
        ("/statements/2026-10.csv?x", 200, None),
        ("/pricing/quote?add=-1", 422, None),
    ],
)
def test_bad_input_is_a_json_error(client, org, path, status, code):
    response = client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {_key(org)}"})
    assert response.status_code == status
    if code:
        assert response.json()["error"]["code"] == code


def test_another_partner_sees_none_of_it(client, org):
    agency = PartnerFactory()
    key = _key(agency)
    assert _get(client, key, "/statements").status_code == 404
    assert _get(client, key, "/statements/2026-10").status_code == 404
    assert _get(client, key, "/pricing/quote").status_code == 404
    assert client.get("/api/v1/statements").status_code == 401
