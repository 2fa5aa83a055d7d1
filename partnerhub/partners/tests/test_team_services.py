"""Partners and their teams: owners and admins manage the team, only an owner makes or removes an
owner, and a partner always keeps at least one owner."""

import datetime as dt
import threading

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction

from partnerhub.audit.models import AuditEvent
from partnerhub.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied
from partnerhub.partners.models import Partner, PartnerMember, PartnerRole
from partnerhub.partners.selectors import membership_of, memberships_of
from partnerhub.partners.services import (
    member_join,
    member_remove,
    member_role_change,
    partner_create,
)
from partnerhub.tests.factories import MemberFactory, PartnerFactory
from partnerhub.tests.snapshots import team_state

OWNER, ADMIN, MEMBER = PartnerRole.OWNER, PartnerRole.ADMIN, PartnerRole.MEMBER


@pytest.fixture
def team(db):
    """Brightwave: Olga (owner), Adam (admin), Max (member). Northstar: Nina (owner)."""
    partner = PartnerFactory(name="Brightwave Agency")
    other = PartnerFactory(name="Northstar Partners")

    def member(partner, role, email):
        return MemberFactory(partner=partner, role=role, user__username=email)

    return {
        "partner": partner,
        "olga": member(partner, OWNER, "olga@brightwave.test"),
        "adam": member(partner, ADMIN, "adam@brightwave.test"),
        "max": member(partner, MEMBER, "max@brightwave.test"),
        "other": other,
        "nina": member(other, OWNER, "nina@northstar.test"),
    }


def roles(partner) -> list[tuple[str, str]]:
    return list(
        PartnerMember.objects.filter(partner=partner)
        .order_by("user__email")
        .values_list("user__email", "role")
    )


def last_audit() -> AuditEvent:
    return AuditEvent.objects.order_by("-id").first()


# --- Partners ------------------------------------------------------------------------------------


def test_creating_a_partner_is_audited(db):
    partner = partner_create(name="Copperleaf", deployed_on=dt.date(2026, 10, 1))

    partner.refresh_from_db()
    assert (partner.name, partner.deployed_on) == ("Copperleaf", dt.date(2026, 10, 1))
    assert len(partner.invite_code) == 12
    event = last_audit()
    assert (event.action, event.partner, event.after) == (
        "partner.created",
        partner,
        {"name": "Copperleaf", "deployed_on": "2026-10-01", "kind": "agency"},
    )


def test_invite_codes_are_unique_in_the_database(db):
    first = PartnerFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Partner.objects.create(
            name="Copy", deployed_on=dt.date(2026, 1, 1), invite_code=first.invite_code
        )


def test_a_person_is_in_a_team_at_most_once_in_the_database(team):
    with pytest.raises(IntegrityError), transaction.atomic():
        PartnerMember.objects.create(partner=team["partner"], user=team["max"].user, role=ADMIN)


def test_a_person_may_be_in_several_teams_in_the_database(team):
    PartnerMember.objects.create(partner=team["other"], user=team["max"].user, role=MEMBER)

    assert sorted(
        PartnerMember.objects.filter(user=team["max"].user).values_list("partner__name", "role")
    ) == [("Brightwave Agency", MEMBER), ("Northstar Partners", MEMBER)]


def test_the_database_refuses_an_unknown_role(team):
    with pytest.raises(IntegrityError), transaction.atomic():
        PartnerMember.objects.filter(pk=team["max"].pk).update(role="superuser")


# --- Joining ---------------------------------------------------------------------------------
# People join only by accepting an invitation: see partnerhub/invitations/tests.


def test_joining_a_second_team_adds_it_and_makes_it_current(team):
    nina = team["nina"].user

    joined = member_join(partner=team["partner"], user=nina, role=MEMBER, invitation_id=0)

    assert [m.partner.name for m in memberships_of(nina)] == [
        "Northstar Partners",
        "Brightwave Agency",
    ]
    assert membership_of(nina) == joined
    assert list(
        AuditEvent.objects.filter(actor=nina).order_by("id").values_list("action", flat=True)
    ) == ["member.added", "people.team_switched"]


