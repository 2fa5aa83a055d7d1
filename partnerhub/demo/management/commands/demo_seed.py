"""``partnerhub demo_seed``: loads the demo program (three partners, ~400 client accounts,
customers who can sign in, program staff) and prints the sign-ins. Loading twice is a no-op."""

import datetime as dt
import random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from partnerhub.access.disclaimers import CURRENT as DISCLAIMER
from partnerhub.access.services import (
    manage_request_cancel,
    manage_request_confirm,
    manage_request_create,
    manage_request_decline,
    partner_access_revoke,
)
from partnerhub.billing.models import Invoice
from partnerhub.billing.services import refund_record
from partnerhub.clients.models import ClientAccount, PartnershipKind
from partnerhub.core.errors import ServiceError
from partnerhub.demo import organization
from partnerhub.demo.data import DemoAccount, make_account
from partnerhub.earnings.close import month_close
from partnerhub.earnings.rules import month_end
from partnerhub.earnings.services import payout_approve, payout_mark_paid
from partnerhub.invitations.services import invitation_accept, team_invitation_create
from partnerhub.partners.models import Partner, PartnerMember, PartnerRole
from partnerhub.partners.services import accounts_assign, partner_create
from partnerhub.partnerships.models import PartnershipSource
from partnerhub.partnerships.services import partnership_credit

PASSWORD = "partnerhub-demo"
User = get_user_model()

PARTNERS = [
    # name, days since deployment, accounts, share managed, team
    (
        "Brightwave Agency",
        1900,
        320,
        0.38,
        [
            ("olivia@brightwave.example", "Olivia", "Hart", PartnerRole.OWNER),
            ("sam@brightwave.example", "Sam", "Ortiz", PartnerRole.ADMIN),
            ("lee@brightwave.example", "Lee", "Chen", PartnerRole.MEMBER),
        ],
    ),
    (
        "Northpeak Digital",
        24,
        42,
        0.2,
        [
            ("nina@northpeak.example", "Nina", "Berg", PartnerRole.OWNER),
        ],
    ),
    (
        "Copperleaf Consulting",
        430,
        26,
        0.5,
        [
            ("carl@copperleaf.example", "Carl", "Mendes", PartnerRole.OWNER),
        ],
    ),
]
UNPARTNERED = 60
ORGANIZATION_ACCOUNTS = 40
# Monthly price per plan, in cents, before the contact-count surcharge.
PRICES = {"BRONZE": 2000, "SILVER": 4500, "GOLD": 9500, "TRIAL": 0}

# Named customers of Brightwave, each in a different situation, for trying the flow.
STORY_CUSTOMERS = [
    (
        "Maple Street Bakery",
        "Dana Whitfield",
        "dana@maplestreetbakery.example",
        "referred, no request yet",
    ),
    (
        "Harbor Yoga Studio",
        "Marco Bellini",
        "marco@harboryoga.example",
        "referred, a request is waiting",
    ),
    ("Riverside Dental", "Ruth Okafor", "ruth@riversidedental.example", "managed by Brightwave"),
    ("Summit Bike Shop", "Theo Laine", "theo@summitbikes.example", "took access back"),
    (
        "Ivy Flower Studio",
        "Ivy Novak",
        "ivy@ivyflowers.example",
        "referred; Ivy also works on Brightwave's team (switch in the header)",
    ),
]


def _join_team(partner, email, first, last, role, password):
    """Program staff invite the person, and the person accepts: the same two steps as in the
    product, with the demo password already chosen."""
    invitation = team_invitation_create(
        actor=None, partner=partner, email=email, first_name=first, last_name=last, role=role
    )
    user, _ = User.objects.get_or_create(
        username=email, defaults={"email": email, "first_name": first, "last_name": last}
    )
    User.objects.filter(pk=user.pk).update(password=password)
    invitation_accept(actor=user, token=invitation.token)


