"""Reading the import files: every row is checked before anything is written, and each error
names its file, line and column."""

import contextlib
import csv
import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from partnerhub.billing.models import MAX_AMOUNT_MINOR
from partnerhub.billing.services import SUPPORTED_CURRENCIES
from partnerhub.clients.models import BillingStatus, PartnershipKind, PlanType
from partnerhub.core.text import TextError, clean_text
from partnerhub.earnings.rules import format_minor

COLUMNS: dict[str, list[str]] = {
    "partners.csv": ["partner_id", "name", "deployed_on"],
    "accounts.csv": [
        "account_id",
        "organization_name",
        "owner_name",
        "owner_email",
        "signed_up_on",
        "converted_on",
        "plan_type",
        "billing_status",
        "currency",
        "single_bill",
    ],
    "partnerships.csv": ["partner_id", "account_id", "kind", "moved_on", "managed_on"],
    "invoices.csv": ["invoice_id", "account_id", "paid_on", "amount", "currency"],
    "refunds.csv": ["refund_id", "invoice_id", "refunded_on", "amount"],
}
# Files are applied in this order, so each may refer to the ones before it.
ORDER = list(COLUMNS)


@dataclass(frozen=True)
class ImportError_:
    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" + (f" column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class RowErrors(Exception):
    pass


@dataclass
class Row:
    file: str
    line: int
    values: dict


