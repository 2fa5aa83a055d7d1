"""Help centre search over 2,000 published articles (plus the ones shipped with PartnerHub).

The articles are written through the help centre's own services (create, publish: the index
is filled in the publishing transaction), from a fixed vocabulary of the product's words, with
titles of 4 to 10 words and bodies of 120 to 420 words in paragraphs and numbered steps. The
data set is kept in the bench database and built once; the index is then optimised and the
tables analysed (SQLite: FTS5 ``optimize`` and ``ANALYZE``; PostgreSQL: ``VACUUM ANALYZE``).

For each query it times, interleaved round by round:

- the search: ``selectors.search`` as the page calls it (full-text query, ranking, highlights,
  the articles read back);
- the page: ``GET /help/?q=…`` through the full middleware stack, signed out (Django's test
  client, in-process);
- the baseline: what the help centre would do without a text index, a plain ``LIKE`` scan of
  every published article's title and text for every word (``icontains``), fully fetched.

Goal: search and page p95 under 50 ms on SQLite and on PostgreSQL.
"""

import argparse
import os
import random

from rich.console import Console
from rich.table import Table

from bench.engines import Engine
from bench.timing import Stats, measure_interleaved

NAME = "help"
TITLE = "Help centre search (2,000 articles)"
ARTICLES = 2_000
GOAL_P95_MS = 50.0
SLUG_PREFIX = "bench-help-"

QUERIES = [
    ("one common word", "account"),
    ("two words", "referred managed"),
    ("three words", "request permission manage"),
    ("word forms", "managing earnings"),
    ("a rare word", "clawback"),
    ("nothing matches", "zeppelin quantum"),
    ("hostile syntax", '"NEAR(title:* AND -'),
]

WORDS = [
    "account",
    "accounts",
    "partner",
    "partnership",
    "customer",
    "client",
    "referred",
    "managed",
    "manage",
    "managing",
    "request",
    "permission",
    "confirm",
    "decline",
    "cancel",
    "access",
    "full",
    "marketing",
    "reports",
    "level",
    "disclaimer",
    "earnings",
    "revenue",
    "share",
    "bonus",
    "window",
    "conversion",
    "deployment",
    "invoice",
    "refund",
    "clawback",
    "payout",
    "holding",
    "minimum",
    "balance",
    "report",
    "month",
    "close",
    "line",
    "adjustment",
    "statement",
    "currency",
    "rate",
    "terms",
    "team",
    "member",
    "owner",
    "admin",
    "invitation",
    "role",
    "webhook",
    "endpoint",
    "event",
    "delivery",
    "signature",
    "secret",
    "key",
    "scope",
    "token",
    "integration",
    "export",
    "download",
    "filter",
    "search",
    "status",
    "trial",
    "active",
    "cancelled",
    "disabled",
    "billing",
    "plan",
    "upgrade",
    "downgrade",
    "organization",
    "location",
    "brand",
    "template",
    "campaign",
    "contacts",
    "list",
    "segment",
    "newsletter",
    "audience",
    "timeline",
    "consent",
    "record",
    "settings",
    "notification",
    "email",
    "message",
    "expiry",
    "reminder",
    "dashboard",
    "page",
    "menu",
    "button",
    "overlay",
    "table",
    "column",
    "page",
    "size",
]
FILLER = [
    "the",
    "a",
    "to",
    "of",
    "and",
    "in",
    "for",
    "when",
    "your",
    "you",
    "it",
    "is",
    "on",
    "with",
    "can",
    "be",
    "as",
    "this",
    "that",
    "by",
    "at",
]
TOPICS = ["accounts", "access", "earnings", "api", "organizations"]
AUDIENCES = ["partner", "customer", "organization", "everyone"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--help-articles",
        type=int,
        default=ARTICLES,
        help="articles in the help search data set (%(default)s)",
    )


def _sentence(rng: random.Random, n: int) -> str:
    words = []
    for _ in range(n):
        words.append(rng.choice(FILLER) if rng.random() < 0.45 else rng.choice(WORDS))
    text = " ".join(words)
    return text[:1].upper() + text[1:] + "."


