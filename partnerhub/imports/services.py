"""``import_directory``: load partners, accounts, partnerships, invoices and refunds from CSV
files, all or nothing. A row whose id was imported before with the same values changes nothing;
the same id with other values is an error.

The files are read as a stream, a chunk of rows at a time, in one transaction (one import at a
time): each chunk is checked alone, against the rows before it and against what is stored (one
query per kind of lookup and chunk), and its new rows are written in batches, so that the rows
after it can refer to them. If any row of any file had an error, the transaction is rolled back
and every error is reported: all rows are applied, or none. Memory stays that of a chunk,
however long the files are.
"""

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction
from django.db.models import Max, Sum

from partnerhub.audit import events
from partnerhub.audit.services import AuditRow, audit_record_bulk
from partnerhub.billing.models import Invoice, Refund
from partnerhub.clients.models import BillingStatus, ClientAccount, PartnershipKind, PlanType
from partnerhub.core.bulk import insert_many
from partnerhub.core.locks import lock_named
from partnerhub.imports.csvfiles import ORDER, ErrorLog, ImportError_, Row, chunks, iter_rows, show
from partnerhub.partners.models import Partner
from partnerhub.partnerships.models import Partnership, PartnershipKindChange, PartnershipSource
from partnerhub.partnerships.services import Credit, partnerships_credit_bulk

User = get_user_model()

IMPORT_LOCK = "imports.import"
CHUNK_ROWS = 2000
BATCH_SIZE = 1000

# Each file's id column, and what its rows are called in the result.
KEYS = {
    "partners.csv": "partner_id",
    "accounts.csv": "account_id",
    "partnerships.csv": "account_id",
    "invoices.csv": "invoice_id",
    "refunds.csv": "refund_id",
}
# The table a file's rows land in (its ids above the import's start were written by it).
MODELS = {
    "partners.csv": Partner,
    "accounts.csv": ClientAccount,
    "partnerships.csv": Partnership,
    "invoices.csv": Invoice,
    "refunds.csv": Refund,
}


class ImportFailed(Exception):
    def __init__(self, errors: list[ImportError_], count: int | None = None):
        self.errors = errors
        self.count = len(errors) if count is None else count
        super().__init__(f"{self.count} error(s)")


@dataclass
class ImportResult:
    created: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)


def _midnight(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC) if day else None


def _what(name: str) -> str:
    return name.removesuffix(".csv")


def _login_base(account_id: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "", account_id.lower())[:40] or "account"
    return f"acct{base}".ljust(6, "0")


