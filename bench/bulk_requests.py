"""A bulk request for 500 accounts: *Request permission to manage* from the selection bar of My
accounts, and ``manage_requests_create_bulk`` underneath it.

The data (built once in the bench database, beside the other benchmarks' programs): a partner
with a team of three and 600 referred accounts, each with its owner. Each timed run asks 500 of
them for Marketing for 90 days, with a message, inside a transaction that is rolled back at its
end, so that every run finds the same 500 accounts without a request (the e-mails and notices of
a run are written in it, and go with it):

- the page: the portal's POST of the selection (``send``) through Django's test client, as the
  overlay's button sends it, the result page rendered;
- the service: ``manage_requests_create_bulk`` alone, the same 500 accounts.

Goal: the page answers in under 2 s on each engine.

``python -m bench bulk --engine sqlite|postgres|both [--bulk-repeat N]``.
"""

import argparse
import datetime as dt
import os

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bench.engines import Engine
from bench.timing import measure

NAME = "bulk"
TITLE = "Bulk request (500 accounts at once)"
GOAL_SECONDS = 2.0
ACCOUNTS = 600
ASKED = 500
PARTNER_CODE = "bench-bulk-requests"
MEMBER = "bulk-bench@partner.test"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("bulk")
    group.add_argument("--bulk-repeat", type=int, default=5, help="timed runs (%(default)s)")


class _Rollback(Exception):
    """Ends a timed run's transaction without keeping what it wrote."""


