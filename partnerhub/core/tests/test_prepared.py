"""Statements kept per shape are proved before they are kept, and give what the ORM gives."""

import datetime as dt

import pytest
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext

from partnerhub.clients.models import ClientAccount
from partnerhub.core import prepared
from partnerhub.tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(db):
    return [
        AccountFactory(organization_name=name, contact_count=n, last_login_at=login)
        for name, n, login in (
            ("Alpha", 10, dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)),
            ("Bravo", 20, None),
            ("Charlie", 30, dt.datetime(2026, 5, 6, 7, 8, 9, tzinfo=dt.UTC)),
        )
    ]


def _read(shape, build, values):
    return prepared.rows(shape, build, values)


def _kept(shape) -> bool:
    return any(k[2] == shape and s is not prepared._UNKEPT for k, s in prepared._kept.items())


def by_count(values):
    return (
        ClientAccount.objects.filter(contact_count__gte=values["least"])
        .order_by("id")
        .values("organization_name", "last_login_at", "single_bill")
    )


def test_a_kept_statement_gives_the_orms_rows_with_their_types(accounts):
    first = _read("count", by_count, {"least": 20})
    assert _kept("count")
    again = _read("count", by_count, {"least": 10})

    assert first == list(by_count({"least": 20}))
    assert again == list(by_count({"least": 10}))
    assert again[0]["last_login_at"] == accounts[0].last_login_at  # a datetime, microseconds kept
    assert again[0]["single_bill"] is False


def test_a_value_the_orm_transforms_is_not_kept(accounts):
    def containing(values):
        return ClientAccount.objects.filter(organization_name__icontains=values["term"]).values(
            "id"
        )

    assert len(_read("contains", containing, {"term": "ha"})) == 2
    assert not _kept("contains")
    assert len(_read("contains", containing, {"term": "lph"})) == 1


def test_a_value_the_orm_parses_is_not_kept(accounts):
    def after(values):
        return ClientAccount.objects.filter(last_login_at__gt=values["at"]).values("id")

    assert len(_read("after", after, {"at": "2026-03-01T00:00:00+00:00"})) == 1
    assert not _kept("after")


def test_a_value_of_another_type_is_built_again(accounts):
    def named(values):
        return ClientAccount.objects.filter(organization_name=values["name"]).values("id")

    assert len(_read("named", named, {"name": "Alpha"})) == 1
    assert _kept("named")
    # None needs other SQL (IS NULL): the kept statement does not fit it
    assert _read("named", named, {"name": None}) == []
    assert len(_read("named", named, {"name": "Bravo"})) == 1


def test_a_shape_whose_sql_follows_a_value_is_not_kept(accounts):
    def branching(values):
        qs = ClientAccount.objects.all()
        if values["least"] < 1_000:  # the stand-in takes the other branch
            qs = qs.filter(contact_count__gte=values["least"])
        return qs.values("id")

    assert len(_read("branching", branching, {"least": 15})) == 2
    assert not _kept("branching")


def test_a_date_or_moment_is_kept_where_the_orm_passes_it_on_as_it_is(accounts):
    def after(values):
        return (
            ClientAccount.objects.filter(
                last_login_at__gt=values["at"], signed_up_at__date__gte=values["day"]
            )
            .order_by("id")
            .values("organization_name", "last_login_at")
        )

    aware = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    day = dt.date(2000, 1, 1)
    first = _read("moment", after, {"at": aware, "day": day})
    again = _read("moment", after, {"at": aware - dt.timedelta(days=90), "day": day})

    assert first == list(after({"at": aware, "day": day}))
    assert [r["organization_name"] for r in again] == ["Alpha", "Charlie"]
    # PostgreSQL takes dates and moments as they are; SQLite's ORM writes them as text
    assert _kept("moment") == (connection.vendor == "postgresql")