# Calendar days the import accepts: wide enough for any real account, narrow enough that every
# date (and a date plus a holding period) stays inside what Python and both databases hold.
FIRST_DAY = dt.date(1990, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_AMOUNT = re.compile(r"\d+(\.\d{1,2})?")


def show(value: str, limit: int = 40) -> str:
    """A cell's value quoted for a message, cut short if long."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


def _text(value: str, *, max_length: int = 200) -> str:
    """One line of text, checked as every surface checks it: NUL, line breaks (an organization
    name with CRLF) and other control characters are refused, not stripped."""
    try:
        return clean_text(value, max_length=max_length, required=True)
    except TextError as error:
        raise ValueError(error.problem) from None


def _ident(value: str) -> str:
    value = _text(value, max_length=64)
    if not re.fullmatch(r"[A-Za-z0-9._:-]+", value):
        raise ValueError("may hold only letters, digits and . _ : -")
    return value


def _date(value: str) -> dt.date:
    text = value.strip()
    if not text:
        raise ValueError("is required")
    day = None
    if _DAY.fullmatch(text):
        with contextlib.suppress(ValueError):
            day = dt.date.fromisoformat(text)
    if day is None:
        raise ValueError(f"{show(text)} is not a date (YYYY-MM-DD)")
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"{text} is not between {FIRST_DAY} and {LAST_DAY}")
    return day


def _optional_date(value: str) -> dt.date | None:
    return _date(value) if value.strip() else None


def _amount(value: str) -> int:
    text = value.strip()
    if not text:
        raise ValueError("is required")
    if not _AMOUNT.fullmatch(text):
        if re.fullmatch(r"\d+\.\d{3,}", text):
            raise ValueError(f"{show(text)} has more than two decimals")
        raise ValueError(f"{show(text)} is not an amount like 45.00")
    whole, _, cents = text.partition(".")
    minor = int(whole) * 100 + int(cents.ljust(2, "0") or 0)
    if minor <= 0:
        raise ValueError("must be a positive amount")
    if minor > MAX_AMOUNT_MINOR:
        raise ValueError(f"is more than {format_minor(MAX_AMOUNT_MINOR, '').strip()}")
    return minor


def _choice(options: list[str]) -> Callable[[str], str]:
    def parse(value: str) -> str:
        value = value.strip()
        if value not in options:
            raise ValueError(f"{show(value)} is not one of {', '.join(options)}")
        return value

    return parse


def _email(value: str) -> str:
    # The address is also the customer's user name, which holds at most 150 characters.
    value = _text(value, max_length=150).lower()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        raise ValueError(f"{show(value)} is not an e-mail address")
    return value


def _bool(value: str) -> bool:
    value = value.strip().lower()
    if value not in ("true", "false"):
        raise ValueError(f"{show(value)} is not true or false")
    return value == "true"


PARSERS: dict[str, dict[str, Callable]] = {
    "partners.csv": {"partner_id": _ident, "name": _text, "deployed_on": _date},
    "accounts.csv": {
        "account_id": _ident,
        "organization_name": _text,
        "owner_name": _text,
        "owner_email": _email,
        "signed_up_on": _date,
        "converted_on": _optional_date,
        "plan_type": _choice(PlanType.values),
        "billing_status": _choice(BillingStatus.values),
        "currency": _choice(list(SUPPORTED_CURRENCIES)),
        "single_bill": _bool,
    },
    "partnerships.csv": {
        "partner_id": _ident,
        "account_id": _ident,
        "kind": _choice(PartnershipKind.values),
        "moved_on": _date,
        "managed_on": _optional_date,
    },
    "invoices.csv": {
        "invoice_id": _ident,
        "account_id": _ident,
        "paid_on": _date,
        "amount": _amount,
        "currency": _choice(list(SUPPORTED_CURRENCIES)),
    },
    "refunds.csv": {
        "refund_id": _ident,
        "invoice_id": _ident,
        "refunded_on": _date,
        "amount": _amount,
    },
}


class ErrorLog:
    """The errors of one import, in the order they were found. Only the first ``KEPT`` are held
    (a file of a million bad rows must not fill the memory); ``count`` counts them all."""

    KEPT = 1000

    def __init__(self):
        self.items: list[ImportError_] = []
        self.count = 0

    def add(self, error: ImportError_) -> None:
        self.count += 1
        if len(self.items) < self.KEPT:
            self.items.append(error)

    def __bool__(self) -> bool:
        return self.count > 0


def iter_rows(path: Path, errors: ErrorLog) -> Iterator[Row]:
    """The rows of one file whose every cell parses, read as the file is read (never the whole
    file at once); every other row adds its errors to ``errors``."""
    name = path.name
    expected = COLUMNS[name]
    parsers = PARSERS[name]
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        errors.add(ImportError_(name, 0, "", f"cannot be read: {exc.strerror}"))
        return
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
        except (csv.Error, UnicodeDecodeError) as exc:
            errors.add(ImportError_(name, 1, "", f"is not a readable CSV file: {exc}"))
            return
        if header is None:
            errors.add(ImportError_(name, 1, "", "is empty; a header row is required"))
            return
        header = [h.strip() for h in header]
        missing = [c for c in expected if c not in header]
        unknown = [c for c in header if c not in expected]
        if missing or unknown:
            parts = []
            if missing:
                parts.append(f"missing {', '.join(missing)}")
            if unknown:
                parts.append(
                    "unknown "
                    + ", ".join(c if c.isprintable() and len(c) <= 40 else show(c) for c in unknown)
                )
            errors.add(
                ImportError_(
                    name, 1, "", f"header: {'; '.join(parts)} (expected {','.join(expected)})"
                )
            )
            return
        positions = [(column, header.index(column), parsers[column]) for column in expected]
        line_no = 1
        try:
            for raw in reader:
                # The line a row starts on (a quoted cell may span lines).
                line_no, start = reader.line_num, line_no + 1
                if not any(cell.strip() for cell in raw):
                    continue
                if len(raw) != len(header):
                    errors.add(
                        ImportError_(
                            name, start, "", f"has {len(raw)} fields, expected {len(header)}"
                        )
                    )
                    continue
                values, ok = {}, True
                for column, index, parse in positions:
                    try:
                        values[column] = parse(raw[index])
                    except ValueError as exc:
                        errors.add(ImportError_(name, start, column, str(exc)))
                        ok = False
                if ok:
                    yield Row(name, start, values)
        except (csv.Error, UnicodeDecodeError) as exc:
            errors.add(ImportError_(name, reader.line_num, "", f"is not readable CSV: {exc}"))


def chunks(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    while chunk := list(islice(rows, size)):
        yield chunk
