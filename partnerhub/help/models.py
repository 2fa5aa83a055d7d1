"""The help centre: articles, their append-only versions, readers' answers to "Did this article
answer your question?" and the searches that found nothing."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Topic(models.TextChoices):
    ACCOUNTS = "accounts", "Accounts"
    ACCESS = "access", "Access and consent"
    EARNINGS = "earnings", "Earnings"
    API = "api", "API and webhooks"
    ORGANIZATIONS = "organizations", "Organizations"


class Audience(models.TextChoices):
    PARTNER = "partner", "Partners"
    CUSTOMER = "customer", "Customers"
    ORGANIZATION = "organization", "Organizations"
    EVERYONE = "everyone", "Everyone"


# Readable without signing in: what a customer reads before answering a partner's request (the
# e-mail links here), and what is meant for everyone. Articles for partner teams and
# organization admins describe pages only a signed-in member can open.
PUBLIC_AUDIENCES = (Audience.EVERYONE, Audience.CUSTOMER)


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Article(models.Model):
    """One help article. What readers see is ``published_version``; staff add versions (drafts)
    and publish one. ``title`` and ``text_updated_at`` mirror the published version."""

    number = models.CharField(max_length=9, unique=True, help_text="Nine digits, e.g. 000100001.")
    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=200)
    topic = models.CharField(max_length=20, choices=Topic.choices)
    audience = models.CharField(max_length=20, choices=Audience.choices)
    status = models.CharField(
        max_length=20, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    position = models.PositiveSmallIntegerField(default=100, help_text="Order within its topic.")
    published_version = models.ForeignKey(
        "ArticleVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The moment of the last published version whose text differs from the one before it: the
    # article's *Updated* date.
    text_updated_at = models.DateTimeField(null=True, blank=True)
    related = models.ManyToManyField("self", symmetrical=False, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["topic", "position", "number"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_version__isnull=False),
                name="help_article_published_has_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_public(self) -> bool:
        return self.audience in PUBLIC_AUDIENCES


class ArticleVersion(models.Model):
    """Append-only: a version is never edited. ``created_by`` is empty for the versions loaded
    from the articles shipped with the product."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown.")
    # Whether the body differs from the version before (the first version always does).
    text_changed = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "number"], name="help_version_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"Version {self.number} of {self.article.number}"


class Feedback(models.Model):
    """One answer to "Did this article answer your question?" per person per version: per
    signed-in user, and per browser session for someone signed out (they have no other identity;
    a session is what keeps a reload or a second click from counting twice)."""

    version = models.ForeignKey(ArticleVersion, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    session_key = models.CharField(max_length=40, blank=True)
    helpful = models.BooleanField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "feedback"
        constraints = [
            models.UniqueConstraint(
                fields=["version", "user"],
                condition=Q(user__isnull=False),
                name="help_feedback_one_per_user",
            ),
            models.UniqueConstraint(
                fields=["version", "session_key"],
                condition=Q(user__isnull=True),
                name="help_feedback_one_per_session",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(session_key=""),
                name="help_feedback_has_reader",
            ),
            models.CheckConstraint(
                condition=Q(helpful=False) | Q(comment=""),
                name="help_feedback_comment_only_on_no",
            ),
        ]

    def __str__(self) -> str:
        return f"{'Yes' if self.helpful else 'No'} on {self.version}"


class SearchMiss(models.Model):
    """A search that found nothing, one row per query as typed (trimmed, lower case)."""

    query = models.CharField(max_length=200, unique=True)
    times = models.PositiveIntegerField(default=1)
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()

    class Meta:
        ordering = ["-times", "-last_at"]
        verbose_name = "search that found nothing"
        verbose_name_plural = "searches that found nothing"

    def __str__(self) -> str:
        return self.query
