"""Members who see only their assigned accounts, at 100,000 accounts (of 1,000,000).

The big partner of the cached program (``bench.dataset``) lets its plain members see only the
accounts assigned to them. Two members are added once: a specialist assigned 2,000 of the
partner's 100,000 accounts, and a generalist assigned 20,000. It times *My accounts* as each
of them sees it (the first page, a page far in, a search), the owner's "Assigned to" filter,
and the team page's list of a member's accounts: the real views through the full middleware
stack, signed in (Django's test client, in-process: server time, no network).

Goal: the same as *My accounts* (``bench.accounts_list``): page p95 under 20 ms (a search under
30 ms), on SQLite and on PostgreSQL.
"""

import argparse
import os
import re
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bench.accounts_list import GOAL_P95_MS, GOAL_SEARCH_P95_MS
from bench.engines import Engine
from bench.timing import Stats, measure

NAME = "assigned"
TITLE = "Assigned accounts (1,000,000 accounts, one partner with 100,000)"
MEMBERS = (
    # username, first, last, every n-th account of the partner
    ("sky.specialist@northwind-marketing.example", "Sky", "Specialist", 50),
    ("una.generalist@northwind-marketing.example", "Una", "Generalist", 5),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("assigned")
    group.add_argument(
        "--assigned-explain",
        action="store_true",
        help="print the query plan of each case's account list statement",
    )


@dataclass
class Case:
    key: str
    label: str
    user_id: int
    url: str
    rows: int = 0
    stats: Stats | None = None
    list_sql: tuple[str, tuple] | None = None

    @property
    def goal(self) -> float:
        """*My accounts*' own goal for the same view: a search has its own."""
        return GOAL_SEARCH_P95_MS if self.key.endswith("-search") else GOAL_P95_MS


def _members(data) -> list:
    """The two members and their assignments (created once, kept in the cached database)."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from partnerhub.clients.models import ClientAccount
    from partnerhub.partners.models import (
        AccountAssignment,
        MemberVisibility,
        Partner,
        PartnerMember,
        PartnerRole,
    )
    from partnerhub.partnerships.counters import member_recount

    User = get_user_model()
    members = []
    with transaction.atomic():
        Partner.objects.filter(pk=data.partner_id).update(
            member_visibility=MemberVisibility.ASSIGNED
        )
        ids = list(
            ClientAccount.objects.filter(partner_id=data.partner_id)
            .order_by("id")
            .values_list("id", flat=True)
        )
        for username, first, last, every in MEMBERS:
            user, _ = User.objects.get_or_create(
                username=username,
                defaults={"email": username, "first_name": first, "last_name": last},
            )
            member, _ = PartnerMember.objects.get_or_create(
                user=user, defaults={"partner_id": data.partner_id, "role": PartnerRole.MEMBER}
            )
            wanted = ids[::every]
            if AccountAssignment.objects.filter(member=member).count() != len(wanted):
                AccountAssignment.objects.filter(member=member).delete()
                now = timezone.now()
                AccountAssignment.objects.bulk_create(
                    [
                        AccountAssignment(
                            partner_id=data.partner_id,
                            account_id=pk,
                            member=member,
                            assigned_at=now,
                        )
                        for pk in wanted
                    ],
                    batch_size=5000,
                )
                # Written in bulk, past the services: their counters as the services keep them.
                member_recount()
            members.append((member, len(wanted)))
    # The planner's statistics of the new rows, as the cached program's other tables have.
    with connection.cursor() as cursor:
        cursor.execute(f'ANALYZE "{AccountAssignment._meta.db_table}"')
    return members


def _capture_list_sql(client, url: str):
    """The statement that read the page's accounts, with its parameters."""
    from django.db import connection

    found = []

    def record(execute, sql, params, many, context):
        if 'FROM "clients_clientaccount"' in sql and "ORDER BY" in sql and "COUNT" not in sql:
            found.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.get(url)
    return response, (found[-1] if found else None)


def _explain(sql: str, params: tuple) -> str:
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "sqlite":
        rows = raw.execute(
            "EXPLAIN QUERY PLAN " + re.sub(r"(?<!%)%s", "?", sql).replace("%%", "%"), params
        ).fetchall()
        return "\n".join(r[3] for r in rows)
    with raw.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(r[0] for r in cursor.fetchall())


def run(engine: Engine, options: argparse.Namespace, console: Console) -> dict:
    from django.test import Client
    from django.urls import reverse

    from bench import dataset
    from partnerhub.partners.models import AccountAssignment

    data = dataset.ensure(engine, console, rebuild=options.rebuild)
    with console.status("Assigning accounts to two members (once)…"):
        (sky, sky_n), (una, una_n) = _members(data)
    accounts = reverse("partner-accounts")
    cases = [
        Case("owner-first", "Owner (sees all 100,000): first page", data.user_id, accounts),
        Case("sky-first", f"Specialist ({sky_n:,} assigned): first page", sky.user_id, accounts),
        Case("sky-deep", "Specialist: page 40", sky.user_id, accounts + "?page=40"),
        Case("sky-search", "Specialist: search “harbor”", sky.user_id, accounts + "?q=harbor"),
        Case("una-first", f"Generalist ({una_n:,} assigned): first page", una.user_id, accounts),
        Case("una-deep", "Generalist: page 400", una.user_id, accounts + "?page=400"),
        Case(
            "owner-filter",
            "Owner: “Assigned to” the generalist",
            data.user_id,
            accounts + f"?assigned={una.pk}",
        ),
        Case(
            "team-list",
            "Team page: the generalist's accounts",
            data.user_id,
            reverse("partner-team-member-accounts", args=[una.pk]),
        ),
    ]
    load_before = os.getloadavg()[0]
    clients: dict[int, Client] = {}
    with console.status(f"Timing assigned accounts on {engine.label}…") as status:
        for case in cases:
            client = clients.get(case.user_id)
            if client is None:
                from django.contrib.auth import get_user_model

                client = Client()
                client.force_login(
                    get_user_model().objects.get(pk=case.user_id),
                    backend="django.contrib.auth.backends.ModelBackend",
                )
                clients[case.user_id] = client
            status.update(case.label)
            response, case.list_sql = _capture_list_sql(client, case.url)
            if response.status_code != 200:
                raise RuntimeError(f"{case.url} answered {response.status_code}")
            shown = set(
                re.findall(r'href="/portal/accounts/([0-9a-f]{16})/"', response.content.decode())
            )
            case.rows = len(shown)
            member = una if case.key.startswith(("una", "owner", "team")) else sky
            assigned = AccountAssignment.objects.filter(
                member=member, account__encoded_account_id__in=shown
            ).count()
            if case.key == "owner-first":
                assigned = len(shown)  # the baseline: every account of the partner
            if not shown or assigned != len(shown):
                raise RuntimeError(f"{case.label}: the page shows accounts not assigned")
            case.stats = measure(
                lambda c=client, u=case.url: c.get(u), warmup=options.warmup, repeat=options.repeat
            )
    load = (load_before, os.getloadavg()[0])
    _print(console, engine, data, cases, options, load)
    if options.assigned_explain:
        for case in cases:
            if case.list_sql:
                console.print(f"[bold]{case.label}[/]\n{_explain(*case.list_sql)}\n")
    return {
        "benchmark": NAME,
        "title": TITLE,
        "engine": engine.name,
        "engine_label": engine.label,
        "dataset": {"accounts": data.accounts, "partner_accounts": data.partner_accounts},
        "load": {"before": load[0], "after": load[1]},
        "goals": [
            {
                "case": c.label,
                "figure": f"page p95 {c.stats.p95:.1f} ms (median {c.stats.median:.1f})",
                "goal": f"p95 < {c.goal:.0f} ms",
                "ok": c.stats.p95 < c.goal,
            }
            for c in cases
        ],
        "cases": {c.key: {"label": c.label, "url": c.url, **c.stats.as_dict()} for c in cases},
    }


def _print(console, engine, data, cases, options, load) -> None:
    table = Table(
        title=(
            f"Assigned accounts on {engine.label}: partner with {data.partner_accounts:,} of "
            f"{data.accounts:,} accounts; {options.repeat} timed runs after {options.warmup} "
            "warm-up, milliseconds"
        ),
        title_justify="left",
    )
    for column in ("Case", "Rows", "Median", "p95", "Max", "Goal"):
        table.add_column(column, justify="left" if column == "Case" else "right")
    for c in cases:
        ok = c.stats.p95 < c.goal
        table.add_row(
            c.label,
            str(c.rows),
            f"{c.stats.median:.1f}",
            f"{c.stats.p95:.1f}",
            f"{c.stats.max:.1f}",
            Text("PASS" if ok else "FAIL", style="bold green" if ok else "bold red"),
        )
    console.print(table)
    console.print(f"Load average (1 min) before {load[0]:.2f}, after {load[1]:.2f}")
