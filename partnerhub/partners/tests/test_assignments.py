"""Assigning accounts to team members, and what members see."""

import datetime as dt
import threading

import pytest
from django.conf import settings
from django.db import connection

from partnerhub.audit.models import AuditEvent
from partnerhub.core.errors import InvalidTransition, NotFound, PermissionDenied
from partnerhub.partners.models import AccountAssignment, MemberVisibility
from partnerhub.partners.selectors import (
    account_assignees,
    restricted_member_id,
    restricted_member_id_for,
    visible_accounts,
)
from partnerhub.partners.services import (
    ASSIGN_MAX,
    accounts_assign,
    accounts_unassign,
    partner_member_visibility_set,
)
from partnerhub.tests.snapshots import team_state
from partnerhub.tests.world import World, build_world
from partnerhub.webhooks.models import WebhookEvent
from partnerhub.webhooks.services import endpoint_create


@pytest.fixture
def world(db) -> World:
    return build_world()


def assigned(member) -> list[str]:
    return sorted(
        AccountAssignment.objects.filter(member=member).values_list(
            "account__organization_name", flat=True
        )
    )


def test_an_owner_assigns_several_accounts_at_once(world):
    n = accounts_assign(
        actor=world.owner.user,
        member_id=world.member.pk,
        account_ids=[world.account.pk, world.managed_account.pk],
    )

    assert n == 2
    assert assigned(world.member) == ["Blue Bakery", "Green Garden"]
    rows = AuditEvent.objects.filter(action="account.assigned").order_by("account_id")
    assert [(r.account_id, r.partner_id, r.actor_id, r.after) for r in rows] == [
        (
            a.pk,
            world.partner.pk,
            world.owner.user.pk,
            {"member_id": world.member.pk, "member_name": "Max Miller"},
        )
        for a in sorted([world.account, world.managed_account], key=lambda a: a.pk)
    ]


def test_assigning_again_keeps_what_was_assigned_and_adds_the_rest(world):
    accounts_assign(
        actor=world.admin.user, member_id=world.member.pk, account_ids=[world.account.pk]
    )

    n = accounts_assign(
        actor=world.admin.user,
        member_id=world.member.pk,
        account_ids=[world.account.pk, world.managed_account.pk, world.account.pk],
    )

    assert n == 1
    assert assigned(world.member) == ["Blue Bakery", "Green Garden"]
    assert AuditEvent.objects.filter(action="account.assigned").count() == 2


def test_unassigning_removes_only_what_was_assigned(world):
    accounts_assign(
        actor=world.owner.user, member_id=world.member.pk, account_ids=[world.account.pk]
    )

    n = accounts_unassign(
        actor=world.owner.user,
        member_id=world.member.pk,
        account_ids=[world.account.pk, world.managed_account.pk],
    )

    assert n == 1
    assert assigned(world.member) == []
    row = AuditEvent.objects.get(action="account.unassigned")
    assert (row.account_id, row.after["member_name"]) == (world.account.pk, "Max Miller")


def test_a_member_cannot_assign_and_nothing_changes(world):
    before = team_state(world.partner)

    with pytest.raises(PermissionDenied):
        accounts_assign(
            actor=world.member.user, member_id=world.member.pk, account_ids=[world.account.pk]
        )

    assert team_state(world.partner) == before


@pytest.mark.parametrize("which", ["other partner's account", "no such account"])
def test_an_account_that_is_not_the_partners_refuses_the_whole_assignment(world, which):
    stranger = world.other_account.pk if which == "other partner's account" else 10**9
    before = team_state(world.partner)

    with pytest.raises(NotFound):
        accounts_assign(
            actor=world.owner.user,
            member_id=world.member.pk,
            account_ids=[world.account.pk, stranger],
        )

    assert team_state(world.partner) == before


def test_another_partners_member_is_not_found(world):
    before = team_state(world.partner)

    with pytest.raises(NotFound):
        accounts_assign(
            actor=world.owner.user, member_id=world.other_owner.pk, account_ids=[world.account.pk]
        )

    assert team_state(world.partner) == before


@pytest.mark.parametrize(
    ("ids", "code"), [([], "accounts_empty"), (list(range(1, ASSIGN_MAX + 2)), "accounts_too_many")]
)
def test_an_empty_or_oversized_choice_is_refused(world, ids, code):
    before = team_state(world.partner)

    with pytest.raises(InvalidTransition) as refused:
        accounts_assign(actor=world.owner.user, member_id=world.member.pk, account_ids=ids)

    assert refused.value.code == code
    assert team_state(world.partner) == before