def test_joining_a_team_twice_is_refused(team):
    before = (team_state(team["partner"]), team_state(team["other"]))

    with pytest.raises(Conflict) as refused:
        member_join(partner=team["other"], user=team["nina"].user, role=MEMBER, invitation_id=0)

    assert refused.value.code == "member_exists"
    assert (team_state(team["partner"]), team_state(team["other"])) == before


# --- Changing roles --------------------------------------------------------------------------


def test_an_admin_promotes_a_member_to_admin(team):
    member_role_change(actor=team["adam"].user, member_id=team["max"].pk, role=ADMIN)

    assert roles(team["partner"]) == [
        ("adam@brightwave.test", ADMIN),
        ("max@brightwave.test", ADMIN),
        ("olga@brightwave.test", OWNER),
    ]
    event = last_audit()
    assert (event.action, event.before, event.after) == (
        "member.role_changed",
        {"role": "member"},
        {"role": "admin"},
    )


def test_an_owner_makes_another_owner(team):
    member_role_change(actor=team["olga"].user, member_id=team["adam"].pk, role=OWNER)

    assert PartnerMember.objects.get(pk=team["adam"].pk).role == OWNER


def test_setting_the_same_role_changes_nothing(team):
    before = team_state(team["partner"])

    member_role_change(actor=team["olga"].user, member_id=team["max"].pk, role=MEMBER)

    assert team_state(team["partner"]) == before


@pytest.mark.parametrize(
    ("actor", "target", "role"),
    [
        ("max", "adam", MEMBER),  # a member manages no one
        ("max", "max", ADMIN),  # not even themselves
        ("adam", "max", OWNER),  # an admin makes no owner
        ("adam", "olga", ADMIN),  # nor demotes one
    ],
)
def test_role_changes_beyond_ones_role_are_refused(team, actor, target, role):
    before = team_state(team["partner"])

    with pytest.raises(PermissionDenied):
        member_role_change(actor=team[actor].user, member_id=team[target].pk, role=role)

    assert team_state(team["partner"]) == before


def test_the_last_owner_cannot_be_demoted(team):
    before = team_state(team["partner"])

    with pytest.raises(InvalidTransition) as refused:
        member_role_change(actor=team["olga"].user, member_id=team["olga"].pk, role=ADMIN)

    assert refused.value.code == "last_owner"
    assert team_state(team["partner"]) == before


def test_an_owner_may_step_down_when_another_owner_remains(team):
    member_role_change(actor=team["olga"].user, member_id=team["adam"].pk, role=OWNER)

    member_role_change(actor=team["olga"].user, member_id=team["olga"].pk, role=MEMBER)

    assert roles(team["partner"]) == [
        ("adam@brightwave.test", OWNER),
        ("max@brightwave.test", MEMBER),
        ("olga@brightwave.test", MEMBER),
    ]


def test_a_manager_cannot_touch_another_partners_team(team):
    before = team_state(team["other"])

    with pytest.raises(NotFound):
        member_role_change(actor=team["olga"].user, member_id=team["nina"].pk, role=MEMBER)
    with pytest.raises(NotFound):
        member_remove(actor=team["olga"].user, member_id=team["nina"].pk)

    assert team_state(team["other"]) == before


def test_an_unknown_role_is_refused(team):
    before = team_state(team["partner"])

    with pytest.raises(InvalidTransition) as refused:
        member_role_change(actor=team["olga"].user, member_id=team["max"].pk, role="boss")

    assert refused.value.code == "role_invalid"
    assert team_state(team["partner"]) == before


# --- Removing --------------------------------------------------------------------------------


def test_an_admin_removes_a_member(team):
    member_remove(actor=team["adam"].user, member_id=team["max"].pk)

    assert roles(team["partner"]) == [
        ("adam@brightwave.test", ADMIN),
        ("olga@brightwave.test", OWNER),
    ]
    event = last_audit()
    assert (event.action, event.target_id, event.before) == (
        "member.removed",
        str(team["max"].pk),
        {"email": "max@brightwave.test", "role": "member"},
    )


