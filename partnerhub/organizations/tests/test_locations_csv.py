"""Reading a file of locations into a preview, and creating its valid rows."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partnerhub.clients.models import ClientAccount
from partnerhub.organizations.children import (
    CSV_ROWS_MAX,
    children_create,
    locations_csv_read,
)
from partnerhub.organizations.services import group_create, organization_create
from partnerhub.tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

HEADER = "location_name,owner_name,owner_email,login_name,plan,group,tags\n"


@pytest.fixture
def org():
    organization = organization_create(name="Crumb & Co.", deployed_on=dt.date(2025, 1, 1))
    north = group_create(partner=organization, name="North")
    group_create(partner=organization, name="Lakes", parent=north)
    return organization


def read(org, text: str):
    return locations_csv_read(partner=org, content=text.encode())


def test_a_good_file_previews_every_row_and_writes_nothing(org):
    preview = read(
        org,
        HEADER
        + "Crumb Porto,Maya Loaf,maya@crumb.example,crumbporto,SILVER,North,drive-through\n"
        + 'Crumb Cork,Ann Rye,ann@crumb.example,crumbcork,,North / Lakes,"new in 2026, vip"\n',
    )
    assert preview.file_errors == []
    assert [r.line for r in preview.valid] == [2, 3]
    assert preview.rows[1].group.path == "North › Lakes"
    assert preview.rows[1].data.tags == ["new in 2026", "vip"]
    assert ClientAccount.objects.count() == 0


def test_row_errors_name_line_and_column(org):
    AccountFactory(login_name="takenname")
    preview = read(
        org,
        HEADER
        + "Crumb A,Maya,not-an-email,crumb-a1,PLATINUM,Nowhere,\n"
        + "Crumb B,Ann,ann@crumb.example,TAKENNAME,,,\n"
        + "Crumb C,Ann,ann@crumb.example,crumb-c1,,,\n"
        + "Crumb D,Ann,ann@crumb.example,CRUMB-C1,,,\n"
        + ",Ann,ann@crumb.example,abc,,,\n",
    )
    errors = {r.line: sorted(r.errors) for r in preview.rows}
    assert errors[2] == [
        ("group", "there is no group called 'Nowhere'"),
        ("owner_email", "is not a valid e-mail address"),
        ("plan", "must be one of TRIAL, BRONZE, SILVER, GOLD"),
    ]
    assert errors[3] == [("login_name", "is already in use by another account")]
    assert errors[4] == []
    assert errors[5] == [("login_name", "is also on line 4 of this file")]
    assert [c for c, _ in errors[6]] == ["location_name", "login_name"]


def test_a_wrong_header_is_one_file_error(org):
    preview = read(org, "name,owner,email\nA,B,c@d.example\n")
    assert preview.rows == []
    assert preview.file_errors[0].startswith(
        "Line 1 (the header): missing location_name, owner_name, owner_email, login_name;"
    )


def test_limits_rows_and_bytes(org):
    rows = "".join(
        f"Shop {i},Ann,ann@crumb.example,shop{i:05d},,,\n" for i in range(CSV_ROWS_MAX + 1)
    )
    preview = read(org, HEADER + rows)
    assert preview.rows == []
    assert "more than 1,000 rows" in preview.file_errors[0]
    assert "larger than" in read(org, HEADER + "x" * 600_000).file_errors[0]


def test_not_utf8_and_empty_files(org):
    assert "not UTF-8" in locations_csv_read(partner=org, content=b"\xff\xfe\x00a").file_errors[0]
    assert "empty" in read(org, "").file_errors[0]
    assert "no rows" in read(org, HEADER).file_errors[0]


def test_confirm_writes_the_valid_rows_in_one_go(org):
    preview = read(
        org,
        HEADER
        + "Crumb Porto,Maya Loaf,maya@crumb.example,crumbporto,,North,\n"
        + "Crumb Bad,Maya Loaf,bad,crumbbad1,,,\n",
    )
    made = children_create(partner=org, rows=preview.rows)
    assert [a.login_name for a in made] == ["crumbporto"]
    assert ClientAccount.objects.get().group.name == "North"


def test_confirm_writes_nothing_when_a_login_name_was_taken_since(org):
    preview = read(
        org,
        HEADER
        + "Crumb Porto,Maya Loaf,maya@crumb.example,crumbporto,,,\n"
        + "Crumb Cork,Maya Loaf,maya@crumb.example,crumbcork,,,\n",
    )
    AccountFactory(login_name="crumbcork")
    with pytest.raises(Exception, match="already in use"):
        children_create(partner=org, rows=preview.rows)
    assert not ClientAccount.objects.filter(login_name="crumbporto").exists()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(content=st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_any_bytes_give_a_preview_never_an_exception(org, content):
    preview = locations_csv_read(partner=org, content=content)
    assert preview.file_errors or preview.rows
    for row in preview.rows:
        assert row.ok == (row.data is not None)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cells=st.lists(st.text(max_size=30), min_size=7, max_size=7))
def test_any_row_is_valid_or_has_errors_by_column(org, cells):
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerow(cells)
    preview = read(org, HEADER + out.getvalue())
    for row in preview.rows:
        assert row.ok or all(
            column
            in (
                "",
                "location_name",
                "owner_name",
                "owner_email",
                "login_name",
                "plan",
                "group",
                "tags",
            )
            for column, _ in row.errors
        )