class Command(BaseCommand):
    help = "Load the demo program and print the sign-ins."

    def handle(self, *args, **options):
        console = Console()
        if Partner.objects.filter(name=PARTNERS[0][0]).exists():
            console.print("[yellow]Demo data is already loaded.[/yellow]")
        else:
            self._load(console)
        self._print_sign_ins(console)

    def _load(self, console: Console) -> None:
        rng = random.Random(2026)
        today = timezone.localdate()
        password = make_password(PASSWORD)
        total = (
            sum(p[2] for p in PARTNERS) + UNPARTNERED + len(STORY_CUSTOMERS) + ORGANIZATION_ACCOUNTS
        )
        serial = 0
        with Progress(console=console, transient=False) as progress:
            step = progress.add_task("Loading demo accounts", total=total)
            User.objects.create_superuser(
                username="staff@partnerhub.example",
                email="staff@partnerhub.example",
                password=None,
                first_name="Pat",
                last_name="Program",
            )
            User.objects.filter(username="staff@partnerhub.example").update(password=password)
            for name, days, count, managed_share, team in PARTNERS:
                deployed = today - dt.timedelta(days=days)
                with transaction.atomic():
                    partner = partner_create(name=name, deployed_on=deployed)
                    for email, first, last, role in team:
                        _join_team(partner, email, first, last, role, password)
                for _ in range(count):
                    serial += 1
                    demo = make_account(
                        rng, serial, today=today, earliest=deployed - dt.timedelta(days=400)
                    )
                    self._credit(
                        rng,
                        partner,
                        demo,
                        password,
                        today=today,
                        deployed=deployed,
                        managed=rng.random() < managed_share,
                    )
                    progress.advance(step)
            for _ in range(UNPARTNERED):
                serial += 1
                demo = make_account(
                    rng, serial, today=today, earliest=today - dt.timedelta(days=900)
                )
                _create_account(demo, password)
                progress.advance(step)
            self._stories(rng, password, today)
            progress.advance(step, len(STORY_CUSTOMERS))
            organization.load(
                rng, password, today=today, join_team=_join_team, create_account=_create_account
            )
            progress.advance(step, ORGANIZATION_ACCOUNTS)
            months = self._billing(rng, today)
            closing = progress.add_task("Closing the last 12 months", total=len(months))
            for month in months:
                month_close(month=month, today=today)
                progress.advance(closing)
            self._payouts(today)

    def _credit(self, rng, partner, demo: DemoAccount, password, *, today, deployed, managed: bool):
        account = _create_account(demo, password)
        earliest = max(account.signed_up_at.date(), deployed)
        moved_on = earliest + dt.timedelta(days=rng.randint(0, max((today - earliest).days, 0)))
        moved_on = min(moved_on, today)
        partnership_credit(
            partner=partner,
            account=account,
            source=rng.choice(
                [
                    PartnershipSource.INVITE_LINK,
                    PartnershipSource.APPROVED_MOVE,
                    PartnershipSource.CREATED_BY_PARTNER,
                ]
            )
            if not managed
            else PartnershipSource.CREATED_BY_PARTNER,
            moved_on=moved_on,
            kind=PartnershipKind.MANAGED if managed else PartnershipKind.REFERRED,
            at=dt.datetime.combine(moved_on, dt.time(9, 30), dt.UTC),
        )
        return account

    def _stories(self, rng, password, today):
        brightwave = Partner.objects.get(name=PARTNERS[0][0])
        olivia = User.objects.get(username="olivia@brightwave.example")
        lee = User.objects.get(username="lee@brightwave.example")
        accounts = {}
        for i, (org, owner, email, _) in enumerate(STORY_CUSTOMERS):
            demo = make_account(rng, 9000 + i, today=today, earliest=today - dt.timedelta(days=700))
            demo.organization_name, demo.owner_name, demo.owner_email = org, owner, email
            demo.login_name = org.lower().replace(" ", "")[:40]
            demo.plan_type, demo.billing_status, demo.disabled_reason, demo.single_bill = (
                "SILVER",
                "Open",
                "",
                False,
            )
            demo.converted_at = demo.converted_at or demo.signed_up_at + dt.timedelta(days=14)
            accounts[org] = self._credit(
                rng,
                brightwave,
                demo,
                password,
                today=today,
                deployed=brightwave.deployed_on,
                managed=False,
            )
        ua = "Mozilla/5.0 (demo data)"
        # Harbor Yoga: a first request was declined, a second one is waiting.
        harbor = accounts["Harbor Yoga Studio"]
        first = manage_request_create(
            actor=lee, account_id=harbor.pk, message="Could we take over your class newsletter?"
        )
        manage_request_decline(actor=harbor.owner, request_id=first.pk)
        manage_request_create(
            actor=olivia,
            account_id=harbor.pk,
            message="Following our call on Tuesday: we'd like to run your monthly newsletter and the spring campaign.",
        )
        # Riverside Dental: asked, then confirmed by the owner.
        riverside = accounts["Riverside Dental"]
        req = manage_request_create(
            actor=olivia,
            account_id=riverside.pk,
            message="As agreed, we will manage your patient reminders.",
        )
        manage_request_confirm(
            actor=riverside.owner,
            request_id=req.pk,
            ip_address="203.0.113.24",
            user_agent=ua,
            disclaimer_version=DISCLAIMER.version,
        )
        # Summit Bike Shop: a cancelled request, then access granted and taken back.
        summit = accounts["Summit Bike Shop"]
        req = manage_request_create(actor=lee, account_id=summit.pk)
        manage_request_cancel(actor=lee, request_id=req.pk)
        req = manage_request_create(
            actor=olivia, account_id=summit.pk, message="We'd like to help with your summer sale."
        )
        manage_request_confirm(
            actor=summit.owner,
            request_id=req.pk,
            ip_address="198.51.100.7",
            user_agent=ua,
            disclaimer_version=DISCLAIMER.version,
        )
        partner_access_revoke(
            actor=summit.owner, account_id=summit.pk, ip_address="198.51.100.7", user_agent=ua
        )
        # Ivy Flower Studio: its owner accepted an invitation to Brightwave's team (two hats;
        # her account stays referred). Another invitation is still waiting for an answer.
        ivy = accounts["Ivy Flower Studio"]
        invitation = team_invitation_create(
            actor=olivia, email=ivy.owner.email, role=PartnerRole.MEMBER
        )
        invitation_accept(actor=ivy.owner, token=invitation.token)
        # Lee serves three of them: the team page, the accounts' pages and their customers'
        # Your solution provider say so.
        accounts_assign(
            actor=olivia,
            member_id=PartnerMember.objects.get(user=lee).pk,
            account_ids=[accounts["Maple Street Bakery"].pk, harbor.pk, riverside.pk],
        )
        team_invitation_create(
            actor=olivia,
            email="jordan@brightwave.example",
            first_name="Jordan",
            last_name="Reyes",
            role=PartnerRole.MEMBER,
        )

    def _billing(self, rng, today) -> list[dt.date]:
        """A year of paid invoices for every paying account, a few refunds; returns the
        months to close, oldest first."""
        first = today.replace(day=1)
        months = []
        for _ in range(12):
            first = (first - dt.timedelta(days=1)).replace(day=1)
            months.append(first)
        months.reverse()
        invoices = []
        paying = ClientAccount.objects.exclude(converted_at=None).order_by("pk")
        for account in paying:
            price = PRICES[account.plan_type] + 500 * min(account.contact_count // 1000, 6)
            day = account.converted_at.day if account.converted_at.day <= 28 else 28
            stop = today
            if account.billing_status == "Canceled":
                stop = today - dt.timedelta(days=rng.randint(40, 200))
            paid_on = account.converted_at.date()
            while paid_on < stop:
                if paid_on >= months[0]:
                    invoices.append(
                        Invoice(
                            external_id=f"INV-{account.pk:05d}-{paid_on:%Y%m}",
                            account=account,
                            paid_on=paid_on,
                            amount_minor=price,
                            currency=account.currency,
                        )
                    )
                paid_on = (paid_on.replace(day=1) + dt.timedelta(days=32)).replace(day=day)
        Invoice.objects.bulk_create(invoices, batch_size=2000)
        refunded = rng.sample(invoices, k=min(12, len(invoices)))
        for n, invoice in enumerate(refunded):
            stored = Invoice.objects.get(external_id=invoice.external_id)
            full = n % 3 == 0
            refund_record(
                external_id=f"RF-{stored.pk:06d}",
                invoice_id=stored.pk,
                refunded_on=min(stored.paid_on + dt.timedelta(days=rng.randint(2, 20)), today),
                amount_minor=stored.amount_minor if full else stored.amount_minor // 2,
            )
        return [m for m in months if month_end(m) < today]

    def _payouts(self, today) -> None:
        """Brightwave was paid once; its balance since then waits for approval."""
        staff = User.objects.get(username="staff@partnerhub.example")
        brightwave = Partner.objects.get(name=PARTNERS[0][0])
        try:
            payout = payout_approve(
                actor=staff, partner_id=brightwave.pk, currency="USD", today=today
            )
        except ServiceError:
            return
        payout_mark_paid(actor=staff, payout_id=payout.pk, reference="WIRE-2026-1107", today=today)

    def _print_sign_ins(self, console: Console) -> None:
        table = Table(
            title=f"Sign in at {settings.PARTNERHUB_BASE_URL}/ — every password is {PASSWORD}"
        )
        table.add_column("Who")
        table.add_column("E-mail")
        table.add_column("What they see")
        table.add_row(
            "Program staff", "staff@partnerhub.example", "Close and payouts; the admin at /admin/"
        )
        for name, _, count, _, team in PARTNERS:
            for email, _, _, role in team:
                extra = f", {count}+ accounts" if role == PartnerRole.OWNER else ""
                table.add_row(f"Partner {role.label.lower()}", email, f"{name}{extra}")
        for org, _, email, situation in STORY_CUSTOMERS:
            table.add_row("Customer", email, f"{org}: {situation}")
        for row in organization.sign_ins():
            table.add_row(*row)
        console.print(table)


def _create_account(demo: DemoAccount, password: str) -> ClientAccount:
    user = User.objects.create(
        username=demo.owner_email,
        email=demo.owner_email,
        password=password,
        first_name=demo.owner_name.split()[0],
        last_name=demo.owner_name.split()[-1],
    )
    return ClientAccount.objects.create(
        organization_name=demo.organization_name,
        owner_name=demo.owner_name,
        login_name=demo.login_name,
        contact_email=demo.owner_email,
        owner=user,
        contact_count=demo.contact_count,
        plan_type=demo.plan_type,
        billing_status=demo.billing_status,
        disabled_reason=demo.disabled_reason,
        single_bill=demo.single_bill,
        signed_up_at=demo.signed_up_at,
        converted_at=demo.converted_at,
        last_login_at=demo.last_login_at,
    )
