import datetime as dt
import io

import pytest
from PIL import Image

from partnerhub.clients.models import PartnershipKind
from partnerhub.organizations.services import account_group_set, group_create, organization_create
from partnerhub.partners.models import PartnerRole
from partnerhub.partnerships.models import PartnershipSource
from partnerhub.partnerships.services import partnership_credit
from partnerhub.portal.tests.conftest import (  # noqa: F401  (the browser fixtures)
    browser,
    pages,
    pytest_runtest_makereport,
    shots,
)
from partnerhub.tests.factories import AccountFactory, MemberFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Logos go to a directory of the test's own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


def png_bytes(size=(40, 20), color=(200, 30, 30), fmt="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt)
    return out.getvalue()


def child(org, group=None, **fields):
    account = AccountFactory(**fields)
    partnership_credit(
        partner=org,
        account=account,
        source=PartnershipSource.ORGANIZATION_CHILD,
        moved_on=dt.date(2025, 3, 1),
        kind=PartnershipKind.MANAGED,
    )
    account.refresh_from_db()
    if group is not None:
        account_group_set(partner=org, account=account, group=group)
        account.refresh_from_db()
    return account


class World:
    """An organization with a region (North), a district inside it (Lakeside), a location in
    each and one outside any group, and its team: owner, admin, group manager, viewer."""

    def __init__(self):
        self.org = organization_create(name="Crumb Test Bakeries")
        self.north = group_create(partner=self.org, name="North")
        self.lakeside = group_create(partner=self.org, name="Lakeside", parent=self.north)
        self.south = group_create(partner=self.org, name="South")
        self.north_shop = child(self.org, self.north, organization_name="North Shop")
        self.lake_shop = child(self.org, self.lakeside, organization_name="Lake Shop")
        self.south_shop = child(self.org, self.south, organization_name="South Shop")
        self.lone_shop = child(self.org, None, organization_name="Lone Shop")
        self.owner = MemberFactory(partner=self.org, role=PartnerRole.OWNER).user
        self.admin = MemberFactory(partner=self.org, role=PartnerRole.ADMIN).user
        self.manager = MemberFactory(partner=self.org, role=PartnerRole.MEMBER).user
        self.viewer = MemberFactory(partner=self.org, role=PartnerRole.VIEWER).user


@pytest.fixture
def world(db):
    return World()
