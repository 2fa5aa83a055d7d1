"""The roll-up report and the onboarding page of an organization with 10,000 children.

A database of its own per engine (cached; rebuilt when its marker does not match or with
``--rebuild``): one organization with 10,000 child accounts in 4 regions, a 5-step checklist
about half done (varying per child), and a year of paid invoices (one a month for every paying
child, in USD or EUR). It times:

- the roll-up report's figures as the page computes them (``reports.selectors.rollup_report``:
  accounts by status and plan, contacts, 12 months of spend per currency, onboarding), beside
  one SQL statement doing the same sums, in the same run; the two answers are cross-checked;
- the *Onboarding* page's first page and the *Reports* page, as the owner sees them (the real
  views through the full middleware stack, signed in, in-process: server time, no network).

Goals: the figures within 3× the single statement (plus 5 ms); each page p95 under 250 ms.
"""

import argparse
import datetime as dt
import os
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from rich.console import Console
from rich.table import Table

from bench.close_dataset import activate, create_if_missing, restore
from bench.engines import BENCH_DIR, Engine
from bench.timing import Stats, measure

NAME = "rollup"
TITLE = "Roll-up report and onboarding (an organization with 10,000 children)"
DATASET_VERSION = 1
CHILDREN = 10_000
MONTHS = 12
TODAY = dt.date(2026, 11, 26)
OWNER = "olga.owner@rollup-bench.example"
GOAL_RATIO = 3.0
GOAL_SLACK_MS = 5.0
GOAL_PAGE_P95_MS = 250.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument_group("rollup")


@dataclass(frozen=True)
class RollupDatabase:
    engine: Engine
    name: str

    @property
    def url(self) -> str:
        if self.engine.is_sqlite:
            return f"sqlite:///{self.name}"
        parts = urlsplit(self.engine.url)
        return urlunsplit(parts._replace(path=f"/{self.name}"))

    @property
    def marker(self) -> str:
        return f"rollup-bench-v{DATASET_VERSION}-{CHILDREN}"


def database(engine: Engine) -> RollupDatabase:
    if engine.is_sqlite:
        return RollupDatabase(engine, str(BENCH_DIR / "rollup.sqlite3"))
    return RollupDatabase(engine, urlsplit(engine.url).path.lstrip("/") + "_rollup")


def _h(n: int, salt: int) -> int:
    """A small deterministic hash, so both engines hold the same rows."""
    return ((n * 2_654_435_761 + salt * 40_503) % 2_147_483_647) % 1000


def _month_starts() -> list[dt.date]:
    from partnerhub.reports.selectors import month_starts

    return month_starts(last=TODAY, months=MONTHS)


def _load(console: Console) -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from partnerhub.billing.models import Invoice
    from partnerhub.clients.models import BillingStatus, ClientAccount, PartnershipKind, PlanType
    from partnerhub.onboarding import checks
    from partnerhub.onboarding.models import OnboardingStep, StepCompletion
    from partnerhub.onboarding.services import step_create
    from partnerhub.organizations.models import AccountGroup
    from partnerhub.partners.models import (
        MemberVisibility,
        Partner,
        PartnerKind,
        PartnerMember,
        PartnerRole,
    )

    db_marker = f"rollup-bench-v{DATASET_VERSION}-{CHILDREN}"
    start = time.perf_counter()
    with transaction.atomic():
        org = Partner.objects.create(
            name="Rollup Bench Bakeries",
            kind=PartnerKind.ORGANIZATION,
            # As every organization: its group managers see their groups' accounts only.
            member_visibility=MemberVisibility.ASSIGNED,
            deployed_on=dt.date(2024, 1, 1),
            external_id=db_marker,
        )
        user = get_user_model().objects.create(username=OWNER, email=OWNER, first_name="Olga")
        PartnerMember.objects.create(partner=org, user=user, role=PartnerRole.OWNER)
        groups = [
            AccountGroup.objects.create(partner=org, name=n)
            for n in ("North", "South", "East", "West")
        ]
        signed = dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC)
        plans = [PlanType.BRONZE, PlanType.SILVER, PlanType.GOLD]
        accounts = []
        for n in range(1, CHILDREN + 1):
            roll = _h(n, 1)
            trial = roll < 80
            cancelled = 80 <= roll < 130
            accounts.append(
                ClientAccount(
                    organization_name=f"Bench Bakery {n:05d}",
                    owner_name=f"Owner {n:05d}",
                    login_name=f"rollupbench{n:05d}",
                    contact_email=f"owner{n:05d}@rollup-bench.example",
                    contact_count=100 + _h(n, 2) * 7,
                    plan_type=PlanType.TRIAL if trial else plans[n % 3],
                    billing_status=BillingStatus.TRIAL
                    if trial
                    else BillingStatus.CANCELED
                    if cancelled
                    else BillingStatus.OPEN,
                    signed_up_at=signed,
                    converted_at=None if trial else signed + dt.timedelta(days=14),
                    currency="EUR" if n % 5 == 0 else "USD",
                    partner=org,
                    partnership_kind=PartnershipKind.MANAGED,
                    partnered_on=signed.date(),
                    group=groups[n % 4],
                    single_bill=True,
                )
            )
        ClientAccount.objects.bulk_create(accounts, batch_size=2000)
        ids = list(
            ClientAccount.objects.filter(partner=org).order_by("id").values_list("pk", "currency")
        )
        steps = [
            step_create(partner=org, title="Choose a plan", check=checks.PLAN_CHOSEN),
            step_create(partner=org, title="Invite a colleague", check=checks.FIRST_USER_INVITED),
            step_create(partner=org, title="Import your contacts"),
            step_create(partner=org, title="Send a first campaign"),
            step_create(partner=org, title="Set up the welcome e-mail"),
        ]
        now = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)
        completions = []
        for i, (pk, _) in enumerate(ids, start=1):
            # About half done: a child has done its first k steps, k from 0 to 5.
            for step in steps[: _h(i, 3) % 6]:
                completions.append(
                    StepCompletion(
                        step=step,
                        account_id=pk,
                        completed_at=now,
                        completed_by_label="Bench",
                        recorded_at=now,
                    )
                )
        StepCompletion.objects.bulk_create(completions, batch_size=5000)
        invoices = []
        for i, (pk, currency) in enumerate(ids, start=1):
            if _h(i, 1) < 80:  # trials pay nothing
                continue
            for m, month in enumerate(_month_starts()):
                invoices.append(
                    Invoice(
                        external_id=f"rollup-{pk}-{m}",
                        account_id=pk,
                        paid_on=month + dt.timedelta(days=_h(i, m) % 25),
                        amount_minor=1500 + _h(i, m + 10) * 13,
                        currency=currency,
                    )
                )
        Invoice.objects.bulk_create(invoices, batch_size=5000)
        assert OnboardingStep.objects.filter(partner=org).count() == 5
    console.print(
        f"Loaded {CHILDREN:,} children, {len(completions):,} completions and "
        f"{len(invoices):,} invoices in {time.perf_counter() - start:.0f} s"
    )


