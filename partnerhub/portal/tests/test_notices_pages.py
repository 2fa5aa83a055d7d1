"""The bell and /notifications/: a person sees, opens and marks read their own notices only."""

import re

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from partnerhub.notices.models import Notice
from partnerhub.tests.world import World, build_world, request_for


@pytest.fixture
def world(db) -> World:
    world = build_world()
    request_for(world)  # tells Cora
    return world


def state() -> list[tuple]:
    return sorted(Notice.objects.values_list("id", "user_id", "read_at"))


def titles(html: str) -> list[str]:
    return re.findall(
        r'<span class="notice-title">(?:<span[^>]*>Unread: </span>)?([^<]+)</span>', html
    )


def test_the_header_shows_the_unread_count_on_every_page(client, world):
    client.force_login(world.customer)

    html = client.get(reverse("customer-provider", args=[world.account.encoded_account_id]))

    page = html.content.decode()
    assert 'aria-label="Notifications, 1 unread"' in page
    assert '<span class="bell-count">1</span>' in page


def test_the_dropdown_lists_the_notice_with_a_way_to_open_it(client, world):
    client.force_login(world.customer)
    notice = Notice.objects.get(user=world.customer)

    menu = client.get(reverse("notices-menu"), headers={"HX-Request": "true"}).content.decode()

    assert titles(menu) == ["Brightwave Agency asks for permission to manage Blue Bakery"]
    assert f'action="{reverse("notice-open", args=[notice.pk])}"' in menu
    assert "Mark all read</button>" in menu
    assert f'href="{reverse("notices")}">See all notifications</a>' in menu


def test_opening_a_notice_marks_it_read_and_goes_to_the_thing(client, world):
    client.force_login(world.customer)
    notice = Notice.objects.get(user=world.customer)

    response = client.post(reverse("notice-open", args=[notice.pk]))

    assert (response.status_code, response["Location"]) == (
        302,
        reverse("customer-provider", args=[world.account.encoded_account_id]),
    )
    assert Notice.objects.get(pk=notice.pk).read_at is not None
    page = client.get(reverse("notices")).content.decode()
    assert "All read" in page
    assert "bell-count" not in page


def test_the_page_lists_unread_first_and_marks_all_read(client, world):
    from partnerhub.access.services import manage_request_cancel

    request = world.account.manage_requests.get()
    manage_request_cancel(actor=world.member.user, request_id=request.pk)
    client.force_login(world.customer)
    first = Notice.objects.get(user=world.customer, kind="request_received")
    client.post(reverse("notice-open", args=[first.pk]))

    page = client.get(reverse("notices")).content.decode()
    response = client.post(reverse("notices-read-all"), follow=True)

    assert titles(page) == [
        "Brightwave Agency withdrew its request to manage Blue Bakery",
        "Brightwave Agency asks for permission to manage Blue Bakery",
    ]
    assert "1 unread" in page
    assert response.redirect_chain == [(reverse("notices"), 302)]
    assert Notice.objects.filter(user=world.customer, read_at__isnull=True).count() == 0


def test_a_partner_member_sees_only_their_own_notices(client, world):
    client.force_login(world.other_owner.user)

    page = client.get(reverse("notices")).content.decode()

    assert titles(page) == []
    assert "Nothing new." in page


def test_one_person_cannot_open_or_mark_anothers_notice(client, world):
    client.force_login(world.other_customer)
    notice = Notice.objects.get(user=world.customer)
    before = state()

    opened = client.post(reverse("notice-open", args=[notice.pk]))
    client.post(reverse("notices-read-all"))

    assert opened.status_code == 404
    assert state() == before


def test_opening_is_posted_never_fetched(client, world):
    client.force_login(world.customer)
    notice = Notice.objects.get(user=world.customer)
    before = state()

    response = client.get(reverse("notice-open", args=[notice.pk]))

    assert response.status_code == 405
    assert state() == before


@pytest.mark.parametrize("name", ["notices", "notices-menu"])
def test_an_anonymous_visitor_is_sent_to_sign_in(client, world, name):
    url = reverse(name)

    response = client.get(url)

    assert response["Location"] == f"{resolve_url(settings.LOGIN_URL)}?next={url}"
