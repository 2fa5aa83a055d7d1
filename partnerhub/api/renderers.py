"""The API's JSON renderer: orjson, writing exactly what Ninja's JSON renderer writes.

orjson encodes the answer several times faster than ``json.dumps`` with an encoder class; the
values it does not know itself go to Ninja's encoder (pydantic models, URLs, decimals), and so
do dates and times, so that they keep Django's spelling (milliseconds, ``Z`` for UTC).
"""

from typing import Any

import orjson
from django.http import HttpRequest
from ninja.renderers import BaseRenderer
from ninja.responses import NinjaJSONEncoder

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
_fallback = NinjaJSONEncoder().default


class ORJSONRenderer(BaseRenderer):
    media_type = "application/json"

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        return orjson.dumps(data, default=_fallback, option=_OPTIONS)
