"""A statement's lines as CSV (the page's download and the API's)."""

from collections.abc import Iterable, Iterator

from partnerhub.core import csvfiles
from partnerhub.earnings.rules import minor_to_decimal

CSV_COLUMNS = [
    "month",
    "line",
    "account",
    "organization",
    "plan",
    "currency",
    "contact_tier",
    "list_price",
    "billed_from",
    "billed_to",
    "days_billed",
    "days_in_month",
    "amount",
    "discount_percent",
    "discount",
    "total",
    "corrects_month",
]


def _row(month, line) -> list:
    return [
        f"{month:%Y-%m}",
        line.kind,
        line.login_name,
        line.organization_name,
        line.plan,
        line.currency,
        line.contact_tier,
        str(minor_to_decimal(line.list_price_minor)),
        line.billed_from.isoformat() if line.billed_from else "",
        line.billed_to.isoformat() if line.billed_to else "",
        line.days_billed,
        line.month_days,
        str(minor_to_decimal(line.amount_minor)),
        f"{line.discount_percent:.2f}",
        str(minor_to_decimal(line.discount_minor)),
        str(minor_to_decimal(line.total_minor)),
        f"{line.corrects_month:%Y-%m}" if line.corrects_month else "",
    ]


def statement_csv(view) -> Iterator[str]:
    """Every line of a statement (closed or preview), streamed."""
    lines: Iterable = view.lines
    if hasattr(lines, "iterator"):
        lines = lines.iterator(chunk_size=2000)
    return csvfiles.stream(CSV_COLUMNS, (_row(view.month, line) for line in lines))
