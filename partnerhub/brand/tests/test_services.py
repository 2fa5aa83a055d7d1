"""Saving kits: the worked examples of inheritance, who may save what, the audit row and the
``brand.changed`` webhook."""

import pytest
from django.core.files.storage import default_storage

from partnerhub.audit.models import AuditEvent
from partnerhub.brand import rules
from partnerhub.brand.models import BrandKit
from partnerhub.brand.selectors import brand_applied, effective_brand, effective_for_group
from partnerhub.brand.services import BrandInvalid, brand_kit_save
from partnerhub.brand.tests.conftest import png_bytes
from partnerhub.core.errors import InvalidTransition, NotFound, PermissionDenied
from partnerhub.organizations.services import group_create
from partnerhub.tests.factories import AccountFactory, MemberFactory, PartnerFactory
from partnerhub.webhooks.models import WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db


def seen(account, name):
    field = effective_brand(account=account)[name]
    return field.value, field.source, field.locked


def test_worked_example_lock_at_organization_override_at_account_group_in_between(world):
    # Given the organization's kit, with the primary colour locked and the heading font open
    brand_kit_save(
        actor=world.owner,
        partner=world.org,
        values={"primary_color": "#8a2be2", "heading_font": "georgia", "accent_color": "#ffcc00"},
        locked=["primary_color"],
    )
    # and the North region's kit, which sets the accent colour and locks it for North
    brand_kit_save(
        actor=world.admin,
        partner=world.org,
        group=world.north,
        values={"accent_color": "#00aa55"},
        locked=["accent_color"],
    )
    # when a North location's owner sets the heading font (open) for their account
    brand_kit_save(
        actor=world.north_shop.owner,
        partner=world.org,
        account=world.north_shop,
        values={"heading_font": "courier"},
    )
    # then the North location has the organization's colour, North's accent, its own font
    assert seen(world.north_shop, "primary_color") == ("#8a2be2", "organization", True)
    assert seen(world.north_shop, "accent_color") == ("#00aa55", "group", True)
    assert seen(world.north_shop, "heading_font") == ("courier", "account", False)
    assert seen(world.north_shop, "body_font") == (rules.DEFAULTS["body_font"], "default", False)
    # the district inside North inherits North's lock; South and a location outside any
    # group inherit from the organization
    assert seen(world.lake_shop, "accent_color") == ("#00aa55", "group", True)
    assert seen(world.lake_shop, "heading_font") == ("georgia", "organization", False)
    assert seen(world.south_shop, "accent_color") == ("#ffcc00", "organization", False)
    assert seen(world.lone_shop, "primary_color") == ("#8a2be2", "organization", True)


def test_a_field_locked_above_cannot_be_set_below(world):
    brand_kit_save(
        actor=world.owner,
        partner=world.org,
        values={"primary_color": "#111111"},
        locked=["primary_color"],
    )
    with pytest.raises(InvalidTransition) as caught:
        brand_kit_save(
            actor=world.north_shop.owner,
            partner=world.org,
            account=world.north_shop,
            values={"primary_color": "#222222"},
        )
    assert caught.value.code == "brand_field_locked"
    with pytest.raises(InvalidTransition):
        brand_kit_save(
            actor=world.owner,
            partner=world.org,
            group=world.north,
            values={"primary_color": "#333333"},
        )
    assert not BrandKit.objects.filter(primary_color__in=["#222222", "#333333"]).exists()


def test_a_lock_added_later_hides_an_override_without_deleting_it_and_unlock_shows_it(world):
    brand_kit_save(actor=world.owner, partner=world.org, values={"body_font": "verdana"})
    brand_kit_save(
        actor=world.north_shop.owner,
        partner=world.org,
        account=world.north_shop,
        values={"body_font": "georgia"},
    )
    assert seen(world.north_shop, "body_font") == ("georgia", "account", False)

    brand_kit_save(actor=world.owner, partner=world.org, locked=["body_font"])
    assert seen(world.north_shop, "body_font") == ("verdana", "organization", True)
    assert BrandKit.objects.get(account=world.north_shop).body_font == "georgia"

    brand_kit_save(actor=world.owner, partner=world.org, locked=[])
    assert seen(world.north_shop, "body_font") == ("georgia", "account", False)


