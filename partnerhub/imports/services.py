"""``import_directory``: load partners, accounts, partnerships, invoices and refunds from CSV
files, all or nothing. Every row is validated (alone, against the other files and against what
is already stored) before the first write. A row whose id was imported before with the same
values changes nothing; the same id with other values is an error."""

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Sum

from partnerhub.audit import events
from partnerhub.audit.services import audit_record
from partnerhub.billing.models import Invoice, Refund
from partnerhub.clients.models import BillingStatus, ClientAccount, PartnershipKind, PlanType
from partnerhub.imports.csvfiles import ORDER, ImportError_, Row, read_file
from partnerhub.partners.models import Partner
from partnerhub.partnerships.models import KindChangeCause, PartnershipSource
from partnerhub.partnerships.services import (
    open_partnership_lock,
    partnership_credit,
    partnership_kind_set,
)

User = get_user_model()


class ImportFailed(Exception):
    def __init__(self, errors: list[ImportError_]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


@dataclass
class ImportResult:
    created: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)


def _midnight(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC) if day else None


class _Plan:
    """What the files hold, checked; ``apply`` writes it."""

    def __init__(self, rows: dict[str, list[Row]]):
        self.rows = rows
        self.errors: list[ImportError_] = []
        self.result = ImportResult()

    def error(self, row: Row, column: str, message: str) -> None:
        self.errors.append(ImportError_(row.file, row.line, column, message))

    def _unique(self, name: str, column: str) -> list[Row]:
        seen: dict[str, int] = {}
        keep = []
        for row in self.rows.get(name, []):
            key = row.values[column]
            if key in seen:
                self.error(row, column, f"{key!r} appears twice (first on line {seen[key]})")
                continue
            seen[key] = row.line
            keep.append(row)
        return keep

    def _differs(self, row: Row, stored: dict) -> None:
        for column, value in stored.items():
            if row.values[column] != value:
                self.error(
                    row,
                    column,
                    f"{row.values[column]!r} differs from {value!r} imported before under the same id",
                )

    def check(self) -> None:
        self.partners = self._check_partners()
        self.accounts = self._check_accounts()
        self.partnerships = self._check_partnerships()
        self.invoices = self._check_invoices()
        self.refunds = self._check_refunds()

    # --- partners ----------------------------------------------------------------------------
    def _check_partners(self) -> list[Row]:
        new = []
        existing = {
            p.external_id: p
            for p in Partner.objects.filter(
                external_id__in=[r.values["partner_id"] for r in self.rows.get("partners.csv", [])]
            )
        }
        for row in self._unique("partners.csv", "partner_id"):
            p = existing.get(row.values["partner_id"])
            if p is None:
                new.append(row)
            else:
                self._differs(row, {"name": p.name, "deployed_on": p.deployed_on})
                self._count_unchanged("partners")
        self.partner_ids = {r.values["partner_id"] for r in self.rows.get("partners.csv", [])}
        return new

    def _count_unchanged(self, what: str) -> None:
        self.result.unchanged[what] = self.result.unchanged.get(what, 0) + 1

    def _partner_known(self, ident: str) -> bool:
        return ident in self.partner_ids or Partner.objects.filter(external_id=ident).exists()

    # --- accounts ----------------------------------------------------------------------------
    def _check_accounts(self) -> list[Row]:
        rows = self._unique("accounts.csv", "account_id")
        existing = {
            a.external_id: a
            for a in ClientAccount.objects.filter(
                external_id__in=[r.values["account_id"] for r in rows]
            )
        }
        new = []
        for row in rows:
            v = row.values
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
            a = existing.get(v["account_id"])
            if a is None:
                new.append(row)
                continue
            self._differs(
                row,
                {
                    "organization_name": a.organization_name,
                    "owner_name": a.owner_name,
                    "owner_email": a.contact_email,
                    "signed_up_on": a.signed_up_at.date(),
                    "converted_on": a.converted_at.date() if a.converted_at else None,
                    "plan_type": a.plan_type,
                    "billing_status": a.billing_status,
                    "currency": a.currency,
                    "single_bill": a.single_bill,
                },
            )
            self._count_unchanged("accounts")
        self.account_currency = {r.values["account_id"]: r.values["currency"] for r in rows}
        return new

    def _account_currency(self, ident: str) -> str | None:
        if ident in self.account_currency:
            return self.account_currency[ident]
        return (
            ClientAccount.objects.filter(external_id=ident)
            .values_list("currency", flat=True)
            .first()
        )

    # --- partnerships ------------------------------------------------------------------------
    def _check_partnerships(self) -> list[Row]:
        rows = self._unique("partnerships.csv", "account_id")
        new = []
        for row in rows:
            v = row.values
            if not self._partner_known(v["partner_id"]):
                self.error(
                    row, "partner_id", f"no partner {v['partner_id']!r} in partners.csv or stored"
                )
            if self._account_currency(v["account_id"]) is None:
                self.error(
                    row, "account_id", f"no account {v['account_id']!r} in accounts.csv or stored"
                )
                continue
            if v["managed_on"] is not None:
                if v["kind"] != PartnershipKind.MANAGED:
                    self.error(row, "managed_on", "is given but kind is referred")
                elif v["managed_on"] <= v["moved_on"]:
                    self.error(
                        row, "managed_on", "must be later than moved_on (else leave it empty)"
                    )
            account = (
                ClientAccount.objects.filter(external_id=v["account_id"])
                .select_related("partner")
                .first()
            )
            if account is None or account.partner_id is None:
                new.append(row)
                continue
            stored_managed_on = (
                account.partnerships.get(ended_at__isnull=True)
                .kind_changes.filter(kind=PartnershipKind.MANAGED)
                .values_list("effective_at", flat=True)
                .first()
            )
            managed_on = stored_managed_on.date() if stored_managed_on else None
            if managed_on == account.partnered_on:
                managed_on = None
            self._differs(
                row,
                {
                    "partner_id": account.partner.external_id,
                    "kind": account.partnership_kind,
                    "moved_on": account.partnered_on,
                    "managed_on": managed_on,
                },
            )
            self._count_unchanged("partnerships")
        return new

    # --- invoices and refunds ----------------------------------------------------------------
    def _check_invoices(self) -> list[Row]:
        rows = self._unique("invoices.csv", "invoice_id")
        existing = {
            i.external_id: i
            for i in Invoice.objects.filter(
                external_id__in=[r.values["invoice_id"] for r in rows]
            ).select_related("account")
        }
        new = []
        for row in rows:
            v = row.values
            currency = self._account_currency(v["account_id"])
            if currency is None:
                self.error(
                    row, "account_id", f"no account {v['account_id']!r} in accounts.csv or stored"
                )
                continue
            if currency != v["currency"]:
                self.error(row, "currency", f"the account is billed in {currency}")
            i = existing.get(v["invoice_id"])
            if i is None:
                new.append(row)
                continue
            self._differs(
                row,
                {
                    "account_id": i.account.external_id,
                    "paid_on": i.paid_on,
                    "amount": i.amount_minor,
                    "currency": i.currency,
                },
            )
            self._count_unchanged("invoices")
        self.invoice_rows = {r.values["invoice_id"]: r for r in rows}
        return new

    def _check_refunds(self) -> list[Row]:
        rows = self._unique("refunds.csv", "refund_id")
        existing = {
            r.external_id: r
            for r in Refund.objects.filter(
                external_id__in=[r.values["refund_id"] for r in rows]
            ).select_related("invoice")
        }
        # What was refunded before, on the invoices these rows refund, counts towards the limit.
        refunded_before = dict(
            Refund.objects.filter(invoice__external_id__in={r.values["invoice_id"] for r in rows})
            .values("invoice__external_id")
            .annotate(total=Sum("amount_minor"))
            .values_list("invoice__external_id", "total")
        )
        refunded: dict[str, int] = {}
        new = []
        for row in rows:
            v = row.values
            stored = existing.get(v["refund_id"])
            if stored is not None:
                self._differs(
                    row,
                    {
                        "invoice_id": stored.invoice.external_id,
                        "refunded_on": stored.refunded_on,
                        "amount": stored.amount_minor,
                    },
                )
                self._count_unchanged("refunds")
                continue
            inv_row = self.invoice_rows.get(v["invoice_id"])
            already = refunded_before.get(v["invoice_id"], 0)
            if inv_row is not None:
                paid_on, amount = inv_row.values["paid_on"], inv_row.values["amount"]
            else:
                inv = Invoice.objects.filter(external_id=v["invoice_id"]).first()
                if inv is None:
                    self.error(
                        row,
                        "invoice_id",
                        f"no invoice {v['invoice_id']!r} in invoices.csv or stored",
                    )
                    continue
                paid_on, amount = inv.paid_on, inv.amount_minor
            if v["refunded_on"] < paid_on:
                self.error(row, "refunded_on", f"is before the invoice was paid ({paid_on})")
            total = refunded.get(v["invoice_id"], already) + v["amount"]
            if total > amount:
                self.error(row, "amount", "refunds of this invoice would exceed its amount")
            refunded[v["invoice_id"]] = total
            new.append(row)
        return new

    # --- writing -----------------------------------------------------------------------------
    def apply(self) -> ImportResult:
        created = self.result.created
        partners = {}
        for row in self.partners:
            v = row.values
            partner = Partner.objects.create(
                name=v["name"], deployed_on=v["deployed_on"], external_id=v["partner_id"]
            )
            audit_record(
                actor=None,
                action=events.PARTNER_CREATED,
                target=partner,
                partner=partner,
                after={
                    "name": partner.name,
                    "deployed_on": v["deployed_on"].isoformat(),
                    "imported": True,
                },
            )
            partners[v["partner_id"]] = partner
        created["partners"] = len(self.partners)
        for row in self.accounts:
            v = row.values
            owner = User.objects.filter(username=v["owner_email"]).first()
            if owner is None:
                # The customer signs in after choosing a password through "Forgot your password?".
                owner = User(username=v["owner_email"], email=v["owner_email"])
                owner.set_unusable_password()
                owner.save()
            account = ClientAccount.objects.create(
                external_id=v["account_id"],
                organization_name=v["organization_name"],
                owner_name=v["owner_name"],
                login_name=_login_name(v["account_id"]),
                contact_email=v["owner_email"],
                owner=owner,
                plan_type=v["plan_type"],
                billing_status=v["billing_status"],
                currency=v["currency"],
                single_bill=v["single_bill"],
                signed_up_at=_midnight(v["signed_up_on"]),
                converted_at=_midnight(v["converted_on"]),
            )
            audit_record(
                actor=None,
                action=events.ACCOUNT_CREATED,
                target=account,
                account=account,
                after={"external_id": account.external_id, "imported": True},
            )
        created["accounts"] = len(self.accounts)
        for row in self.partnerships:
            v = row.values
            partner = partners.get(v["partner_id"]) or Partner.objects.get(
                external_id=v["partner_id"]
            )
            account = ClientAccount.objects.get(external_id=v["account_id"])
            first_kind = PartnershipKind.REFERRED if v["managed_on"] else v["kind"]
            partnership_credit(
                partner=partner,
                account=account,
                source=PartnershipSource.APPROVED_MOVE,
                moved_on=v["moved_on"],
                kind=first_kind,
                at=_midnight(v["moved_on"]),
            )
            if v["managed_on"]:
                partnership_kind_set(
                    partnership=open_partnership_lock(account_id=account.pk),
                    kind=PartnershipKind.MANAGED,
                    cause=KindChangeCause.IMPORTED,
                    at=_midnight(v["managed_on"]),
                )
        created["partnerships"] = len(self.partnerships)
        accounts = dict(
            ClientAccount.objects.filter(
                external_id__in={r.values["account_id"] for r in self.invoices}
            ).values_list("external_id", "pk")
        )
        Invoice.objects.bulk_create(
            [
                Invoice(
                    external_id=r.values["invoice_id"],
                    account_id=accounts[r.values["account_id"]],
                    paid_on=r.values["paid_on"],
                    amount_minor=r.values["amount"],
                    currency=r.values["currency"],
                )
                for r in self.invoices
            ],
            batch_size=2000,
        )
        created["invoices"] = len(self.invoices)
        invoices = dict(
            Invoice.objects.filter(
                external_id__in={r.values["invoice_id"] for r in self.refunds}
            ).values_list("external_id", "pk")
        )
        Refund.objects.bulk_create(
            [
                Refund(
                    external_id=r.values["refund_id"],
                    invoice_id=invoices[r.values["invoice_id"]],
                    refunded_on=r.values["refunded_on"],
                    amount_minor=r.values["amount"],
                )
                for r in self.refunds
            ],
            batch_size=2000,
        )
        created["refunds"] = len(self.refunds)
        return self.result


def _login_name(account_id: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "", account_id.lower())[:40] or "account"
    name = f"acct{base}"
    while len(name) < 6:
        name += "0"
    suffix, candidate = 1, name
    while ClientAccount.objects.filter(login_name=candidate).exists():
        suffix += 1
        candidate = f"{name}{suffix}"
    return candidate


def import_directory(directory: Path) -> ImportResult:
    directory = Path(directory)
    if not directory.is_dir():
        raise ImportFailed([ImportError_(str(directory), 0, "", "is not a directory")])
    errors: list[ImportError_] = []
    rows = {
        name: read_file(directory / name, errors) for name in ORDER if (directory / name).exists()
    }
    if not rows and not errors:
        raise ImportFailed(
            [ImportError_(str(directory), 0, "", f"holds none of {', '.join(ORDER)}")]
        )
    plan = _Plan(rows)
    if not errors:
        plan.check()
        errors = plan.errors
    if errors:
        raise ImportFailed(errors)
    with transaction.atomic():
        return plan.apply()