class _Import:
    def __init__(self, directory: Path, names: list[str]):
        self.directory = directory
        self.names = names
        self.bad_cells = ErrorLog()  # cells that do not parse
        self.problems = ErrorLog()  # rows that parse but do not fit
        self.result = ImportResult(created={_what(n): 0 for n in ORDER})
        # Rows refused for a problem, by file and id, with what later files need of them, so
        # that the rows referring to them are not blamed as well. Bounded by the errors.
        self.refused: dict[str, dict[str, tuple]] = {n: {} for n in ORDER}
        # Ids met again in a later chunk than their first line: file -> id -> [(line, column)].
        self.twice: dict[str, dict[str, list[tuple[int, str]]]] = {n: {} for n in ORDER}

    # --- the run -----------------------------------------------------------------------------
    def run(self) -> None:
        # Rows of this import get ids above these: an id met again that is stored above its
        # table's mark was written by an earlier line of the same file.
        self.mark = {
            name: model.objects.aggregate(top=Max("pk"))["top"] or 0
            for name, model in MODELS.items()
        }
        check = {
            "partners.csv": self._partners,
            "accounts.csv": self._accounts,
            "partnerships.csv": self._partnerships,
            "invoices.csv": self._invoices,
            "refunds.csv": self._refunds,
        }
        for name in self.names:
            for chunk in chunks(iter_rows(self.directory / name, self.bad_cells), CHUNK_ROWS):
                # After a cell that does not parse, the files are still read to the end, to
                # report every bad cell, but no longer checked: later rows may refer to it.
                if not self.bad_cells:
                    check[name](chunk)
        self._report_twice()

    def errors(self) -> tuple[list[ImportError_], int]:
        found = self.bad_cells.items + self.problems.items
        order = {name: index for index, name in enumerate(ORDER)}
        found.sort(key=lambda e: (order.get(e.file, -1), e.line))
        return found, self.bad_cells.count + self.problems.count

    def error(self, row: Row, column: str, message: str) -> None:
        self.problems.add(ImportError_(row.file, row.line, column, message))

    def _unchanged(self, name: str) -> None:
        what = _what(name)
        self.result.unchanged[what] = self.result.unchanged.get(what, 0) + 1

    def _first_seen(self, chunk: list[Row]) -> list[Row]:
        """The chunk's rows whose id did not come earlier in this chunk or among the refused."""
        name, column = chunk[0].file, KEYS[chunk[0].file]
        seen: dict[str, int] = {}
        keep = []
        for row in chunk:
            key = row.values[column]
            first = seen.get(key) or self.refused[name].get(key, (None,))[0]
            if first is not None:
                self.error(row, column, f"{show(key)} appears twice (first on line {first})")
                continue
            seen[key] = row.line
            keep.append(row)
        return keep

    def _written_here(self, row: Row, pk: int) -> bool:
        """Whether the stored row of this id was written by an earlier chunk of this import
        (the id appears twice in the file); it is then reported with its first line."""
        if pk <= self.mark[row.file]:
            return False
        key = row.values[KEYS[row.file]]
        self.twice[row.file].setdefault(key, []).append((row.line, KEYS[row.file]))
        return True

    def _report_twice(self) -> None:
        for name, keys in self.twice.items():
            if not keys:
                continue
            first: dict[str, int] = {}
            for row in iter_rows(self.directory / name, ErrorLog()):
                first.setdefault(row.values[KEYS[name]], row.line)
            for key, places in keys.items():
                for line, column in places:
                    self.problems.add(
                        ImportError_(
                            name,
                            line,
                            column,
                            f"{show(key)} appears twice (first on line {first.get(key, '?')})",
                        )
                    )

    def _differs(self, row: Row, stored: dict) -> None:
        for column, value in stored.items():
            if row.values[column] != value:
                mine = row.values[column]
                self.error(
                    row,
                    column,
                    f"{show(mine) if isinstance(mine, str) else repr(mine)} differs from "
                    f"{show(value) if isinstance(value, str) else repr(value)} imported before "
                    "under the same id",
                )

    # --- partners ----------------------------------------------------------------------------
    def _partners(self, chunk: list[Row]) -> None:
        rows = self._first_seen(chunk)
        stored = {
            ext: (pk, name, deployed_on)
            for ext, pk, name, deployed_on in Partner.objects.filter(
                external_id__in=[r.values["partner_id"] for r in rows]
            ).values_list("external_id", "pk", "name", "deployed_on")
        }
        new = []
        for row in rows:
            found = stored.get(row.values["partner_id"])
            if found is None:
                new.append(row)
            elif not self._written_here(row, found[0]):
                self._differs(row, {"name": found[1], "deployed_on": found[2]})
                self._unchanged(row.file)
        partners = Partner.objects.bulk_create(
            [
                Partner(
                    name=r.values["name"],
                    deployed_on=r.values["deployed_on"],
                    external_id=r.values["partner_id"],
                )
                for r in new
            ],
            batch_size=BATCH_SIZE,
        )
        audit_record_bulk(
            actor=None,
            action=events.PARTNER_CREATED,
            target_model=Partner,
            rows=[
                AuditRow(
                    target_id=p.pk,
                    partner_id=p.pk,
                    after={
                        "name": p.name,
                        "deployed_on": p.deployed_on.isoformat(),
                        "imported": True,
                    },
                )
                for p in partners
            ],
        )
        self.result.created["partners"] += len(partners)

    # --- accounts ----------------------------------------------------------------------------
    def _account_fits(self, row: Row) -> bool:
        v, before = row.values, self.problems.count
        if v["plan_type"] == PlanType.TRIAL and v["converted_on"] is not None:
            self.error(row, "converted_on", "a TRIAL account has not converted; leave it empty")
        if v["plan_type"] != PlanType.TRIAL and v["converted_on"] is None:
            self.error(
                row, "converted_on", f"a {v['plan_type']} account has converted; give the day"
            )
        if v["plan_type"] == PlanType.TRIAL and v["billing_status"] == BillingStatus.OPEN:
            self.error(row, "billing_status", "a TRIAL account is not Open")
        if v["converted_on"] and v["converted_on"] < v["signed_up_on"]:
            self.error(row, "converted_on", "is before signed_up_on")
        return self.problems.count == before

    def _accounts(self, chunk: list[Row]) -> None:
        rows = self._first_seen(chunk)
        stored = {
            a["external_id"]: a
            for a in ClientAccount.objects.filter(
                external_id__in=[r.values["account_id"] for r in rows]
            ).values(
                "external_id",
                "pk",
                "organization_name",
                "owner_name",
                "contact_email",
                "signed_up_at",
                "converted_at",
                "plan_type",
                "billing_status",
                "currency",
                "single_bill",
            )
        }
        new = []
        for row in rows:
            v = row.values
            fits = self._account_fits(row)
            a = stored.get(v["account_id"])
            if a is None:
                if fits:
                    new.append(row)
                else:
                    self.refused[row.file][v["account_id"]] = (row.line, v["currency"])
                continue
            if self._written_here(row, a["pk"]):
                continue
            self._differs(
                row,
                {
                    "organization_name": a["organization_name"],
                    "owner_name": a["owner_name"],
                    "owner_email": a["contact_email"],
                    "signed_up_on": a["signed_up_at"].date(),
                    "converted_on": a["converted_at"].date() if a["converted_at"] else None,
                    "plan_type": a["plan_type"],
                    "billing_status": a["billing_status"],
                    "currency": a["currency"],
                    "single_bill": a["single_bill"],
                },
            )
            self._unchanged(row.file)
        self._create_accounts(new)

    def _owners(self, emails: set[str]) -> dict[str, int]:
        """The customer user of each e-mail, created where there is none. The customer signs in
        after choosing a password through "Forgot your password?"."""
        owners = dict(User.objects.filter(username__in=emails).values_list("username", "pk"))
        missing = sorted(emails - owners.keys())
        if missing:
            insert_many(
                User,
                ["username", "email", "password"],
                (
                    (email, email, UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30))
                    for email in missing
                ),
            )
            owners.update(User.objects.filter(username__in=missing).values_list("username", "pk"))
        return owners

    def _login_names(self, account_ids: list[str]) -> dict[str, str]:
        bases = {ident: _login_base(ident) for ident in account_ids}
        taken = set(
            ClientAccount.objects.filter(login_name__in=set(bases.values())).values_list(
                "login_name", flat=True
            )
        )
        names = {}
        for ident, base in bases.items():
            candidate, suffix = base, 1
            while candidate in taken or (
                suffix > 1 and ClientAccount.objects.filter(login_name=candidate).exists()
            ):
                suffix += 1
                candidate = f"{base}{suffix}"
            taken.add(candidate)
            names[ident] = candidate
        return names

    def _create_accounts(self, rows: list[Row]) -> None:
        if not rows:
            return
        owners = self._owners({r.values["owner_email"] for r in rows})
        logins = self._login_names([r.values["account_id"] for r in rows])
        insert_many(
            ClientAccount,
            [
                "external_id",
                "organization_name",
                "owner_name",
                "login_name",
                "contact_email",
                "owner_id",
                "plan_type",
                "billing_status",
                "currency",
                "single_bill",
                "signed_up_at",
                "converted_at",
            ],
            (
                (
                    v["account_id"],
                    v["organization_name"],
                    v["owner_name"],
                    logins[v["account_id"]],
                    v["owner_email"],
                    owners[v["owner_email"]],
                    v["plan_type"],
                    v["billing_status"],
                    v["currency"],
                    v["single_bill"],
                    _midnight(v["signed_up_on"]),
                    _midnight(v["converted_on"]),
                )
                for v in (r.values for r in rows)
            ),
        )
        accounts = ClientAccount.objects.filter(
            external_id__in=[r.values["account_id"] for r in rows]
        ).values_list("external_id", "pk")
        audit_record_bulk(
            actor=None,
            action=events.ACCOUNT_CREATED,
            target_model=ClientAccount,
            rows=[
                AuditRow(target_id=pk, account_id=pk, after={"external_id": ext, "imported": True})
                for ext, pk in accounts
            ],
        )
        self.result.created["accounts"] += len(rows)

    # --- partnerships ------------------------------------------------------------------------
    def _partnerships(self, chunk: list[Row]) -> None:
        rows = self._first_seen(chunk)
        partners = dict(
            Partner.objects.filter(
                external_id__in={r.values["partner_id"] for r in rows}
            ).values_list("external_id", "pk")
        )
        accounts = {
            ext: (pk, partner_id, kind, partnered_on)
            for ext, pk, partner_id, kind, partnered_on in ClientAccount.objects.filter(
                external_id__in=[r.values["account_id"] for r in rows]
            ).values_list("external_id", "pk", "partner_id", "partnership_kind", "partnered_on")
        }
        credited = [a[0] for a in accounts.values() if a[1] is not None]
        open_now = {
            account_id: (pk, partner)
            for account_id, pk, partner in Partnership.objects.filter(
                account_id__in=credited, ended_at__isnull=True
            ).values_list("account_id", "pk", "partner__external_id")
        }
        managed_since: dict[int, dt.date] = {}
        for account_id, at in (
            PartnershipKindChange.objects.filter(
                partnership__account_id__in=credited,
                partnership__ended_at__isnull=True,
                kind=PartnershipKind.MANAGED,
            )
            .order_by("effective_at", "id")
            .values_list("partnership__account_id", "effective_at")
        ):
            managed_since.setdefault(account_id, at.date())
        new = []
        for row in rows:
            v, before = row.values, self.problems.count
            partner = partners.get(v["partner_id"])
            if partner is None and v["partner_id"] not in self.refused["partners.csv"]:
                self.error(
                    row,
                    "partner_id",
                    f"no partner {show(v['partner_id'])} in partners.csv or stored",
                )
            account = accounts.get(v["account_id"])
            if account is None and v["account_id"] not in self.refused["accounts.csv"]:
                self.error(
                    row,
                    "account_id",
                    f"no account {show(v['account_id'])} in accounts.csv or stored",
                )
                continue
            if v["managed_on"] is not None:
                if v["kind"] != PartnershipKind.MANAGED:
                    self.error(row, "managed_on", "is given but kind is referred")
                elif v["managed_on"] <= v["moved_on"]:
                    self.error(
                        row, "managed_on", "must be later than moved_on (else leave it empty)"
                    )
            if account is not None and account[1] is not None:
                pk, partner_ext = open_now[account[0]]
                if self._written_here(row, pk):
                    continue
                managed_on = managed_since.get(account[0])
                if managed_on == account[3]:
                    managed_on = None
                self._differs(
                    row,
                    {
                        "partner_id": partner_ext,
                        "kind": account[2],
                        "moved_on": account[3],
                        "managed_on": managed_on,
                    },
                )
                self._unchanged(row.file)
                continue
            if self.problems.count == before and partner is not None and account is not None:
                new.append(
                    Credit(
                        partner_id=partner,
                        account_id=account[0],
                        moved_on=v["moved_on"],
                        kind=v["kind"],
                        managed_on=v["managed_on"],
                    )
                )
        partnerships_credit_bulk(credits=new, source=PartnershipSource.APPROVED_MOVE)
        self.result.created["partnerships"] += len(new)

    # --- invoices and refunds ----------------------------------------------------------------
    def _invoices(self, chunk: list[Row]) -> None:
        rows = self._first_seen(chunk)
        accounts = {
            ext: (pk, currency)
            for ext, pk, currency in ClientAccount.objects.filter(
                external_id__in={r.values["account_id"] for r in rows}
            ).values_list("external_id", "pk", "currency")
        }
        stored = {
            i[0]: i
            for i in Invoice.objects.filter(
                external_id__in=[r.values["invoice_id"] for r in rows]
            ).values_list(
                "external_id", "pk", "account__external_id", "paid_on", "amount_minor", "currency"
            )
        }
        new = []
        for row in rows:
            v = row.values
            account = accounts.get(v["account_id"])
            refused_account = self.refused["accounts.csv"].get(v["account_id"])
            currency = account[1] if account else refused_account and refused_account[1]
            if currency is None:
                self.error(
                    row,
                    "account_id",
                    f"no account {show(v['account_id'])} in accounts.csv or stored",
                )
                continue
            fits = currency == v["currency"]
            if not fits:
                self.error(row, "currency", f"the account is billed in {currency}")
            found = stored.get(v["invoice_id"])
            if found is None:
                if fits and account is not None:
                    new.append((row, account[0]))
                else:
                    self.refused[row.file][v["invoice_id"]] = (row.line, v["paid_on"], v["amount"])
                continue
            if self._written_here(row, found[1]):
                continue
            self._differs(
                row,
                {
                    "account_id": found[2],
                    "paid_on": found[3],
                    "amount": found[4],
                    "currency": found[5],
                },
            )
            self._unchanged(row.file)
        insert_many(
            Invoice,
            ["external_id", "account_id", "paid_on", "amount_minor", "currency"],
            (
                (
                    r.values["invoice_id"],
                    account_id,
                    r.values["paid_on"],
                    r.values["amount"],
                    r.values["currency"],
                )
                for r, account_id in new
            ),
        )
        self.result.created["invoices"] += len(new)

    def _refunds(self, chunk: list[Row]) -> None:
        rows = self._first_seen(chunk)
        invoice_ids = {r.values["invoice_id"] for r in rows}
        stored = {
            r[0]: r
            for r in Refund.objects.filter(
                external_id__in=[r.values["refund_id"] for r in rows]
            ).values_list(
                "external_id", "pk", "invoice__external_id", "refunded_on", "amount_minor"
            )
        }
        invoices = {
            ext: (pk, paid_on, amount)
            for ext, pk, paid_on, amount in Invoice.objects.filter(
                external_id__in=invoice_ids
            ).values_list("external_id", "pk", "paid_on", "amount_minor")
        }
        # What is refunded already (before this import, or by its earlier chunks) counts
        # towards each invoice's amount.
        refunded: dict[str, int] = dict(
            Refund.objects.filter(invoice__external_id__in=invoice_ids)
            .values("invoice__external_id")
            .annotate(total=Sum("amount_minor"))
            .values_list("invoice__external_id", "total")
        )
        new = []
        for row in rows:
            v, before = row.values, self.problems.count
            found = stored.get(v["refund_id"])
            if found is not None:
                if not self._written_here(row, found[1]):
                    self._differs(
                        row,
                        {"invoice_id": found[2], "refunded_on": found[3], "amount": found[4]},
                    )
                    self._unchanged(row.file)
                continue
            invoice = invoices.get(v["invoice_id"])
            if invoice is None:
                refused = self.refused["invoices.csv"].get(v["invoice_id"])
                if refused is None:
                    self.error(
                        row,
                        "invoice_id",
                        f"no invoice {show(v['invoice_id'])} in invoices.csv or stored",
                    )
                    continue
                paid_on, amount = refused[1], refused[2]
            else:
                paid_on, amount = invoice[1], invoice[2]
            if v["refunded_on"] < paid_on:
                self.error(row, "refunded_on", f"is before the invoice was paid ({paid_on})")
            total = refunded.get(v["invoice_id"], 0) + v["amount"]
            if total > amount:
                self.error(row, "amount", "refunds of this invoice would exceed its amount")
            refunded[v["invoice_id"]] = total
            if invoice is not None and self.problems.count == before:
                new.append((row, invoice[0]))
        insert_many(
            Refund,
            ["external_id", "invoice_id", "refunded_on", "amount_minor"],
            (
                (r.values["refund_id"], invoice_id, r.values["refunded_on"], r.values["amount"])
                for r, invoice_id in new
            ),
        )
        self.result.created["refunds"] += len(new)


def import_directory(directory: Path) -> ImportResult:
    directory = Path(directory)
    if not directory.is_dir():
        raise ImportFailed([ImportError_(str(directory), 0, "", "is not a directory")])
    names = [name for name in ORDER if (directory / name).exists()]
    if not names:
        raise ImportFailed(
            [ImportError_(str(directory), 0, "", f"holds none of {', '.join(ORDER)}")]
        )
    run = _Import(directory, names)
    # One transaction (IMMEDIATE on SQLite: it holds the write lock from the start) and one
    # import at a time; an error anywhere rolls back every row written before it.
    with transaction.atomic():
        lock_named(IMPORT_LOCK)
        run.run()
        errors, count = run.errors()
        if count:
            raise ImportFailed(errors, count)
    return run.result