def test_subgroup_inherits_from_its_group_and_may_set_open_fields(world):
    brand_kit_save(
        actor=world.owner,
        partner=world.org,
        group=world.north,
        values={"footer_address": "1 North Rd"},
    )
    brand_kit_save(
        actor=world.owner,
        partner=world.org,
        group=world.lakeside,
        values={"email_footer": "Lakeside"},
    )
    kit = effective_for_group(group=world.lakeside)
    assert (
        kit["footer_address"].value,
        kit["footer_address"].source,
        kit["footer_address"].ref,
    ) == (
        "1 North Rd",
        "group",
        world.north.pk,
    )
    assert seen(world.lake_shop, "email_footer") == ("Lakeside", "group", False)


def test_only_owners_and_admins_save_the_organization_and_group_kits(world):
    for person in (world.manager, world.viewer):
        with pytest.raises(PermissionDenied):
            brand_kit_save(actor=person, partner=world.org, values={"primary_color": "#123456"})
        with pytest.raises(PermissionDenied):
            brand_kit_save(
                actor=person,
                partner=world.org,
                group=world.north,
                values={"primary_color": "#123456"},
            )
    assert not BrandKit.objects.exists()
    assert not AuditEvent.objects.filter(action="brand.changed").exists()


def test_another_organization_and_its_groups_and_accounts_are_not_found(world):
    other = MemberFactory(partner=PartnerFactory(kind="organization"), role="owner").user
    with pytest.raises(NotFound):
        brand_kit_save(actor=other, partner=world.org, values={"primary_color": "#123456"})
    elsewhere = group_create(partner=PartnerFactory(kind="organization"), name="Elsewhere")
    with pytest.raises(NotFound):
        brand_kit_save(
            actor=world.owner, partner=world.org, group=elsewhere, values={"body_font": "arial"}
        )
    assert not BrandKit.objects.exists()


def test_only_the_account_owner_sets_the_account_kit_and_locks_nothing(world):
    with pytest.raises(PermissionDenied):
        brand_kit_save(
            actor=world.owner,
            partner=world.org,
            account=world.north_shop,
            values={"body_font": "georgia"},
        )
    with pytest.raises(PermissionDenied):
        brand_kit_save(
            actor=world.south_shop.owner,
            partner=world.org,
            account=world.north_shop,
            values={"body_font": "georgia"},
        )
    with pytest.raises(InvalidTransition) as caught:
        brand_kit_save(
            actor=world.north_shop.owner,
            partner=world.org,
            account=world.north_shop,
            locked=["body_font"],
        )
    assert caught.value.code == "brand_lock_level"
    stranger = AccountFactory()
    with pytest.raises(NotFound):
        brand_kit_save(
            actor=stranger.owner,
            partner=world.org,
            account=stranger,
            values={"body_font": "georgia"},
        )


def test_an_agency_keeps_no_brand_kit(db):
    agency_owner = MemberFactory(role="owner")
    with pytest.raises(InvalidTransition) as caught:
        brand_kit_save(
            actor=agency_owner.user, partner=agency_owner.partner, values={"body_font": "georgia"}
        )
    assert caught.value.code == "brand_organizations_only"


def test_bad_values_are_refused_with_messages_by_field(world):
    with pytest.raises(BrandInvalid) as caught:
        brand_kit_save(
            actor=world.owner,
            partner=world.org,
            values={"primary_color": "red", "social_links": {"x": "http://x.com/a"}},
        )
    assert set(caught.value.errors) == {"primary_color", "social_links"}
    with pytest.raises(BrandInvalid):
        brand_kit_save(actor=world.owner, partner=world.org, locked=["colour_of_the_day"])
    assert not BrandKit.objects.exists()


def test_every_change_is_audited_with_before_and_after(world):
    brand_kit_save(actor=world.owner, partner=world.org, values={"primary_color": "#111111"})
    brand_kit_save(
        actor=world.owner,
        partner=world.org,
        values={"primary_color": "#222222"},
        locked=["primary_color"],
    )
    last = AuditEvent.objects.filter(action="brand.changed").order_by("-id").first()
    assert last.actor == world.owner
    assert last.before == {"primary_color": "#111111", "locked": []}
    assert last.after == {
        "primary_color": "#222222",
        "locked": ["primary_color"],
        "level": "organization",
    }
    assert last.account is None


