"""Page links (cursors) and the lock helper, as plain values (no database)."""

import datetime as dt

import pytest

from partnerhub.clients.models import ClientAccount
from partnerhub.core.keyset import Cursor, InvalidCursor
from partnerhub.core.locks import lock_one


@pytest.mark.parametrize(
    "cursor",
    [
        Cursor("Blue Bakery", 42, False, False),
        Cursor(1200, 7, False, True),
        Cursor(None, 9, True, False),
        Cursor("2025-03-01", 3, False, True),
        Cursor("Blue Bakery", 42, False, False, 25),
        Cursor(None, 9, True, True, 0),
    ],
)
def test_a_cursor_reads_back_as_written(cursor):
    assert Cursor.decode(cursor.encode()) == cursor


def test_a_cursor_keeps_the_microseconds_of_a_time():
    boundary = dt.datetime(2026, 11, 1, 9, 0, 0, 123456, tzinfo=dt.UTC)

    value = Cursor.decode(Cursor(boundary, 5, False, False).encode()).value

    assert dt.datetime.fromisoformat(value) == boundary


def test_a_cursor_is_an_opaque_url_safe_token():
    token = Cursor("Zoë & Co / ?", 5, False, False).encode()

    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@pytest.mark.parametrize(
    "token", ["", "%%%", "bm90IGpzb24", "WzEsMl0", "WyJhIiwiYiIsMCwwXQ", "W1sxXSwxLDAsMF0"]
)
def test_a_token_that_is_no_cursor_is_refused(token):
    # "bm90IGpzb24" is "not json", "WzEsMl0" is [1,2], "WyJhIiwiYiIsMCwwXQ" has a text id,
    # "W1sxXSwxLDAsMF0" has a list as its value
    with pytest.raises(InvalidCursor):
        Cursor.decode(token)


def test_a_cursor_without_a_position_keeps_its_old_form():
    # Given a cursor that does not know the position of its page (as the APIs make them)
    token = Cursor("Blue Bakery", 42, False, False).encode()

    # Then it is the four-part token links and API clients already hold
    assert Cursor.decode(token).offset is None
    assert token == "WyJCbHVlIEJha2VyeSIsIDQyLCAwLCAwXQ"


@pytest.mark.parametrize("offset", ["1", -1, 1.5, True, [1]])
def test_a_cursor_with_a_position_that_is_no_count_is_refused(offset):
    import base64
    import json

    raw = json.dumps(["Blue Bakery", 42, 0, 0, offset]).encode()
    with pytest.raises(InvalidCursor):
        Cursor.decode(base64.urlsafe_b64encode(raw).decode().rstrip("="))


def test_a_lock_outside_a_transaction_is_a_programming_error():
    with pytest.raises(RuntimeError, match="inside transaction.atomic"):
        lock_one(ClientAccount.objects.all(), pk=1)
