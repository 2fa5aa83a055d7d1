"""The orjson renderer writes what Ninja's JSON renderer writes."""

import datetime as dt
import decimal
import json
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st
from ninja.renderers import JSONRenderer

from partnerhub.api.renderers import ORJSONRenderer
from partnerhub.clients.models import PartnershipKind


def test_it_writes_the_same_values_as_ninjas_renderer():
    data = {
        "at": dt.datetime(2026, 11, 26, 9, 30, 15, 123456, tzinfo=dt.UTC),
        "on": dt.date(2026, 11, 26),
        "kind": PartnershipKind.MANAGED,
        "amount": decimal.Decimal("12.50"),
        "none": None,
        "items": [{"n": 1, "name": "Café “Élan”"}],
        7: "a key that is no string",
    }
    fast = ORJSONRenderer().render(None, data, response_status=200)
    plain = JSONRenderer().render(None, data, response_status=200)
    assert json.loads(fast) == json.loads(plain)
    assert json.loads(fast)["at"] == "2026-11-26T09:30:15.123Z"


@given(
    st.one_of(
        st.datetimes(timezones=st.sampled_from([dt.UTC, ZoneInfo("Europe/Berlin")])),
        st.datetimes(),
        st.dates(),
    )
)
def test_every_date_and_moment_is_spelled_as_ninjas_renderer_spells_it(value):
    fast = ORJSONRenderer().render(None, {"v": value}, response_status=200)
    plain = JSONRenderer().render(None, {"v": value}, response_status=200)
    assert json.loads(fast) == json.loads(plain)