def test_an_account_change_is_on_the_account_timeline(world):
    from partnerhub.access.selectors import access_timeline

    brand_kit_save(
        actor=world.north_shop.owner,
        partner=world.org,
        account=world.north_shop,
        values={"heading_font": "times"},
    )
    entries = list(access_timeline(account_id=world.north_shop.pk))
    assert [e.action for e in entries][:1] == ["brand.changed"]
    assert entries[0].after["heading_font"] == "times"


def test_a_save_that_changes_nothing_writes_nothing(world):
    brand_kit_save(actor=world.owner, partner=world.org, values={"primary_color": "#111111"})
    change = brand_kit_save(
        actor=world.owner, partner=world.org, values={"primary_color": "#111111"}
    )
    assert change.fields == [] and change.locks == []
    assert AuditEvent.objects.filter(action="brand.changed").count() == 1


def test_logo_upload_is_stored_and_replaced(world):
    first = brand_kit_save(actor=world.owner, partner=world.org, logo=png_bytes()).kit
    assert default_storage.exists(first.logo)
    assert (first.logo_content_type, first.logo_width, first.logo_height) == ("image/png", 40, 20)
    assert seen(world.lone_shop, "logo") == (first.logo, "organization", False)
    with pytest.raises(BrandInvalid) as caught:
        brand_kit_save(actor=world.owner, partner=world.org, logo=b"GIF89a not really")
    assert "logo" in caught.value.errors
    assert BrandKit.objects.get(pk=first.pk).logo == first.logo


@pytest.fixture
def endpoint(world):
    return WebhookEndpoint.objects.create(
        partner=world.org,
        url="https://hooks.example/in",
        secret="whsec_x",
        event_types=["brand.changed"],
    )


def test_webhook_organization_change_names_all_accounts(world, endpoint):
    brand_kit_save(
        actor=world.owner,
        partner=world.org,
        values={"primary_color": "#111111"},
        locked=["primary_color"],
    )
    event = WebhookEvent.objects.get(event_type="brand.changed")
    assert event.payload["organization"] == {"id": world.org.pk, "name": "Crumb Test Bakeries"}
    assert event.payload["level"] == "organization"
    assert event.payload["accounts"] == "all"
    assert event.payload["fields"] == ["primary_color"]
    assert event.payload["locks_changed"] == ["primary_color"]


def test_webhook_group_change_is_one_event_naming_the_groups_accounts(world, endpoint):
    brand_kit_save(
        actor=world.owner, partner=world.org, group=world.north, values={"accent_color": "#00aa55"}
    )
    [event] = WebhookEvent.objects.filter(event_type="brand.changed")
    assert event.payload["level"] == "group"
    assert event.payload["group"] == {"id": world.north.pk, "name": "North"}
    assert event.payload["accounts"] == [
        world.north_shop.encoded_account_id,
        world.lake_shop.encoded_account_id,
    ]
    assert event.payload["fields"] == ["accent_color"]


def test_webhook_account_change_names_the_account(world, endpoint):
    brand_kit_save(
        actor=world.lone_shop.owner,
        partner=world.org,
        account=world.lone_shop,
        values={"heading_font": "times"},
    )
    [event] = WebhookEvent.objects.filter(event_type="brand.changed")
    assert (event.payload["level"], event.payload["accounts"]) == (
        "account",
        [world.lone_shop.encoded_account_id],
    )


def test_brand_applied_needs_a_logo_or_a_primary_colour_of_its_own(world):
    assert brand_applied(world.north_shop.pk) is False
    brand_kit_save(actor=world.owner, partner=world.org, values={"body_font": "georgia"})
    assert brand_applied(world.north_shop.pk) is False
    brand_kit_save(
        actor=world.owner, partner=world.org, group=world.south, values={"primary_color": "#111111"}
    )
    assert brand_applied(world.south_shop.pk) is True
    assert brand_applied(world.north_shop.pk) is False
    brand_kit_save(
        actor=world.north_shop.owner, partner=world.org, account=world.north_shop, logo=png_bytes()
    )
    assert brand_applied(world.north_shop.pk) is True
    assert brand_applied(AccountFactory().pk) is False