def _program() -> tuple[int, list[int]]:
    """The partner's member and its referred accounts, built on first use."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from partnerhub.clients.models import BillingStatus, ClientAccount, PlanType
    from partnerhub.partners.models import Partner, PartnerMember, PartnerRole
    from partnerhub.partnerships.models import PartnershipSource
    from partnerhub.partnerships.services import Credit, partnerships_credit_bulk

    user_model = get_user_model()
    partner = Partner.objects.filter(invite_code=PARTNER_CODE).first()
    if partner is None:
        with transaction.atomic():
            partner = Partner.objects.create(
                name="Bulk Bench Agency", deployed_on=dt.date(2024, 1, 1), invite_code=PARTNER_CODE
            )
            for n, email in enumerate(
                (MEMBER, "bulk-bench-2@partner.test", "bulk-bench-3@partner.test")
            ):
                user = user_model.objects.create(
                    username=email, email=email, first_name=f"Member{n}"
                )
                PartnerMember.objects.create(
                    partner=partner,
                    user=user,
                    role=PartnerRole.OWNER if n == 0 else PartnerRole.MEMBER,
                )
            owners = user_model.objects.bulk_create(
                user_model(
                    username=f"bulk-owner-{i:04d}@client.test",
                    email=f"bulk-owner-{i:04d}@client.test",
                )
                for i in range(ACCOUNTS)
            )
            if owners[0].pk is None:  # backends that do not return ids from a bulk insert
                owners = list(
                    user_model.objects.filter(username__startswith="bulk-owner-").order_by(
                        "username"
                    )
                )
            signed = dt.datetime(2025, 1, 10, 9, 0, tzinfo=dt.UTC)
            ClientAccount.objects.bulk_create(
                ClientAccount(
                    organization_name=f"Bulk Client {i:04d}",
                    owner_name=f"Owner {i:04d}",
                    login_name=f"bulkclient{i:04d}",
                    contact_email=owner.email,
                    owner=owner,
                    plan_type=PlanType.SILVER,
                    billing_status=BillingStatus.OPEN,
                    signed_up_at=signed,
                    converted_at=signed + dt.timedelta(days=20),
                )
                for i, owner in enumerate(owners)
            )
            ids = list(
                ClientAccount.objects.filter(login_name__startswith="bulkclient")
                .order_by("login_name")
                .values_list("pk", flat=True)
            )
            partnerships_credit_bulk(
                credits=[Credit(partner.pk, pk, dt.date(2025, 3, 1)) for pk in ids],
                source=PartnershipSource.INVITE_LINK,
            )
    member = PartnerMember.objects.get(partner=partner, user__username=MEMBER)
    ids = list(
        ClientAccount.objects.filter(partner=partner, partnership_kind="referred")
        .order_by("organization_name")
        .values_list("pk", flat=True)[:ASKED]
    )
    if len(ids) != ASKED:
        raise RuntimeError("the bulk bench partner has fewer referred accounts than it needs")
    return member.user_id, ids


def run(engine: Engine, options: argparse.Namespace, console: Console) -> dict:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction
    from django.test import Client
    from django.urls import reverse

    from partnerhub.access.models import ManageRequest
    from partnerhub.access.services import manage_requests_create_bulk

    call_command("migrate", interactive=False, verbosity=0)
    user_id, ids = _program()
    user = get_user_model().objects.get(pk=user_id)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    body = {
        "send": "1",
        "account": [str(pk) for pk in ids],
        "message": "As agreed, we will run your campaigns.",
        "level": "marketing",
        "duration": "90",
        "next": reverse("partner-accounts"),
    }
    url = reverse("partner-requests-bulk")
    outcome = {}

    def page():
        try:
            with transaction.atomic():
                response = client.post(url, body)
                if response.status_code != 200 or b"500 requests sent" not in response.content:
                    raise RuntimeError(f"the bulk page answered {response.status_code}")
                outcome["page"] = ManageRequest.objects.filter(account_id__in=ids).count()
                raise _Rollback
        except _Rollback:
            pass

    def service():
        try:
            with transaction.atomic():
                results = manage_requests_create_bulk(
                    actor=user,
                    account_ids=ids,
                    message=body["message"],
                    level="marketing",
                    duration_days=90,
                )
                outcome["service"] = sum(1 for r in results if r.request is not None)
                raise _Rollback
        except _Rollback:
            pass

    repeat = options.bulk_repeat
    load_before = os.getloadavg()
    with console.status(f"Timing a bulk request for {ASKED} accounts on {engine.label}…"):
        page_stats = measure(page, warmup=1, repeat=repeat)
        service_stats = measure(service, warmup=1, repeat=repeat)
    load_after = os.getloadavg()
    if outcome != {"page": ASKED, "service": ASKED}:
        raise RuntimeError(f"a run did not ask all {ASKED} accounts: {outcome}")
    if ManageRequest.objects.filter(account_id__in=ids).exists():
        raise RuntimeError("a timed run left requests behind")

    table = Table(
        title=(
            f"Bulk request on {engine.label}: {ASKED} referred accounts, Marketing for 90 days; "
            f"{repeat} timed runs after 1 warm-up, seconds"
        ),
        title_justify="left",
        header_style="bold",
    )
    for column in (
        "Case",
        "Median",
        "p95",
        "Min",
        "Max",
        "Per account (median)",
        f"< {GOAL_SECONDS:.0f} s",
    ):
        table.add_column(column, justify="left" if column == "Case" else "right")
    for label, stats, goal in (
        ("Page: POST of the selection, result page", page_stats, True),
        ("Service: manage_requests_create_bulk", service_stats, False),
    ):
        ok = stats.p95 / 1000 < GOAL_SECONDS
        table.add_row(
            label,
            f"{stats.median / 1000:.2f}",
            f"{stats.p95 / 1000:.2f}",
            f"{stats.min / 1000:.2f}",
            f"{stats.max / 1000:.2f}",
            f"{stats.median / ASKED:.2f} ms",
            (Text("PASS", style="bold green") if ok else Text("FAIL", style="bold red"))
            if goal
            else Text("—"),
        )
    console.print(table)
    console.print(
        f"Machine load (1, 5, 15 min): before {' '.join(f'{x:.2f}' for x in load_before)}, "
        f"after {' '.join(f'{x:.2f}' for x in load_after)}; {os.cpu_count()} CPUs."
    )
    return {
        "benchmark": NAME,
        "engine": engine.name,
        "engine_label": engine.label,
        "accounts": ASKED,
        "page": page_stats.as_dict(),
        "service": service_stats.as_dict(),
        "load": {"before": load_before, "after": load_after},
        "goals": [
            {
                "case": f"bulk request, {ASKED} accounts (page, p95)",
                "figure": f"{page_stats.p95 / 1000:.2f} s",
                "goal": f"< {GOAL_SECONDS:.0f} s",
                "ok": page_stats.p95 / 1000 < GOAL_SECONDS,
            }
        ],
    }
