"""Every write of the help centre: articles and their versions, publishing and withdrawing
(the search index follows in the same transaction), readers' answers and missed searches."""

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from partnerhub.audit import events
from partnerhub.audit.services import audit_record
from partnerhub.core.errors import Conflict, InvalidTransition, NotFound
from partnerhub.core.locks import lock_named, lock_one
from partnerhub.core.text import TextError, clean_text
from partnerhub.help import search
from partnerhub.help.models import (
    Article,
    ArticleStatus,
    ArticleVersion,
    Audience,
    Feedback,
    SearchMiss,
    Topic,
)
from partnerhub.help.rendering import plain_text

# Which status a transition may start from.
TRANSITIONS: dict[str, set[str]] = {
    "publish": {ArticleStatus.DRAFT, ArticleStatus.PUBLISHED, ArticleStatus.WITHDRAWN},
    "withdraw": {ArticleStatus.PUBLISHED},
}

FIRST_NUMBER = 100_001
MAX_TITLE = 200
MAX_BODY = 50_000
MAX_COMMENT = 1_000


def _same_text(a: str, b: str) -> bool:
    """Bodies that differ only in trailing spaces or line endings are the same text."""

    def norm(s: str) -> str:
        return "\n".join(line.rstrip() for line in s.replace("\r\n", "\n").strip().split("\n"))

    return norm(a) == norm(b)


def _clean_title(title: str) -> str:
    try:
        return clean_text(title, max_length=MAX_TITLE, required=True)
    except TextError as error:
        raise Conflict(f"Title {error.problem}.", code="help_title_invalid") from None


def _clean_body(body: str) -> str:
    try:
        return clean_text(body, max_length=MAX_BODY, required=True, multiline=True)
    except TextError as error:
        raise Conflict(f"Text {error.problem}.", code="help_body_invalid") from None


def _next_number() -> str:
    lock_named("help.article_number")
    highest = Article.objects.aggregate(n=Max("number"))["n"]
    return f"{max(int(highest) + 1, FIRST_NUMBER) if highest else FIRST_NUMBER:09d}"


@transaction.atomic
def article_create(
    *,
    actor,
    slug: str,
    title: str,
    topic: str,
    audience: str,
    body: str,
    position: int = 100,
    shipped: bool = False,
) -> Article:
    """A new draft article with its first version. ``shipped``: the text is one of the articles
    shipped with PartnerHub, which ``migrate`` loads; installing the product's own content is
    not a person's change, so it is not audited."""
    if topic not in Topic.values or audience not in Audience.values:
        raise Conflict("Unknown topic or audience.", code="help_article_invalid")
    title, body = _clean_title(title), _clean_body(body)
    if Article.objects.filter(slug=slug).exists():
        raise Conflict(f"An article with the address {slug} exists.", code="help_slug_taken")
    article = Article.objects.create(
        number=_next_number(),
        slug=slug,
        title=title,
        topic=topic,
        audience=audience,
        position=position,
    )
    _version_write(
        actor=actor, article=article, title=title, body=body, previous=None, shipped=shipped
    )
    return article


def _version_write(*, actor, article, title, body, previous, shipped) -> ArticleVersion:
    version = ArticleVersion.objects.create(
        article=article,
        number=(previous.number + 1) if previous else 1,
        title=title,
        body=body,
        text_changed=previous is None or not _same_text(previous.body, body),
        created_at=timezone.now(),
        created_by=actor,
    )
    if shipped:
        return version
    audit_record(
        actor=actor,
        action=events.HELP_VERSION_ADDED,
        target=article,
        after={"version": version.number, "text_changed": version.text_changed},
    )
    return version


@transaction.atomic
def article_version_add(
    *, actor, article_id: int, title: str, body: str, shipped: bool = False
) -> ArticleVersion:
    """A new version (a draft until it is published). Saving the latest version's title and
    text again writes nothing and returns that version."""
    try:
        article = lock_one(Article.objects.all(), pk=article_id)
    except Article.DoesNotExist:
        raise NotFound("No such article.") from None
    title, body = _clean_title(title), _clean_body(body)
    latest = article.versions.order_by("-number").first()
    if latest is not None and latest.title == title and latest.body == body:
        return latest
    return _version_write(
        actor=actor, article=article, title=title, body=body, previous=latest, shipped=shipped
    )


