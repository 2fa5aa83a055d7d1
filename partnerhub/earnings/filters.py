"""The filters of a partner's earnings pages, read from a URL: the Lines page, its CSV and its
pages share them; *Would earn as managed* reads its page link here too."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from partnerhub.core.keyset import Cursor, InvalidCursor
from partnerhub.earnings.models import LedgerLine, LineType
from partnerhub.partners.selectors import visible_only

ACCOUNT_MAX_LENGTH = 100
PAGE_ORDER = "fact_on"  # pages of lines run in the order of what earned them, then by id
STALE_PAGE_LINK = "That page link no longer fits this view; showing the first page."


@dataclass(frozen=True)
class LineFilter:
    line_type: str = ""  # "" or a LineType value
    account: str = ""  # part of an account's name, or its id
    cursor: Cursor | None = None
    errors: list[str] = field(default_factory=list)
    # A member restricted to their assigned accounts (set by the surface, never from the URL).
    visible_to: int | None = None

    @property
    def active(self) -> bool:
        return bool(self.line_type or self.account)


def parse_line_filter(params) -> LineFilter:
    """Bad values fall back to "everything" and are reported, never raised."""
    errors: list[str] = []
    line_type = params.get("type") or ""
    if line_type not in ("", *LineType.values):
        errors.append("Unknown line type; showing every type.")
        line_type = ""
    account = (params.get("account") or "").strip()[:ACCOUNT_MAX_LENGTH]
    cursor = None
    token = params.get("cursor")
    if token:
        try:
            cursor = Cursor.decode(token)
            if cursor.null_segment or not isinstance(cursor.value, str):
                raise InvalidCursor("the cursor does not fit this list")
            LedgerLine._meta.get_field(PAGE_ORDER).to_python(cursor.value)
        except (InvalidCursor, ValidationError):
            cursor = None
            errors.append(STALE_PAGE_LINK)
    return LineFilter(line_type=line_type, account=account, cursor=cursor, errors=errors)


def filter_lines(lines: QuerySet, line_filter: LineFilter) -> QuerySet:
    lines = visible_only(
        lines, member_id=line_filter.visible_to, field="account_id", keep_unnamed=True
    )
    if line_filter.line_type:
        lines = lines.filter(line_type=line_filter.line_type)
    if line_filter.account:
        term = line_filter.account
        lines = lines.filter(
            Q(account__organization_name__icontains=term)
            | Q(account__encoded_account_id=term)
            | Q(account__external_id=term)
        )
    return lines


def parse_opportunity_cursor(params) -> tuple[Cursor | None, list[str]]:
    """The page link of *Would earn as managed*, whose pages run by an amount in cents."""
    token = params.get("cursor")
    if not token:
        return None, []
    try:
        cursor = Cursor.decode(token)
    except InvalidCursor:
        return None, [STALE_PAGE_LINK]
    if cursor.null_segment or type(cursor.value) is not int:
        return None, [STALE_PAGE_LINK]
    return cursor, []
