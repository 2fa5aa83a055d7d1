"""An organization's children are its own accounts: the partner program pays it nothing for
them (no new account bonus, no revenue share), while an agency's earnings are unchanged."""

import pytest

from partnerhub.earnings.models import LedgerLine
from partnerhub.earnings.tests.builders import (
    MANAGED,
    account,
    assert_ledger,
    close,
    d,
    partner,
    pay,
)
from partnerhub.partners.models import PartnerKind

pytestmark = pytest.mark.django_db


def test_a_child_of_an_organization_earns_no_line_and_an_agency_account_earns_as_before():
    # Given an organization and an agency, each with a managed account that converted inside
    # the window and paid 45.00 USD in April
    organization = partner(kind=PartnerKind.ORGANIZATION, name="Crumb & Co.")
    agency = partner(name="Brightwave")
    child = account(
        organization, converted_on=d("2026-04-02"), moved_on=d("2026-04-01"), kind=MANAGED
    )
    client = account(agency, converted_on=d("2026-04-02"), moved_on=d("2026-04-01"), kind=MANAGED)
    pay(child, "INV-CHILD", d("2026-04-10"), 4500)
    pay(client, "INV-CLIENT", d("2026-04-10"), 4500)

    # When April is closed
    close("2026-04")

    # Then the child earns nothing, and the agency's account earns its bonus and 20 %
    assert not LedgerLine.objects.filter(partner=organization).exists()
    assert not LedgerLine.objects.filter(account=child).exists()
    assert_ledger(
        agency,
        [
            ("2026-04", "new_account_bonus", 10000, "USD", "window"),
            ("2026-04", "revenue_share", 900, "USD", "managed since"),
        ],
    )
