"""Request parsing for the Ninja APIs (the native API and V3): JSON bodies and query strings.

Refused as invalid input, before any schema or view sees it: text that no database column can
store (a NUL character, or half of a UTF-16 surrogate pair) anywhere in a body or a query
string, and a JSON body that is not an object (``null``, ``[null, null]``, a string, a number):
every body of both APIs is an object, and a body that is absent is not the same as ``null``.
"""

from ninja.errors import ValidationError
from ninja.parser import Parser

from partnerhub.core.text import unstorable_problem


def _bad_text(value, loc: tuple) -> list[dict]:
    if isinstance(value, str):
        problem = unstorable_problem(value)
        return [{"type": "string_unstorable", "loc": loc, "msg": problem}] if problem else []
    if isinstance(value, dict):
        return [e for k, v in value.items() for e in _bad_text(v, (*loc, str(k)))]
    if isinstance(value, list):
        return [e for i, v in enumerate(value) for e in _bad_text(v, (*loc, i))]
    return []


class TextSafeParser(Parser):
    def parse_body(self, request):
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise ValidationError(
                [{"type": "object_type", "loc": ("body",), "msg": "must be a JSON object"}]
            )
        errors = _bad_text(data, ("body",))
        if errors:
            raise ValidationError(errors)
        return data

    def parse_querydict(self, data, list_fields, request):
        parsed = super().parse_querydict(data, list_fields, request)
        errors = _bad_text(parsed, ("query",))
        if errors:
            raise ValidationError(errors)
        return parsed
