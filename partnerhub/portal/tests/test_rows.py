"""The rows of *My accounts* are written without the template engine: every value must still be
escaped once, whichever parts of the row are drawn."""

import html

import pytest

from partnerhub.portal.rows import row_html

HOSTILE = "<script>alert('x')</script> & \"quoted\""


def _row(**changes) -> dict:
    row = {
        "id": HOSTILE,
        "encoded_account_id": HOSTILE,
        "organization_name": HOSTILE,
        "login_name": HOSTILE,
        "owner_name": HOSTILE,
        "contact_email": HOSTILE,
        "is_managed": False,
        "level": "",
        "level_label": "",
        "status_label": HOSTILE,
        "status_slug": HOSTILE,
        "contacts": HOSTILE,
        "last_login": (HOSTILE, HOSTILE),
        "moved": (HOSTILE, HOSTILE),
        "pending": {"label": HOSTILE, "title": HOSTILE, "sent": HOSTILE, "expires": HOSTILE},
        "show_group": True,
        "group": HOSTILE,
        "url": HOSTILE,
        "request_url": HOSTILE,
        "cancel_url": HOSTILE,
    }
    return row | changes


@pytest.mark.parametrize(
    ("changes", "can_act"),
    [
        ({}, True),
        ({}, False),
        ({"pending": None}, True),
        ({"pending": None, "is_managed": True, "level": HOSTILE, "level_label": HOSTILE}, True),
    ],
)
def test_every_value_of_a_row_is_escaped_once(changes, can_act):
    markup = row_html(_row(**changes), csrf_token=HOSTILE, next_url=HOSTILE, can_act=can_act)

    assert "<script>" not in markup
    assert '"quoted"' not in markup
    assert "&amp;lt;" not in markup  # not escaped twice
    assert html.escape(HOSTILE) in markup