@transaction.atomic
def article_publish(
    *, actor, article_id: int, version_id: int | None = None, shipped: bool = False
) -> Article:
    """Publish a version (the latest by default): readers see it, search finds it, and its date
    becomes the *Updated* date if its text differs from the version before it."""
    try:
        article = lock_one(Article.objects.all(), pk=article_id)
    except Article.DoesNotExist:
        raise NotFound("No such article.") from None
    if article.status not in TRANSITIONS["publish"]:
        raise InvalidTransition(f"A {article.get_status_display()} article cannot be published.")
    versions = article.versions.order_by("-number")
    version = versions.filter(pk=version_id).first() if version_id else versions.first()
    if version is None:
        raise NotFound("No such version of this article.")
    if article.status == ArticleStatus.PUBLISHED and article.published_version_id == version.pk:
        raise InvalidTransition("This version is already published.", code="help_already_live")
    before = {"status": article.status, "version": _version_number(article)}
    changed = (
        article.versions.filter(number__lte=version.number, text_changed=True)
        .order_by("-number")
        .first()
    )
    article.status = ArticleStatus.PUBLISHED
    article.published_version = version
    article.title = version.title
    article.text_updated_at = changed.created_at if changed else version.created_at
    article.save(update_fields=["status", "published_version", "title", "text_updated_at"])
    search.index_put(article_id=article.pk, title=version.title, body_text=plain_text(version.body))
    if shipped:
        return article
    audit_record(
        actor=actor,
        action=events.HELP_ARTICLE_PUBLISHED,
        target=article,
        before=before,
        after={"status": article.status, "version": version.number},
    )
    return article


def _version_number(article: Article) -> int | None:
    if article.published_version_id is None:
        return None
    return ArticleVersion.objects.values_list("number", flat=True).get(
        pk=article.published_version_id
    )


@transaction.atomic
def article_withdraw(*, actor, article_id: int) -> Article:
    """Take an article off the help centre: readers get 404, search no longer finds it."""
    try:
        article = lock_one(Article.objects.all(), pk=article_id)
    except Article.DoesNotExist:
        raise NotFound("No such article.") from None
    if article.status not in TRANSITIONS["withdraw"]:
        raise InvalidTransition(f"A {article.get_status_display()} article cannot be withdrawn.")
    article.status = ArticleStatus.WITHDRAWN
    article.save(update_fields=["status"])
    search.index_drop(article_id=article.pk)
    audit_record(
        actor=actor,
        action=events.HELP_ARTICLE_WITHDRAWN,
        target=article,
        before={"status": ArticleStatus.PUBLISHED},
        after={"status": article.status},
    )
    return article


@transaction.atomic
def related_set(*, article_id: int, slugs: list[str]) -> None:
    article = Article.objects.get(pk=article_id)
    article.related.set(Article.objects.filter(slug__in=slugs).exclude(pk=article_id))


# --- Readers' answers -----------------------------------------------------------------------


def feedback_give(
    *,
    article_id: int,
    version_id: int,
    user=None,
    session_key: str = "",
    helpful: bool,
    comment: str = "",
) -> Feedback:
    """One answer to "Did this article answer your question?" for the version the reader saw.
    A comment goes only with No. A second answer to the same version is refused; a new version
    of the article may be answered again."""
    try:
        comment = clean_text(comment, max_length=MAX_COMMENT, multiline=True)
    except TextError as error:
        raise Conflict(f"Comment {error.problem}.", code="help_comment_invalid") from None
    if helpful and comment:
        raise Conflict("A comment goes with No only.", code="help_comment_on_yes")
    if user is None and not session_key:
        raise Conflict("No reader to record the answer for.", code="help_no_reader")
    version = ArticleVersion.objects.filter(
        pk=version_id, article_id=article_id, article__status=ArticleStatus.PUBLISHED
    ).first()
    if version is None:
        raise NotFound("No such article.")
    reader = {"user": user} if user is not None else {"user": None, "session_key": session_key}
    try:
        with transaction.atomic():
            return Feedback.objects.create(
                version=version,
                helpful=helpful,
                comment=comment,
                created_at=timezone.now(),
                **reader,
            )
    except IntegrityError:
        raise Conflict(
            "You already answered for this version of the article.", code="help_answered"
        ) from None


@transaction.atomic
def feedback_comment_add(*, feedback_id: int, comment: str) -> Feedback:
    """The optional comment after a No, once."""
    try:
        comment = clean_text(comment, max_length=MAX_COMMENT, required=True, multiline=True)
    except TextError as error:
        raise Conflict(f"Comment {error.problem}.", code="help_comment_invalid") from None
    try:
        feedback = lock_one(Feedback.objects.all(), pk=feedback_id)
    except Feedback.DoesNotExist:
        raise NotFound("No such answer.") from None
    if feedback.helpful:
        raise Conflict("A comment goes with No only.", code="help_comment_on_yes")
    if feedback.comment:
        raise Conflict("You already sent a comment.", code="help_commented")
    feedback.comment = comment
    feedback.save(update_fields=["comment"])
    return feedback


# --- Searches that found nothing ------------------------------------------------------------


def search_miss_record(*, query: str) -> None:
    """Count a search that found nothing (for staff: what readers look for and we lack)."""
    text = " ".join(query.split()).lower()[: SearchMiss._meta.get_field("query").max_length]
    if not text or "\x00" in text:
        return
    now = timezone.now()
    with transaction.atomic():
        if SearchMiss.objects.filter(query=text).update(times=F("times") + 1, last_at=now):
            return
        try:
            with transaction.atomic():
                SearchMiss.objects.create(query=text, first_at=now, last_at=now)
        except IntegrityError:
            SearchMiss.objects.filter(query=text).update(times=F("times") + 1, last_at=now)