def test_a_member_cannot_remove_anyone(team):
    before = team_state(team["partner"])

    with pytest.raises(PermissionDenied):
        member_remove(actor=team["max"].user, member_id=team["adam"].pk)

    assert team_state(team["partner"]) == before


def test_an_admin_cannot_remove_an_owner(team):
    before = team_state(team["partner"])

    with pytest.raises(PermissionDenied):
        member_remove(actor=team["adam"].user, member_id=team["olga"].pk)

    assert team_state(team["partner"]) == before


def test_the_last_owner_cannot_be_removed(team):
    before = team_state(team["partner"])

    with pytest.raises(InvalidTransition) as refused:
        member_remove(actor=team["olga"].user, member_id=team["olga"].pk)

    assert refused.value.code == "last_owner"
    assert team_state(team["partner"]) == before


def test_an_owner_removes_another_owner(team):
    member_role_change(actor=team["olga"].user, member_id=team["adam"].pk, role=OWNER)

    member_remove(actor=team["olga"].user, member_id=team["adam"].pk)

    assert roles(team["partner"]) == [
        ("max@brightwave.test", MEMBER),
        ("olga@brightwave.test", OWNER),
    ]


# --- Two owners stepping down at once ----------------------------------------------------------


def _step_down_at_once(first, second):
    """Each owner demotes a target at the same moment; returns how each call ended."""
    barrier = threading.Barrier(2)
    outcomes = [None, None]

    def demote(index, actor, target):
        try:
            barrier.wait(timeout=10)
            member_role_change(actor=actor.user, member_id=target.pk, role=MEMBER)
            outcomes[index] = "ok"
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test checks
            outcomes[index] = type(exc).__name__
        finally:
            connection.close()

    threads = [
        threading.Thread(target=demote, args=(0, *first)),
        threading.Thread(target=demote, args=(1, *second)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3",
    reason="threaded race needs concurrent connections (PostgreSQL); SQLite queues writers",
)
@pytest.mark.django_db(transaction=True)
def test_two_owners_stepping_down_at_once_leave_one_owner():
    # Several rounds on one database: each round is a new partner with exactly two owners.
    # The one who comes second is then the last owner, or was just demoted by the first.
    scenarios = [
        ("each steps down", "InvalidTransition"),
        ("each demotes the other", "PermissionDenied"),
    ]
    for round_, (how, refusal) in enumerate(scenarios * 3):
        # given a partner with two owners
        partner = PartnerFactory(name=f"Agency {round_}")
        olga = MemberFactory(partner=partner, role=OWNER, user__username=f"olga{round_}@a.test")
        adam = MemberFactory(partner=partner, role=OWNER, user__username=f"adam{round_}@a.test")
        targets = {"each steps down": (olga, adam), "each demotes the other": (adam, olga)}[how]

        # when both act at the same moment
        outcomes = _step_down_at_once((olga, targets[0]), (adam, targets[1]))

        # then one demotion won, the other was refused, and one owner is left
        assert sorted(outcomes) == sorted([refusal, "ok"]), (round_, how)
        assert PartnerMember.objects.filter(partner=partner, role=OWNER).count() == 1, round_
        assert AuditEvent.objects.filter(action="member.role_changed", partner=partner).count() == 1


def test_two_owners_stepping_down_one_after_the_other_leave_one_owner(team):
    member_role_change(actor=team["olga"].user, member_id=team["adam"].pk, role=OWNER)
    member_role_change(actor=team["olga"].user, member_id=team["olga"].pk, role=MEMBER)

    with pytest.raises(PermissionDenied):
        member_role_change(actor=team["olga"].user, member_id=team["adam"].pk, role=MEMBER)
    with pytest.raises(InvalidTransition) as refused:
        member_role_change(actor=team["adam"].user, member_id=team["adam"].pk, role=MEMBER)

    assert refused.value.code == "last_owner"
    assert PartnerMember.objects.filter(partner=team["partner"], role=OWNER).count() == 1
