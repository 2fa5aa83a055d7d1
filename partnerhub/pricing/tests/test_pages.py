"""My Organization › Pricing and › Statements, as the organization's people see them."""

import pytest
from django.urls import reverse

from partnerhub.partners.models import MemberVisibility, PartnerRole
from partnerhub.pricing.tests.builders import children, close, organization
from partnerhub.tests.factories import MemberFactory, PartnerFactory

pytestmark = pytest.mark.django_db


def _org_with_statements():
    org = organization()
    children(org, 5)
    close(*[f"2026-{m:02d}" for m in range(1, 11)])
    return org


def _member(partner, role=PartnerRole.OWNER):
    return MemberFactory(partner=partner, role=role).user


def test_the_pricing_page_shows_the_tier_the_next_and_what_adding_would_do(client):
    # Given an organization with 5 paying SILVER children (−10 %: 20.00 → 18.00 each)
    org = organization()
    children(org, 5)
    client.force_login(_member(org))
    page = client.get(reverse("partner-pricing"), {"add": "20"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "A paying account is Open, not disabled and not on a trial." in text
    assert "5–24 accounts" in text and "−10 %" in text
    # the next tier is 20 accounts away; at −20 % the five cost 2.00 each less: 10.00 USD
    assert "Adding 20 more accounts moves you to −20 %: 10.00 USD a month less." in text
    assert "Pricing</a>" in text


@pytest.mark.parametrize("bad", ["0", "-3", "abc", "100001", "2.5"])
def test_a_bad_number_of_accounts_is_a_form_error(client, bad):
    org = organization()
    client.force_login(_member(org))
    page = client.get(reverse("partner-pricing"), {"add": bad})
    assert page.status_code == 200
    assert "Enter a whole number of accounts from 1 to 100,000." in page.content.decode()


def test_a_viewer_reads_the_statements_and_their_csv_and_printable_page(client):
    org = _org_with_statements()
    client.force_login(_member(org, PartnerRole.VIEWER))
    listing = client.get(reverse("partner-statements")).content.decode()
    assert "October 2026" in listing and "Closed" in listing and "Preview" in listing
    page = client.get(reverse("partner-statement", args=["2026-10"]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Statement · October 2026" in text and "90.00 USD" in text and "−10 %" in text
    printable = client.get(reverse("partner-statement-print", args=["2026-10"]))
    assert printable.status_code == 200 and "Single Bill statement" in printable.content.decode()
    csv = b"".join(client.get(reverse("partner-statement-csv", args=["2026-10"])).streaming_content)
    rows = csv.decode().splitlines()
    assert rows[0].startswith("month,line,account,organization,plan,currency")
    assert len(rows) == 6 and rows[1].endswith(",18.00,")
    # the open month is a preview
    preview = client.get(reverse("partner-statement", args=["2026-12"])).content.decode()
    assert "Preview: the month is not closed yet" in preview


def test_another_organization_and_a_restricted_member_get_404(client):
    other = organization("Other Co.")
    _org_with_statements()
    client.force_login(_member(other))
    # the other organization's own statement of a month it has no line in is empty, never ours
    page = client.get(reverse("partner-statement", args=["2026-10"]))
    assert page.status_code == 200 and "No account was billed this month." in page.content.decode()
    restricted = organization("Restricted Co.", single_bill=False)
    restricted.member_visibility = MemberVisibility.ASSIGNED
    restricted.save(update_fields=["member_visibility"])
    client.force_login(_member(restricted, PartnerRole.MEMBER))
    for url in (reverse("partner-pricing"), reverse("partner-statements")):
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("month", ["2026-13", "abcd", "2025-12", "2027-05"])
def test_a_month_without_a_statement_is_404(client, month):
    org = _org_with_statements()
    client.force_login(_member(org))
    assert client.get(reverse("partner-statement", args=[month])).status_code == 404
    assert client.get(reverse("partner-statement-csv", args=[month])).status_code == 404


def test_an_agency_without_single_bill_sees_no_pricing_or_statement_menu(client):
    agency = PartnerFactory()
    client.force_login(_member(agency))
    text = client.get(reverse("partner-accounts")).content.decode()
    assert "Statements</a>" not in text and "Pricing</a>" not in text
    assert client.get(reverse("partner-statements")).status_code == 404
    assert client.get(reverse("partner-pricing")).status_code == 404
