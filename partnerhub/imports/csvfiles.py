"""Reading the import files: every row is checked before anything is written, and each error
names its file, line and column."""

import csv
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from partnerhub.billing.services import SUPPORTED_CURRENCIES
from partnerhub.clients.models import BillingStatus, PartnershipKind, PlanType
from partnerhub.core.text import TextError, clean_text

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


def _text(value: str, *, max_length: int = 200) -> str:
    # The rules every surface shares: one line (a name with a line break would break the
    # e-mails it appears in), nothing a column cannot store, required, at most max_length.
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
    try:
        return dt.date.fromisoformat(_text(value))
    except ValueError as exc:
        if "required" in str(exc):
            raise
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _optional_date(value: str) -> dt.date | None:
    return _date(value) if value.strip() else None


def _amount(value: str) -> int:
    text = _text(value)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount like 45.00") from None
    if not amount.is_finite() or amount <= 0:
        raise ValueError("must be a positive amount")
    if amount.as_tuple().exponent < -2:
        raise ValueError(f"{text!r} has more than two decimals")
    return int(amount * 100)


def _choice(options: list[str]) -> Callable[[str], str]:
    def parse(value: str) -> str:
        value = value.strip()
        if value not in options:
            raise ValueError(f"{value!r} is not one of {', '.join(options)}")
        return value

    return parse


def _email(value: str) -> str:
    value = _text(value, max_length=254).lower()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        raise ValueError(f"{value!r} is not an e-mail address")
    return value


def _bool(value: str) -> bool:
    value = value.strip().lower()
    if value not in ("true", "false"):
        raise ValueError(f"{value!r} is not true or false")
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


def read_file(path: Path, errors: list[ImportError_]) -> list[Row]:
    name = path.name
    expected = COLUMNS[name]
    rows: list[Row] = []
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        errors.append(ImportError_(name, 0, "", f"cannot be read: {exc.strerror}"))
        return rows
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
        except (csv.Error, UnicodeDecodeError) as exc:
            errors.append(ImportError_(name, 1, "", f"is not a readable CSV file: {exc}"))
            return rows
        if header is None:
            errors.append(ImportError_(name, 1, "", "is empty; a header row is required"))
            return rows
        header = [h.strip() for h in header]
        missing = [c for c in expected if c not in header]
        unknown = [c for c in header if c not in expected]
        if missing or unknown:
            parts = []
            if missing:
                parts.append(f"missing {', '.join(missing)}")
            if unknown:
                parts.append(f"unknown {', '.join(unknown)}")
            errors.append(
                ImportError_(
                    name, 1, "", f"header: {'; '.join(parts)} (expected {','.join(expected)})"
                )
            )
            return rows
        try:
            for line_no, raw in enumerate(reader, start=2):
                if not any(cell.strip() for cell in raw):
                    continue
                if len(raw) != len(header):
                    errors.append(
                        ImportError_(
                            name, line_no, "", f"has {len(raw)} fields, expected {len(header)}"
                        )
                    )
                    continue
                cells = dict(zip(header, raw, strict=True))
                values, ok = {}, True
                for column in expected:
                    try:
                        values[column] = PARSERS[name][column](cells[column])
                    except ValueError as exc:
                        errors.append(ImportError_(name, line_no, column, str(exc)))
                        ok = False
                if ok:
                    rows.append(Row(name, line_no, values))
        except (csv.Error, UnicodeDecodeError) as exc:
            errors.append(ImportError_(name, reader.line_num, "", f"is not readable CSV: {exc}"))
    return rows
