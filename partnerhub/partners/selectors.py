"""Reads of partner teams: who is asking, and which of the partnership's accounts they see.

The visibility rule lives here and nowhere else: owners and admins see every account of their
partnership; a plain member sees them all too, unless the partnership restricts members to the
accounts assigned to them. Every page and API that shows or acts on an account asks
``restricted_member_id`` (or ``visible_accounts``) and filters with ``visible_only``."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from partnerhub.core import prepared
from partnerhub.partners.models import (
    AccountAssignment,
    MemberVisibility,
    Partner,
    PartnerMember,
    PartnerRole,
)


def bind_to_partner(user, partner_id: int):
    """Mark ``user``, the member an API key or V3 credentials act as, for the call at hand:
    whatever they do through those credentials is done in the team the credentials were made
    for (``membership_of`` answers that team, or None once they left it), never in the team
    they switched to on the pages since."""
    user.acting_for_partner_id = partner_id
    return user


@dataclass(frozen=True)
class Teams:
    """The teams a person belongs to (``all``, in the order they joined them), the one they
    work in now (``current``, see ``membership_of``), and their own time zone as their profile
    gives it ("" for none; None when they are in no team and it was not read)."""

    all: list[PartnerMember]
    current: PartnerMember | None
    own_zone: str | None


def teams_of(user) -> Teams:
    """Everything ``membership_of`` and ``memberships_of`` answer, in one statement."""
    from partnerhub.people.models import Profile

    user_id = getattr(user, "pk", None)
    if user_id is None:
        return Teams([], None, None)

    def build(values: dict) -> QuerySet:
        profile = Profile.objects.filter(user_id=values["user_id"])
        return (
            # With each partner's Single Bill enrolment (or none), which the menu shows.
            PartnerMember.objects.select_related("partner", "partner__single_bill")
            .filter(user_id=values["user_id"])
            .annotate(
                chosen=Exists(profile.filter(current_member_id=OuterRef("pk"))),
                own_zone=Subquery(profile.values("time_zone")[:1]),
            )
            .order_by("joined_at", "pk")
        )

    # Read on every page (``teams_for_request``), by key: built once, planned once.
    members = prepared.rows("teams_of", build, {"user_id": user_id}, prepare=True)
    bound = getattr(user, "acting_for_partner_id", None)
    if bound is not None:
        current = next((m for m in members if m.partner_id == bound), None)
    else:
        current = next((m for m in members if m.chosen), members[0] if members else None)
    return Teams(members, current, (members[0].own_zone or "") if members else None)


def teams_for_request(request) -> Teams:
    """``teams_of`` the person asking, read once per request (the time zone, the page's
    permission check and the header all ask it before anything is written)."""
    teams = getattr(request, "_teams", None)
    if teams is None:
        teams = request._teams = teams_of(request.user)
    return teams


def teammates_of(membership: PartnerMember) -> list[PartnerMember]:
    """The other members of ``membership``'s team, with their users (the "Assigned to" filter
    of every list, built once)."""
    return prepared.rows(
        "teammates_of",
        lambda values: (
            PartnerMember.objects.select_related("user")
            .filter(partner_id=values["partner_id"])
            .exclude(pk=values["me"])
        ),
        {"partner_id": membership.partner_id, "me": membership.pk},
        prepare=True,
    )


def memberships_of(user) -> list[PartnerMember]:
    """Every team the person belongs to, in the order they joined them."""
    return teams_of(user).all


def membership_of(user) -> PartnerMember | None:
    """The team the person works in now, or None (customers, staff, anonymous): the team
    their credentials were made for when they act through an API key or V3 credentials, else
    the one they chose in the header, else (none chosen, or they left it) the first they
    joined."""
    return teams_of(user).current


def restricted_member_id(membership: PartnerMember) -> int | None:
    """The member whose assignments bound what ``membership`` sees, or None when they see
    every account of their partnership."""
    if membership.role == PartnerRole.MEMBER and sees_assigned_only(membership.partner):
        return membership.pk
    return None


def sees_assigned_only(partner: Partner) -> bool:
    """Whether the partner's plain members see only their assigned accounts: as the partner
    chose, and always in an organization (its group managers see their groups' accounts)."""
    return partner.is_organization or partner.member_visibility == MemberVisibility.ASSIGNED


def member_may_see(membership: PartnerMember, *, account_id: int) -> bool:
    """Whether ``membership`` may see (and so act on) an account of its partnership: always,
    unless they see only the accounts assigned to them."""
    member_id = restricted_member_id(membership)
    if member_id is None:
        return True
    return AccountAssignment.objects.filter(member_id=member_id, account_id=account_id).exists()


def restricted_member_id_for(
    *, partner: Partner, user_id: int, known: tuple[int, str] | None = None
) -> int | None:
    """``restricted_member_id`` for whoever an API key acts as (the member who created it).
    No query unless the partnership restricts its members, nor when the caller already read
    that member's (id, role) as ``known``."""
    if not sees_assigned_only(partner):
        return None
    if known is None:
        membership = (
            PartnerMember.objects.filter(partner_id=partner.pk, user_id=user_id)
            .only("id", "role")
            .first()
        )
        if membership is None:  # not in the team: the key is refused before it gets here
            return 0
        known = (membership.pk, membership.role)
    member_id, role = known
    return member_id if role == PartnerRole.MEMBER else None


def assigned_account_ids(*, member_id: int) -> QuerySet:
    """The ids of the accounts assigned to the member, as a subquery (one index range)."""
    return AccountAssignment.objects.filter(member_id=member_id).values("account_id")


# From this many assigned accounts on, a page of them in the list's order is read along the
# partner's sorted index, each row checked against the assignments, stopping at the page's
# end (``ordered``); below it, reading the member's accounts and sorting them is cheaper.
DENSE_ASSIGNMENTS = 1_000


def assignments_dense(*, member_id: int) -> bool:
    """Whether the member has at least ``DENSE_ASSIGNMENTS`` accounts (one index range)."""
    return AccountAssignment.objects.filter(member_id=member_id)[
        DENSE_ASSIGNMENTS - 1 : DENSE_ASSIGNMENTS
    ].exists()


def visible_only(
    qs: QuerySet,
    *,
    member_id: int | None,
    field: str = "pk",
    keep_unnamed: bool = False,
    ordered: bool = False,
) -> QuerySet:
    """``qs`` (accounts, or rows naming an account through ``field``) cut to what the member
    may see; unchanged when ``member_id`` is None (they see every account). ``keep_unnamed``
    keeps rows that name no account (``field`` empty), such as payout lines. ``ordered``
    checks each row of ``qs`` against the assignments (see ``DENSE_ASSIGNMENTS``) instead of
    reading the assigned accounts first: the same rows."""
    if member_id is None:
        return qs
    if ordered:
        seen = Q(
            Exists(
                AccountAssignment.objects.filter(member_id=member_id, account_id=OuterRef(field))
            )
        )
    else:
        seen = Q(**{f"{field}__in": assigned_account_ids(member_id=member_id)})
    if keep_unnamed:
        seen |= Q(**{f"{field}__isnull": True})
    return qs.filter(seen)


def visible_accounts(membership: PartnerMember) -> QuerySet:
    """The accounts of the membership's partnership that the member may see and act on."""
    from partnerhub.clients.models import ClientAccount

    return visible_only(
        ClientAccount.objects.filter(partner_id=membership.partner_id),
        member_id=restricted_member_id(membership),
    )


def assigned_kind_counts(*, member_id: int, partner_id: int) -> dict[str, int]:
    """How many of the partner's accounts assigned to the member are of each kind, read from
    the member's counters (``partnerships.counters``): a few rows however many accounts are
    assigned to them."""
    from partnerhub.partnerships.counters import member_kind_counts

    return member_kind_counts(member_id=member_id, partner_id=partner_id)


def account_assignees(*, account_id: int, partner_id: int) -> list[PartnerMember]:
    """The members of the partner's team assigned to the account, by name."""
    return list(
        PartnerMember.objects.filter(partner_id=partner_id, assignments__account_id=account_id)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__email")
    )


def assignment_counts(*, partner_id: int) -> dict[int, int]:
    """How many of the partnership's accounts each member is assigned, by member id (members
    with none left out), read from the members' counters."""
    from django.db.models import F, Sum

    from partnerhub.partnerships.models import MemberAccountCount

    rows = (
        MemberAccountCount.objects.filter(member__partner_id=partner_id)
        .values("member_id")
        .annotate(n=Sum(F("referred") + F("managed")))
        .order_by()
    )
    return {r["member_id"]: r["n"] for r in rows if r["n"]}


def member_display_name(member: PartnerMember) -> str:
    return member.user.get_full_name() or member.user.email
