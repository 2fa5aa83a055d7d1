"""Reads of the help centre: what a reader may see, articles by topic, search, helpfulness."""

from dataclasses import dataclass

from django.db.models import Count, Q

from partnerhub.help import search as fulltext
from partnerhub.help.models import (
    PUBLIC_AUDIENCES,
    Article,
    ArticleStatus,
    Audience,
    Feedback,
    Topic,
)


def audiences_for(user) -> list[str]:
    """Which articles a reader may open: signed out, those for everyone and for customers (a
    customer answering a request may not have signed in yet); signed in, all of them."""
    if user is not None and user.is_authenticated:
        return list(Audience.values)
    return [str(a) for a in PUBLIC_AUDIENCES]


def published(user):
    return Article.objects.filter(status=ArticleStatus.PUBLISHED, audience__in=audiences_for(user))


@dataclass(frozen=True)
class TopicGroup:
    topic: str
    label: str
    articles: list[Article]


def articles_by_topic(user) -> list[TopicGroup]:
    by_topic: dict[str, list[Article]] = {t: [] for t in Topic.values}
    for article in published(user).order_by("position", "number"):
        by_topic[article.topic].append(article)
    return [TopicGroup(t, Topic(t).label, items) for t, items in by_topic.items() if items]


def hidden_count(user) -> int:
    """Published articles a signed-out reader would see after signing in."""
    if user is not None and user.is_authenticated:
        return 0
    return (
        Article.objects.filter(status=ArticleStatus.PUBLISHED)
        .exclude(audience__in=PUBLIC_AUDIENCES)
        .count()
    )


def article_for_reader(*, slug: str, user) -> Article | None:
    """The published article, or None. Whether this reader may open it: ``may_read``."""
    return (
        Article.objects.filter(slug=slug, status=ArticleStatus.PUBLISHED)
        .select_related("published_version")
        .first()
    )


def may_read(article: Article, user) -> bool:
    return article.audience in audiences_for(user)


def related_for(article: Article, user) -> list[Article]:
    allowed = audiences_for(user)
    return list(
        article.related.filter(status=ArticleStatus.PUBLISHED, audience__in=allowed).order_by(
            "topic", "position"
        )
    )


@dataclass(frozen=True)
class Result:
    article: Article
    title_html: str
    snippet_html: str


def search(query: str, *, user, limit: int = 20) -> list[Result]:
    hits = fulltext.search(query, audiences=audiences_for(user), limit=limit)
    # The search read what a result shows; the articles need not be read again.
    return [
        Result(
            Article(
                pk=h.article_id, slug=h.slug, number=h.number, topic=h.topic, audience=h.audience
            ),
            h.title_html,
            h.snippet_html,
        )
        for h in hits
    ]


def answer_of(*, version_id: int, user, session_key: str) -> Feedback | None:
    """The reader's answer to this version, if they gave one."""
    if user is not None and user.is_authenticated:
        return Feedback.objects.filter(version_id=version_id, user=user).first()
    if not session_key:
        return None
    return Feedback.objects.filter(
        version_id=version_id, user__isnull=True, session_key=session_key
    ).first()


def with_helpfulness(queryset):
    """Articles with ``yes_count`` and ``no_count``: answers to any of their versions."""
    return queryset.annotate(
        yes_count=Count("versions__feedback", filter=Q(versions__feedback__helpful=True)),
        no_count=Count("versions__feedback", filter=Q(versions__feedback__helpful=False)),
    )