def _article(rng: random.Random, i: int) -> dict:
    title = _sentence(rng, rng.randint(4, 10)).rstrip(".")
    paragraphs = []
    budget = rng.randint(120, 420)
    while budget > 0:
        if rng.random() < 0.3:
            steps = [
                f"{k}. {_sentence(rng, rng.randint(6, 14))}" for k in range(1, rng.randint(3, 6))
            ]
            paragraphs.append("\n".join(steps))
            budget -= 40
        else:
            n = rng.randint(20, 60)
            paragraphs.append(
                " ".join(_sentence(rng, rng.randint(8, 16)) for _ in range(n // 12 + 1))
            )
            budget -= n
    return {
        "slug": f"{SLUG_PREFIX}{i:05d}",
        "title": title,
        "topic": TOPICS[i % len(TOPICS)],
        "audience": AUDIENCES[i % len(AUDIENCES)],
        "body": "\n\n".join(paragraphs),
    }


def _build(count: int, console: Console) -> None:
    from django.core.management import call_command
    from django.db import connection

    from partnerhub.help import services
    from partnerhub.help.models import Article

    call_command("migrate", interactive=False, verbosity=0)
    have = Article.objects.filter(slug__startswith=SLUG_PREFIX).count()
    if have >= count:
        return
    rng = random.Random(2026)
    items = [_article(rng, i) for i in range(count)]
    with console.status(f"Writing {count - have:,} help articles…"):
        existing = set(
            Article.objects.filter(slug__startswith=SLUG_PREFIX).values_list("slug", flat=True)
        )
        for item in items:
            if item["slug"] in existing:
                continue
            article = services.article_create(actor=None, **item)
            services.article_publish(actor=None, article_id=article.pk)
    with (
        console.status("Optimising the index and analysing the tables…"),
        connection.cursor() as cursor,
    ):
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE help_search")
            cursor.execute("VACUUM ANALYZE help_article")
            cursor.execute("VACUUM ANALYZE help_articleversion")
        else:
            cursor.execute("INSERT INTO help_search (help_search) VALUES ('optimize')")
            cursor.execute("ANALYZE")


def _baseline(query: str):
    from django.db.models import Q

    from partnerhub.help.models import PUBLIC_AUDIENCES, Article, ArticleStatus
    from partnerhub.help.search import words_of

    words = words_of(query)

    def run():
        condition = Q()
        for word in words:
            condition &= Q(published_version__title__icontains=word) | Q(
                published_version__body__icontains=word
            )
        return list(
            Article.objects.filter(
                condition, status=ArticleStatus.PUBLISHED, audience__in=PUBLIC_AUDIENCES
            )
            .select_related("published_version")
            .order_by("number")[:20]
        )

    return run


def run(engine: Engine, options: argparse.Namespace, console: Console) -> dict:
    from django.contrib.auth.models import AnonymousUser
    from django.test import Client

    from partnerhub.help import selectors
    from partnerhub.help.models import Article

    _build(options.help_articles, console)
    total = Article.objects.filter(status="published").count()
    load_before = os.getloadavg()
    client = Client()
    reader = AnonymousUser()
    rows = []
    for case, query in QUERIES:

        def search(query=query):
            return selectors.search(query, user=reader)

        def page(query=query):
            response = client.get("/help/", {"q": query})
            assert response.status_code == 200, response.status_code
            return response

        found = len(search())
        rounds = measure_interleaved(
            [[search], [page], [_baseline(query)]],
            warmup=options.warmup,
            repeat=options.repeat,
        )
        stats = [Stats.of([r[0] for r in group]) for group in rounds]
        rows.append(
            {
                "case": case,
                "query": query,
                "found": found,
                **dict(
                    zip(("search", "page", "baseline"), (s.as_dict() for s in stats), strict=True)
                ),
            }
        )
    load_after = os.getloadavg()
    load = (load_before[0], load_after[0])
    _print(console, engine, rows, total, load)
    worst_search = max(r["search"]["p95"] for r in rows)
    worst_page = max(r["page"]["p95"] for r in rows)
    return {
        "benchmark": NAME,
        "title": TITLE,
        "engine": engine.name,
        "engine_label": engine.label,
        "articles": total,
        "cases": rows,
        "load_average": load,
        "goals": [
            {
                "case": f"search p95, worst query ({total:,} articles)",
                "figure": f"{worst_search:.1f} ms (load {load[0]:.1f})",
                "goal": f"< {GOAL_P95_MS:.0f} ms",
                "ok": worst_search < GOAL_P95_MS,
            },
            {
                "case": "page /help/?q= p95, worst query",
                "figure": f"{worst_page:.1f} ms",
                "goal": f"< {GOAL_P95_MS:.0f} ms",
                "ok": worst_page < GOAL_P95_MS,
            },
        ],
    }


def _print(console: Console, engine: Engine, rows: list[dict], total: int, load) -> None:
    table = Table(
        title=f"{TITLE} · {engine.label} · {total:,} published articles",
        title_justify="left",
        header_style="bold",
    )
    for column in ("Case", "Query", "Found"):
        table.add_column(column)
    for column in (
        "Search median",
        "Search p95",
        "Page median",
        "Page p95",
        "LIKE scan p95",
        "LIKE / search",
    ):
        table.add_column(column, justify="right")
    for r in rows:
        table.add_row(
            r["case"],
            r["query"],
            str(r["found"]),
            f"{r['search']['median']:.2f} ms",
            f"{r['search']['p95']:.2f} ms",
            f"{r['page']['median']:.2f} ms",
            f"{r['page']['p95']:.2f} ms",
            f"{r['baseline']['p95']:.2f} ms",
            f"{r['baseline']['p95'] / max(r['search']['p95'], 0.001):.1f}×",
        )
    console.print(table)
    console.print(
        f"Load average (1 min) before and after: {load[0]:.2f} → {load[1]:.2f}; "
        f"{os.cpu_count()} CPUs.",
        style="dim",
    )