def test_a_naive_moment_does_not_fit_a_statement_proved_with_an_aware_one(accounts):
    def after(values):
        return ClientAccount.objects.filter(last_login_at__gt=values["at"]).values("id")

    aware = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    assert len(_read("aware", after, {"at": aware})) == 1
    [statement] = [s for k, s in prepared._kept.items() if k[2] == "aware"]
    if statement is not prepared._UNKEPT:  # PostgreSQL
        assert statement.fits({"at": aware + dt.timedelta(days=1)})
        assert not statement.fits({"at": aware.replace(tzinfo=None)})


# --- PostgreSQL: statements asked to be are prepared, with a generic plan ----------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


def _prepared_plans(fragment: str) -> list[tuple[int, int]]:
    """(generic, custom) plan counts of this connection's prepared statements with ``fragment``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            [f"%{fragment}%"],
        )
        return cursor.fetchall()


@postgres_only
def test_a_statement_asked_to_be_is_prepared_once_with_a_generic_plan(accounts):
    def by_contacts(values):
        return (
            ClientAccount.objects.filter(contact_count__gte=values["least"])
            .order_by("contact_count", "id")
            .values("organization_name", "last_login_at")
        )

    runs = [
        prepared.rows("prepared", by_contacts, {"least": n}, prepare=True) for n in (10, 20, 30)
    ]

    assert runs == [list(by_contacts({"least": n})) for n in (10, 20, 30)]
    assert runs[0][0]["last_login_at"] == accounts[0].last_login_at  # moments read as Django does
    [(generic, custom)] = _prepared_plans('"contact_count" >= $1')
    assert (generic, custom) == (3, 0)


@postgres_only
def test_a_statement_not_asked_to_be_is_never_prepared(accounts):
    def by_login(values):
        return ClientAccount.objects.filter(contact_count__lte=values["most"]).values("login_name")

    for most in (10, 20, 30, 40, 50, 60):
        prepared.rows("unprepared", by_login, {"most": most})

    assert _kept("unprepared")
    assert _prepared_plans('"contact_count" <= $1') == []


@postgres_only
def test_djangos_own_statements_are_neither_counted_nor_kept_by_psycopg(accounts):
    """Bound on the client, with their values in the text, they can never be prepared: psycopg
    would otherwise keep the text of the last hundred of them."""
    for pk in range(200):
        ClientAccount.objects.filter(pk=pk, login_name=f"{'x' * 500}{pk}").exists()
    for _ in range(6):  # the same text more often than psycopg's threshold
        ClientAccount.objects.filter(pk=1).exists()

    manager = connection.connection._prepared
    assert manager._counts == {}
    assert not any(b"clientlogin" in key[0] or b"xxxx" in key[0] for key in manager._names)


@postgres_only
def test_a_deallocate_run_through_django_still_ends_psycopgs_prepared_statements(accounts):
    def by_contacts(values):
        return (
            ClientAccount.objects.filter(contact_count__gte=values["least"])
            .order_by("id")
            .values("organization_name")
        )

    first = prepared.rows("deallocated", by_contacts, {"least": 10}, prepare=True)
    assert _prepared_plans('"contact_count" >= $1')
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")

    # psycopg saw it, and prepares the statement again instead of running a name now gone.
    assert prepared.rows("deallocated", by_contacts, {"least": 10}, prepare=True) == first
    assert _prepared_plans('"contact_count" >= $1')


@postgres_only
def test_sql_the_server_cannot_type_runs_bound_on_the_client_and_the_transaction_goes_on(accounts):
    def untyped(values):
        # ``$1 IS NOT NULL`` of a text value: the server cannot tell the parameter's type
        return ClientAccount.objects.extra(
            where=["%s IS NOT NULL"], params=[values["name"]]
        ).values("id")

    with transaction.atomic():
        AccountFactory(organization_name="Delta")
        first = prepared.rows("untyped", untyped, {"name": "a"}, prepare=True)
        again = prepared.rows("untyped", untyped, {"name": "b"}, prepare=True)
        assert ClientAccount.objects.filter(organization_name="Delta").exists()

    assert len(first) == len(again) == 4
    assert _kept("untyped")
    assert _prepared_plans("IS NOT NULL") == []


@postgres_only
def test_a_failure_of_the_moment_on_the_first_try_is_raised_and_the_statement_tried_again(accounts):
    def sleeping(values):
        return ClientAccount.objects.extra(
            where=["pg_sleep(%s) IS NOT NULL"], params=[values["seconds"]]
        ).values("id")

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 50")
        with pytest.raises(OperationalError):
            prepared.rows("sleeping", sleeping, {"seconds": 1}, prepare=True)
        # the savepoint of the try was rolled back: the transaction goes on
        assert ClientAccount.objects.count() == 3
        assert prepared._server_bound == {}
        assert len(prepared.rows("sleeping", sleeping, {"seconds": 0}, prepare=True)) == 3
    assert list(prepared._server_bound.values()) == [True]


def members_of(values):
    from django.db.models import Exists, OuterRef

    from partnerhub.partners.models import PartnerMember
    from partnerhub.pricing.models import SingleBill

    return (
        PartnerMember.objects.select_related("user", "partner", "partner__single_bill")
        .filter(user_id=values["user_id"])
        .annotate(billed=Exists(SingleBill.objects.filter(partner_id=OuterRef("partner_id"))))
        .order_by("pk")
    )


def _described(member):
    """What a page reads of a member: its own columns, its related rows (from the cache, as
    ``select_related`` left them) and its annotation."""
    partner = member.partner
    single_bill = partner.single_bill if hasattr(partner, "single_bill") else None
    return (
        [getattr(member, f.attname) for f in member._meta.concrete_fields],
        member.user.email,
        [getattr(partner, f.attname) for f in partner._meta.concrete_fields],
        single_bill and single_bill.since_month,
        member.billed,
        member._state.db,
        member._state.adding,
    )


def test_a_kept_statement_of_models_gives_the_orms_instances_and_their_related_rows(db):
    from django.utils import timezone

    from partnerhub.pricing.models import SingleBill
    from partnerhub.tests.factories import MemberFactory, UserFactory

    user, other = UserFactory(), UserFactory()
    billed, plain = MemberFactory(user=user), MemberFactory(user=user)
    MemberFactory(user=other)
    SingleBill.objects.create(
        partner=billed.partner, since_month=dt.date(2026, 1, 1), enabled_at=timezone.now()
    )
    for person in (user, other, user):
        values = {"user_id": person.pk}
        expected = [_described(m) for m in members_of(values)]
        with CaptureQueriesContext(connection) as ran:
            got = [_described(m) for m in _read("members", members_of, values)]
        assert got == expected
        assert _kept("members")
        # One statement: the related rows came with it, none is read on access.
        assert len(ran) == 1
    assert [m.pk for m in _read("members", members_of, {"user_id": user.pk})] == [
        billed.pk,
        plain.pk,
    ]


def test_a_related_managers_queryset_is_not_kept(db):
    from partnerhub.tests.factories import MemberFactory

    member = MemberFactory()
    got = _read("via manager", lambda values: member.partner.members.all(), {"id": member.pk})
    assert got == [member]
    assert not _kept("via manager")


def test_a_known_whole_number_is_written_into_the_statement_and_nothing_else():
    statement = prepared._Statement(
        sql="SELECT 1 WHERE a = %s AND b LIKE 'x%%' AND c > %s AND d = %s",
        params=(0, 0, "constant"),
        slots=("partner_id", "after", None),
        names=("one",),
        columns=1,
        converters=(),
        types=(),
    )
    params = [7, "z", "constant"]

    assert statement.knowing({"partner_id": 7, "after": "z"}, ("partner_id",), params) == (
        "SELECT 1 WHERE a = 7 AND b LIKE 'x%%' AND c > %s AND d = %s",
        ["z", "constant"],
    )
    # Only a whole number is written; text or a truth value stays a parameter.
    for value in ("7; DROP TABLE x", True):
        values = {"partner_id": value, "after": "z"}
        assert statement.knowing(values, ("partner_id",), [value, "z", "constant"]) == (
            statement.sql,
            [value, "z", "constant"],
        )
