"""My Organization › Brand kit and My account › Brand: who sees what, who changes what, the
preview (nothing saved), its stylesheet and the checked logo view."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from partnerhub.brand.models import BrandKit
from partnerhub.brand.services import brand_kit_save
from partnerhub.brand.tests.conftest import child, png_bytes
from partnerhub.organizations.services import group_create, organization_create
from partnerhub.tests.factories import AccountFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "primary_color": "",
        "accent_color": "",
        "heading_font": "",
        "body_font": "",
        "footer_address": "",
        "email_footer": "",
    }
    data.update(overrides)
    return data


def test_admin_saves_the_organization_kit_with_locks(client, world):
    client.force_login(world.admin)
    page = client.get(reverse("partner-brand"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Brand kit" in text and "Save brand kit" in text and "Preview" in text
    assert "North › Lakeside" in text
    response = client.post(
        reverse("partner-brand"),
        form_data(
            primary_color="#8A2BE2",
            heading_font="georgia",
            lock_primary_color="on",
            social_instagram="https://instagram.com/crumb",
            logo=SimpleUploadedFile("logo.png", png_bytes(), content_type="image/png"),
        ),
    )
    assert response.status_code == 302
    kit = BrandKit.objects.get(group=None, account=None)
    assert (kit.primary_color, kit.heading_font, kit.locked) == (
        "#8a2be2",
        "georgia",
        ["primary_color"],
    )
    assert kit.social_links == {"instagram": "https://instagram.com/crumb"}
    assert kit.logo_content_type == "image/png"


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("logo.png", b"GIF87a this is text", "not a PNG, JPEG, WebP or GIF"),
        (
            "logo.png",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "SVG logos are not accepted",
        ),
        ("logo.jpg", png_bytes(size=(2400, 100)), "at most 2000×2000"),
        ("logo.png", png_bytes() + b"\0" * (1024 * 1024), "larger than 1 MiB"),
    ],
)
def test_upload_refusals_are_form_errors_and_change_nothing(client, world, name, content, message):
    client.force_login(world.owner)
    response = client.post(
        reverse("partner-brand"),
        form_data(
            primary_color="#123456",
            logo=SimpleUploadedFile(name, content, content_type="image/png"),
        ),
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not BrandKit.objects.exists()


def test_bad_values_are_form_errors(client, world):
    client.force_login(world.owner)
    response = client.post(
        reverse("partner-brand"), form_data(primary_color="red", social_x="http://x.com/crumb")
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "six hexadecimal digits" in text
    assert not BrandKit.objects.exists()


def test_group_page_shows_the_organizations_locks_and_saves_the_group_kit(client, world):
    brand_kit_save(
        actor=world.owner,
        partner=world.org,
        values={"primary_color": "#111111"},
        locked=["primary_color"],
    )
    client.force_login(world.owner)
    url = reverse("partner-brand-group", args=[world.north.pk])
    text = client.get(url).content.decode()
    assert "Brand kit: North" in text
    assert "Locked by the organization" in text
    assert re.search(r'name="primary_color"[^>]*disabled', text)
    response = client.post(
        url, form_data(primary_color="#999999", accent_color="#00aa55", lock_accent_color="on")
    )
    assert response.status_code == 302
    kit = BrandKit.objects.get(group=world.north)
    assert (kit.primary_color, kit.accent_color, kit.locked) == ("", "#00aa55", ["accent_color"])


@pytest.mark.parametrize("who", ["manager", "viewer"])
def test_group_managers_and_viewers_read_only(client, world, who):
    client.force_login(getattr(world, who))
    page = client.get(reverse("partner-brand"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "only owners and admins" in text
    assert "Save brand kit" not in text
    assert re.search(r'name="primary_color"[^>]*disabled', text)
    response = client.post(reverse("partner-brand"), form_data(primary_color="#123456"))
    assert response.status_code == 302
    response = client.post(
        reverse("partner-brand-group", args=[world.north.pk]), form_data(primary_color="#123456")
    )
    assert response.status_code == 302
    assert not BrandKit.objects.exists()


def test_another_organizations_group_is_not_found(client, world):
    other = organization_create(name="Other Bakery")
    theirs = group_create(partner=other, name="Theirs")
    client.force_login(world.owner)
    assert client.get(reverse("partner-brand-group", args=[theirs.pk])).status_code == 404
    assert (
        client.post(
            reverse("partner-brand-group-preview", args=[theirs.pk]), form_data()
        ).status_code
        == 404
    )


def test_an_agency_has_no_brand_page(client, db):
    member = MemberFactory(role="owner")
    client.force_login(member.user)
    assert client.get(reverse("partner-brand")).status_code == 404
    accounts = client.get(reverse("partner-accounts")).content.decode()
    assert "Brand kit" not in accounts


def test_preview_draws_the_form_without_saving(client, world):
    brand_kit_save(actor=world.owner, partner=world.org, values={"primary_color": "#111111"})
    client.force_login(world.owner)
    response = client.post(
        reverse("partner-brand-preview"),
        form_data(
            primary_color="#abcdef",
            body_font="georgia",
            footer_address="1 Flour Lane\nLeeds",
            logo=SimpleUploadedFile("l.gif", png_bytes(fmt="GIF")),
        ),
        HTTP_HX_REQUEST="true",
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert 'id="brand-preview"' in text
    assert "p=%23abcdef" in text and "b=georgia" in text
    assert "1 Flour Lane<br>Leeds" in text
    assert 'src="data:image/gif;base64,' in text
    assert "<script" not in text and "style=" not in text
    assert BrandKit.objects.get().primary_color == "#111111"


def test_preview_names_what_it_cannot_show(client, world):
    client.force_login(world.owner)
    text = client.post(
        reverse("partner-brand-preview"), form_data(primary_color="red"), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Not shown yet" in text and "Primary colour" in text


def test_preview_stylesheet_takes_checked_values_only(client, world):
    client.force_login(world.viewer)
    css = client.get(
        reverse("brand-preview-css"),
        {"p": "#abcdef", "a": "red;}body{x", "h": "georgia", "b": "</style>"},
    )
    body = css.content.decode()
    assert css["Content-Type"].startswith("text/css")
    assert ".bp-header{background:#abcdef;}" in body
    assert ".bp-button{background:#e8a33d;}" in body  # the default: "red;..." was refused
    assert "Georgia" in body and "</style>" not in body and "body{x" not in body


def test_logo_view_checks_who_asks(client, world):
    kit = brand_kit_save(actor=world.owner, partner=world.org, logo=png_bytes()).kit
    url = reverse("brand-logo", args=[kit.pk])
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(world.viewer)
    response = client.get(url)
    assert (response.status_code, response["Content-Type"]) == (200, "image/png")
    client.force_login(world.north_shop.owner)
    assert client.get(url).status_code == 200
    client.force_login(AccountFactory().owner)
    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404


def test_location_owner_sees_the_effective_kit_and_sets_open_fields(client, world):
    brand_kit_save(
        actor=world.owner,
        partner=world.org,
        values={"primary_color": "#111111", "heading_font": "georgia"},
        locked=["primary_color"],
    )
    account = world.north_shop
    client.force_login(account.owner)
    url = reverse("customer-brand", args=[account.encoded_account_id])
    text = client.get(url).content.decode()
    assert "Your brand now" in text
    assert "Locked by the organization" in text
    assert "1 field is locked by the organization" in text
    assert re.search(r'name="primary_color"[^>]*disabled', text)
    response = client.post(url, form_data(heading_font="courier", primary_color="#222222"))
    assert response.status_code == 302
    kit = BrandKit.objects.get(account=account)
    assert (kit.heading_font, kit.primary_color) == ("courier", "")
    timeline = client.get(
        reverse("customer-provider", args=[account.encoded_account_id])
    ).content.decode()
    assert "Brand kit changed" in timeline


def test_another_account_and_an_agency_account_have_no_brand_page(client, world):
    client.force_login(world.north_shop.owner)
    assert (
        client.get(
            reverse("customer-brand", args=[world.south_shop.encoded_account_id])
        ).status_code
        == 404
    )
    from partnerhub.tests.factories import PartnerFactory, credited_account

    agency_account = credited_account(PartnerFactory())
    client.force_login(agency_account.owner)
    assert (
        client.get(reverse("customer-brand", args=[agency_account.encoded_account_id])).status_code
        == 404
    )
    lone = AccountFactory()
    client.force_login(lone.owner)
    assert client.get(reverse("customer-brand", args=[lone.encoded_account_id])).status_code == 404


def test_an_organization_member_is_not_a_customer_of_another_organizations_account(client, world):
    theirs = child(organization_create(name="Other Bakery"))
    client.force_login(world.owner)
    assert (
        client.get(reverse("customer-brand", args=[theirs.encoded_account_id])).status_code == 404
    )


def test_a_group_page_offers_no_lock_for_what_the_organization_locked(client, world):
    brand_kit_save(
        actor=world.owner,
        partner=world.org,
        values={"primary_color": "#111111"},
        locked=["primary_color"],
    )
    brand_kit_save(actor=world.owner, partner=world.org, group=world.north, locked=["body_font"])
    client.force_login(world.owner)
    url = reverse("partner-brand-group", args=[world.north.pk])
    text = client.get(url).content.decode()
    assert 'name="lock_primary_color"' not in text
    assert re.search(r'name="lock_body_font"[^>]*checked', text)
    client.post(url, form_data(lock_primary_color="on", lock_body_font="on"))
    assert BrandKit.objects.get(group=world.north).locked == ["body_font"]


def test_a_viewer_sees_the_locks_but_cannot_toggle_them(client, world):
    client.force_login(world.viewer)
    text = client.get(reverse("partner-brand")).content.decode()
    assert re.search(r'name="lock_primary_color"[^>]*disabled', text)