def test_the_database_holds_one_assignment_per_account_and_member(world):
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    accounts_assign(
        actor=world.owner.user, member_id=world.member.pk, account_ids=[world.account.pk]
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        AccountAssignment.objects.create(
            partner=world.partner,
            account=world.account,
            member=world.member,
            assigned_at=timezone.now(),
        )


def test_assignment_webhooks_name_the_member(world, django_capture_on_commit_callbacks):
    endpoint_create(
        actor=world.owner.user,
        url="https://hooks.brightwave.test/in",
        event_types=["account.assigned", "account.unassigned"],
    )

    accounts_assign(
        actor=world.owner.user, member_id=world.member.pk, account_ids=[world.account.pk]
    )
    accounts_unassign(
        actor=world.owner.user, member_id=world.member.pk, account_ids=[world.account.pk]
    )

    events = WebhookEvent.objects.order_by("id")
    assert [
        (e.event_type, e.payload["encoded_account_id"], e.payload["member"]) for e in events
    ] == [
        (
            kind,
            world.account.encoded_account_id,
            {"name": "Max Miller", "email": "max@brightwave.test"},
        )
        for kind in ("account.assigned", "account.unassigned")
    ]
    assert events[0].payload["by"] == "Olga Owens"


def test_removing_a_member_removes_their_assignments(world):
    from partnerhub.partners.services import member_remove

    accounts_assign(
        actor=world.owner.user, member_id=world.member.pk, account_ids=[world.account.pk]
    )

    member_remove(actor=world.owner.user, member_id=world.member.pk)

    assert AccountAssignment.objects.count() == 0


def test_the_account_lists_who_is_assigned_by_name(world):
    accounts_assign(
        actor=world.owner.user, member_id=world.member.pk, account_ids=[world.account.pk]
    )
    accounts_assign(
        actor=world.owner.user, member_id=world.admin.pk, account_ids=[world.account.pk]
    )

    names = [
        m.user.get_full_name()
        for m in account_assignees(account_id=world.account.pk, partner_id=world.partner.pk)
    ]

    assert names == ["Adam Adler", "Max Miller"]


# --- What members see ------------------------------------------------------------------------


def test_the_choice_of_what_members_see_is_audited(world):
    partner = partner_member_visibility_set(
        actor=world.admin.user, visibility=MemberVisibility.ASSIGNED
    )

    assert partner.member_visibility == "assigned"
    row = AuditEvent.objects.filter(action="partner.updated").latest("id")
    assert (row.before, row.after, row.actor_id) == (
        {"member_visibility": "all"},
        {"member_visibility": "assigned"},
        world.admin.user.pk,
    )


@pytest.mark.parametrize("visibility", ["assigned", "nonsense"])
def test_a_member_or_a_bad_value_cannot_change_what_members_see(world, visibility):
    actor = world.member.user if visibility == "assigned" else world.owner.user
    before = team_state(world.partner)

    with pytest.raises((PermissionDenied, InvalidTransition)):
        partner_member_visibility_set(actor=actor, visibility=visibility)

    assert team_state(world.partner) == before


def test_a_restricted_member_sees_exactly_their_assigned_accounts(world):
    partner_member_visibility_set(actor=world.owner.user, visibility=MemberVisibility.ASSIGNED)
    accounts_assign(
        actor=world.owner.user, member_id=world.member.pk, account_ids=[world.managed_account.pk]
    )
    world.member.partner.refresh_from_db()

    assert restricted_member_id(world.member) == world.member.pk
    assert [a.organization_name for a in visible_accounts(world.member)] == ["Green Garden"]
    for manager in (world.owner, world.admin):
        manager.partner.refresh_from_db()
        assert restricted_member_id(manager) is None
        assert sorted(a.organization_name for a in visible_accounts(manager)) == [
            "Blue Bakery",
            "Green Garden",
        ]


def test_while_members_see_everything_no_one_is_restricted(world, django_assert_num_queries):
    assert restricted_member_id(world.member) is None
    with django_assert_num_queries(0):
        assert restricted_member_id_for(partner=world.partner, user_id=world.member.user_id) is None


def test_an_api_key_is_bounded_by_its_creators_role_today(world):
    partner_member_visibility_set(actor=world.owner.user, visibility=MemberVisibility.ASSIGNED)
    world.partner.refresh_from_db()

    assert restricted_member_id_for(partner=world.partner, user_id=world.member.user_id) == (
        world.member.pk
    )
    assert restricted_member_id_for(partner=world.partner, user_id=world.admin.user_id) is None


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3",
    reason="threaded race needs concurrent connections (PostgreSQL); SQLite queues writers",
)
@pytest.mark.django_db(transaction=True)
def test_two_managers_assigning_the_same_accounts_at_once_assign_each_once():
    world = build_world()
    ids = [world.account.pk, world.managed_account.pk]
    outcomes: list = [None, None]
    barrier = threading.Barrier(2)

    def assign(index, actor):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = accounts_assign(
                actor=actor, member_id=world.member.pk, account_ids=ids
            )
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test checks
            outcomes[index] = type(exc).__name__
        finally:
            connection.close()

    threads = [
        threading.Thread(target=assign, args=(0, world.owner.user)),
        threading.Thread(target=assign, args=(1, world.admin.user)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == [0, 2]
    assert assigned(world.member) == ["Blue Bakery", "Green Garden"]
    assert AuditEvent.objects.filter(action="account.assigned").count() == 2


@pytest.mark.parametrize("dense_from", [1, 10**6], ids=["read along the sort", "read first"])
def test_both_ways_of_reading_a_members_accounts_give_the_same_pages(
    world, monkeypatch, dense_from
):
    import dataclasses

    from partnerhub.clients import selectors as accounts
    from partnerhub.partners import selectors
    from partnerhub.tests.factories import credited_account

    monkeypatch.setattr(selectors, "DENSE_ASSIGNMENTS", dense_from)
    extra = [credited_account(world.partner, organization_name=f"Acme {n}") for n in range(4)]
    mine = [world.account, world.managed_account, extra[0], extra[2]]
    accounts_assign(
        actor=world.owner.user, member_id=world.member.pk, account_ids=[a.pk for a in mine]
    )
    query = dataclasses.replace(
        accounts.parse_account_list_query({"size": "10"}), size=2, visible_to=world.member.pk
    )

    first = accounts.partner_accounts_page(partner_id=world.partner.pk, query=query, numbered=True)
    second = accounts.partner_accounts_page(
        partner_id=world.partner.pk, query=dataclasses.replace(query, page=2), numbered=True
    )
    every = accounts.partner_accounts_iter(partner_id=world.partner.pk, query=query, chunk_size=3)

    assert [a.organization_name for a in first.rows] == ["Acme 0", "Acme 2"]
    assert [a.organization_name for a in second.rows] == ["Blue Bakery", "Green Garden"]
    assert [a.organization_name for a in every] == [
        "Acme 0",
        "Acme 2",
        "Blue Bakery",
        "Green Garden",
    ]
    assert accounts.partner_accounts_count(partner_id=world.partner.pk, query=query) == 4
    assert accounts.partner_account_kind_counts(
        partner_id=world.partner.pk, visible_to=world.member.pk
    ) == {"referred": 3, "managed": 1}


def test_a_restricted_members_search_with_its_total_holds_only_their_accounts(world):
    """Given a member assigned two of five "Acme" accounts, when they search "acme", then the
    first page, read with its total in one statement, holds those two and counts two."""
    import dataclasses

    from partnerhub.clients import selectors as accounts
    from partnerhub.tests.factories import credited_account

    extra = [credited_account(world.partner, organization_name=f"Acme {n}") for n in range(5)]
    accounts_assign(
        actor=world.owner.user, member_id=world.member.pk, account_ids=[extra[1].pk, extra[3].pk]
    )
    query = dataclasses.replace(
        accounts.parse_account_list_query({"q": "acme"}), visible_to=world.member.pk
    )
    assert accounts.total_with_page(query)

    view = accounts.partner_accounts_view(partner_id=world.partner.pk, query=query, kind_counts={})

    assert [r["organization_name"] for r in view.page.rows] == ["Acme 1", "Acme 3"]
    assert (view.total, view.capped) == (2, False)


def test_a_restricted_members_total_under_a_level_filter_counts_only_that_level(world):
    """Given a member who sees only their accounts, assigned one referred account and two
    managed ones (full access and marketing), when they filter by a level, then the total
    counts that level's accounts, not every account assigned to them."""
    import dataclasses

    from partnerhub.clients import selectors as accounts
    from partnerhub.partnerships.models import PartnershipSource
    from partnerhub.partnerships.services import partnership_credit
    from partnerhub.tests.factories import AccountFactory

    partner_member_visibility_set(actor=world.owner.user, visibility=MemberVisibility.ASSIGNED)
    marketing = AccountFactory(organization_name="Red Rooster")
    partnership_credit(
        partner=world.partner,
        account=marketing,
        source=PartnershipSource.INVITE_LINK,
        moved_on=dt.date(2026, 3, 1),
        kind="managed",
        level="marketing",
    )
    accounts_assign(
        actor=world.owner.user,
        member_id=world.member.pk,
        account_ids=[world.account.pk, world.managed_account.pk, marketing.pk],
    )
    query = dataclasses.replace(accounts.AccountListQuery(), visible_to=world.member.pk)

    def total(**changes) -> tuple[int, int]:
        q = dataclasses.replace(query, **changes)
        return (
            accounts.partner_accounts_total(partner_id=world.partner.pk, query=q),
            accounts.partner_accounts_count_capped(partner_id=world.partner.pk, query=q)[0],
        )

    assert total() == (3, 3)
    assert total(kind="managed") == (2, 2)
    assert total(level="marketing") == (1, 1)
    assert total(level="full") == (1, 1)
    assert total(level="reports") == (0, 0)
    assert total(kind="managed", level="marketing") == (1, 1)