def _ensure(db: RollupDatabase, console: Console, *, rebuild: bool) -> int:
    from django.core.management import call_command
    from django.db import connection

    from partnerhub.partners.models import Partner

    create_if_missing(db, rebuild=rebuild)
    activate(db)
    call_command("migrate", interactive=False, verbosity=0)
    org = Partner.objects.filter(external_id=db.marker).first()
    if org is None:
        if Partner.objects.exists():
            console.print("[yellow]The cached roll-up database does not match; rebuilding it.[/]")
            connection.close()
            create_if_missing(db, rebuild=True)
            call_command("migrate", interactive=False, verbosity=0)
        console.print(f"Building the roll-up data on {db.engine.label} (cached afterwards)…")
        _load(console)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        org = Partner.objects.get(external_id=db.marker)
    return org.pk


def baseline_sql(postgres: bool) -> str:
    """One statement doing the report's sums: spend per month and currency, accounts by
    status and plan, contacts, and the onboarding steps done."""
    month = "to_char(i.paid_on, 'YYYY-MM')" if postgres else "strftime('%%Y-%%m', i.paid_on)"
    return f"""
        SELECT 'spend', {month}, i.currency, SUM(i.amount_minor)
          FROM billing_invoice i JOIN clients_clientaccount a ON a.id = i.account_id
         WHERE a.partner_id = %s AND i.paid_on >= %s AND i.paid_on <= %s
         GROUP BY {month}, i.currency
        UNION ALL
        SELECT 'status', billing_status, plan_type, COUNT(*)
          FROM clients_clientaccount WHERE partner_id = %s GROUP BY billing_status, plan_type
        UNION ALL
        SELECT 'contacts', '', '', SUM(contact_count) FROM clients_clientaccount
         WHERE partner_id = %s
        UNION ALL
        SELECT 'done', '', '', COUNT(*)
          FROM onboarding_stepcompletion c
          JOIN onboarding_onboardingstep s ON s.id = c.step_id
          JOIN clients_clientaccount a ON a.id = c.account_id
         WHERE s.partner_id = %s AND s.removed_at IS NULL AND a.partner_id = %s
    """


def _baseline(partner_id: int):
    from django.db import connection

    sql = baseline_sql(connection.vendor == "postgresql")
    first = _month_starts()[0]
    params = [partner_id, first, TODAY, partner_id, partner_id, partner_id, partner_id]

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


