"""Request parsing for the native API: JSON bodies and query strings, refusing text that no
database column can store (a NUL character, or half of a UTF-16 surrogate pair)."""

from ninja.errors import ValidationError
from ninja.parser import Parser


def _bad_text(value, loc: tuple) -> list[dict]:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return [{"type": "string_unstorable", "loc": loc, "msg": "not valid Unicode text"}]
        if "\x00" in value:
            return [{"type": "string_unstorable", "loc": loc, "msg": "NUL characters are refused"}]
        return []
    if isinstance(value, dict):
        return [e for k, v in value.items() for e in _bad_text(v, (*loc, str(k)))]
    if isinstance(value, list):
        return [e for i, v in enumerate(value) for e in _bad_text(v, (*loc, i))]
    return []


class TextSafeParser(Parser):
    def parse_body(self, request):
        data = super().parse_body(request)
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
