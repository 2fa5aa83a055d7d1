"""The articles shipped with PartnerHub (``partnerhub/help/articles/*.md``) and how they get
into the database.

Each file is a header of ``key: value`` lines, a line ``---``, then the Markdown body::

    slug: move-referred-account-to-managed
    title: How to move an existing referred account to managed
    topic: accounts
    audience: partner
    position: 10
    related: what-the-customer-is-asked, how-earnings-are-calculated
    page: partner-accounts as partner | My accounts; Account type; Referred
    ---
    In the **My accounts** page ...

``page:`` lines name a page (its URL name, with a query string if need be), whose view of it (a demo person: partner,
customer, customer-asked, staff, reader) and the labels the article quotes from it; a test
renders each page for that person and finds every label (every phrase in bold must be one).

Loading is idempotent: a missing article is created and published; a shipped article whose
file changed gets a new version, published, unless staff have written a version since the last
one loaded from the file (staff's words are then kept, and the loader says so).
"""

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

ARTICLES_DIR = Path(__file__).resolve().parent / "articles"


@dataclass(frozen=True)
class PageCheck:
    url_name: str
    who: str
    labels: tuple[str, ...]
    query: str = ""  # e.g. "q=harbor": the page as a search shows it


@dataclass(frozen=True)
class ShippedArticle:
    file: str
    slug: str
    title: str
    topic: str
    audience: str
    position: int
    body: str
    related: tuple[str, ...] = ()
    pages: tuple[PageCheck, ...] = field(default=())


def _parse(path: Path) -> ShippedArticle:
    head, sep, body = path.read_text(encoding="utf-8").partition("\n---\n")
    if not sep:
        raise ValueError(f"{path.name}: no '---' line between the header and the text")
    values: dict[str, str] = {}
    pages: list[PageCheck] = []
    for line in head.splitlines():
        if not line.strip():
            continue
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key == "page":
            where, _, labels = value.partition("|")
            page, _, who = where.strip().partition(" as ")
            url_name, _, query = page.strip().partition("?")
            pages.append(
                PageCheck(
                    url_name,
                    who.strip(),
                    tuple(label.strip() for label in labels.split(";") if label.strip()),
                    query,
                )
            )
        else:
            values[key] = value
    related = tuple(s.strip() for s in values.get("related", "").split(",") if s.strip())
    return ShippedArticle(
        file=path.name,
        slug=values["slug"],
        title=values["title"],
        topic=values["topic"],
        audience=values["audience"],
        position=int(values.get("position", "100")),
        body=body.strip(),
        related=related,
        pages=tuple(pages),
    )


def shipped_articles() -> list[ShippedArticle]:
    return [_parse(path) for path in sorted(ARTICLES_DIR.glob("*.md"))]


def articles_load(*, using: str = "default", say=None) -> dict[str, int]:
    """Bring the shipped articles into the database; returns counts of what it did."""
    from partnerhub.help import search, services
    from partnerhub.help.models import Article, ArticleStatus
    from partnerhub.help.rendering import plain_text

    counts = {"created": 0, "updated": 0, "kept": 0, "unchanged": 0}
    if using != "default":
        return counts
    shipped = shipped_articles()
    with transaction.atomic():
        for item in shipped:
            article = Article.objects.filter(slug=item.slug).first()
            if article is None:
                article = services.article_create(
                    actor=None,
                    slug=item.slug,
                    title=item.title,
                    topic=item.topic,
                    audience=item.audience,
                    body=item.body,
                    position=item.position,
                    shipped=True,
                )
                services.article_publish(actor=None, article_id=article.pk, shipped=True)
                counts["created"] += 1
                continue
            latest = article.versions.order_by("-number").first()
            loaded = article.versions.filter(created_by__isnull=True).order_by("-number").first()
            if loaded and loaded.title == item.title and loaded.body == item.body:
                counts["unchanged"] += 1
            elif latest is not None and latest.created_by_id is not None:
                counts["kept"] += 1
                if say:
                    say(f"{item.slug}: kept the version staff wrote; the shipped text changed")
            else:
                services.article_version_add(
                    actor=None,
                    article_id=article.pk,
                    title=item.title,
                    body=item.body,
                    shipped=True,
                )
                if article.status != ArticleStatus.WITHDRAWN:
                    services.article_publish(actor=None, article_id=article.pk, shipped=True)
                counts["updated"] += 1
        for item in shipped:
            article = Article.objects.get(slug=item.slug)
            if not article.related.exists() and item.related:
                services.related_set(article_id=article.pk, slugs=list(item.related))
        # The index holds exactly the published articles (a test database emptied between tests
        # keeps the index table, which Django does not know of).
        search.index_clear()
        for article in Article.objects.filter(status=ArticleStatus.PUBLISHED).select_related(
            "published_version"
        ):
            version = article.published_version
            search.index_put(
                article_id=article.pk, title=version.title, body_text=plain_text(version.body)
            )
    return counts