def _cross_check(partner_id: int, rows) -> None:
    from partnerhub.reports.selectors import rollup_report

    report = rollup_report(partner_id=partner_id, months=MONTHS, today=TODAY)
    spend = {(f"{m.month:%Y-%m}", c): v for m in report.months for c, v in m.spend.items() if v}
    expected = {(r[1], r[2]): int(r[3]) for r in rows if r[0] == "spend"}
    status = {(r[1], r[2]): int(r[3]) for r in rows if r[0] == "status"}
    contacts = next(int(r[3]) for r in rows if r[0] == "contacts")
    done = next(int(r[3]) for r in rows if r[0] == "done")
    problems = []
    if spend != expected:
        problems.append("spend")
    if status != report.by_status_plan:
        problems.append("accounts by status and plan")
    if contacts != report.contacts:
        problems.append("contacts")
    if done != report.onboarding.done_steps:
        problems.append("onboarding")
    if problems:
        raise RuntimeError(f"the report and the single statement differ: {', '.join(problems)}")


def run(engine: Engine, options: argparse.Namespace, console: Console) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from partnerhub.reports.selectors import rollup_report

    db = database(engine)
    before_name = connection.settings_dict["NAME"]
    try:
        partner_id = _ensure(db, console, rebuild=options.rebuild)
        baseline = _baseline(partner_id)
        _cross_check(partner_id, baseline())
        client = Client()
        client.force_login(
            get_user_model().objects.get(username=OWNER),
            backend="django.contrib.auth.backends.ModelBackend",
        )
        pages = {
            "onboarding": reverse("partner-onboarding"),
            "reports": reverse("partner-reports"),
        }
        for url in pages.values():
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
        load_before = os.getloadavg()
        with console.status(f"Timing the roll-up on {engine.label}…"):
            base = measure(baseline, warmup=options.warmup, repeat=options.repeat)
            figures = measure(
                lambda: rollup_report(partner_id=partner_id, months=MONTHS, today=TODAY),
                warmup=options.warmup,
                repeat=options.repeat,
            )
            onboarding = measure(
                lambda: client.get(pages["onboarding"]),
                warmup=options.warmup // 2,
                repeat=options.repeat // 2,
            )
            reports = measure(
                lambda: client.get(pages["reports"]),
                warmup=options.warmup // 2,
                repeat=options.repeat // 2,
            )
        load = [round(v, 2) for v in (*load_before, *os.getloadavg())]
    finally:
        restore(before_name)
    _print(console, engine, base, figures, onboarding, reports)
    load_text = {"before": load[:3], "after": load[3:]}
    figures_goal = base.p95 * GOAL_RATIO + GOAL_SLACK_MS
    return {
        "benchmark": NAME,
        "title": TITLE,
        "engine": engine.name,
        "engine_label": engine.label,
        "dataset": {"children": CHILDREN, "months": MONTHS},
        "load": load_text,
        "goals": [
            {
                "case": "Roll-up figures (10,000 children, 12 months)",
                "figure": f"p95 {figures.p95:.1f} ms (median {figures.median:.1f})",
                "baseline": f"one statement p95 {base.p95:.1f} ms (median {base.median:.1f})",
                "goal": f"p95 ≤ {GOAL_RATIO:.0f}× statement + {GOAL_SLACK_MS:.0f} ms",
                "ok": figures.p95 <= figures_goal,
                "load": load_text,
            },
            {
                "case": "Onboarding page, first page",
                "figure": f"p95 {onboarding.p95:.1f} ms (median {onboarding.median:.1f})",
                "goal": f"p95 < {GOAL_PAGE_P95_MS:.0f} ms",
                "ok": onboarding.p95 < GOAL_PAGE_P95_MS,
                "load": load_text,
            },
            {
                "case": "Reports page",
                "figure": f"p95 {reports.p95:.1f} ms (median {reports.median:.1f})",
                "goal": f"p95 < {GOAL_PAGE_P95_MS:.0f} ms",
                "ok": reports.p95 < GOAL_PAGE_P95_MS,
                "load": load_text,
            },
        ],
        "cases": {
            "baseline": base.as_dict(),
            "figures": figures.as_dict(),
            "onboarding_page": onboarding.as_dict(),
            "reports_page": reports.as_dict(),
        },
    }


def _print(console, engine, base: Stats, figures: Stats, onboarding: Stats, reports: Stats):
    table = Table(
        title=f"Roll-up on {engine.label}: {CHILDREN:,} children, {MONTHS} months; milliseconds",
        title_justify="left",
    )
    for column in ("Case", "Runs", "Median", "p95", "Max"):
        table.add_column(column, justify="left" if column == "Case" else "right")
    for label, s in (
        ("One SQL statement doing the same sums", base),
        ("Roll-up figures (the report's queries)", figures),
        ("Onboarding page, first page", onboarding),
        ("Reports page", reports),
    ):
        table.add_row(label, str(s.n), f"{s.median:.1f}", f"{s.p95:.1f}", f"{s.max:.1f}")
    console.print(table)
    console.print(f"Figures / statement (median): {figures.median / max(base.median, 0.001):.1f}×")
