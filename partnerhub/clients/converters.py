"""The URL converter of an account id, for the pages and both APIs: ``<account_id:...>`` in
Django paths, ``{account_id:...}`` in Ninja paths. An id is at most 32 printable characters
without a slash or whitespace (what the column holds); anything else, such as a NUL character
that PostgreSQL cannot compare, matches no URL and answers the surface's own 404."""

from django.urls import register_converter


class AccountIdConverter:
    regex = r"[^/\s\x00-\x1f\x7f]{1,32}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(AccountIdConverter, "account_id")
