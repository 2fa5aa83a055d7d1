"""Program staff keep the help centre in the admin: write a version (saved as a draft, shown
in a preview rendered by the same sanitizer as the help centre), publish or withdraw, read each
article's helpfulness and comments, and the searches that found nothing."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from partnerhub.core.errors import ServiceError
from partnerhub.core.timefmt import format_date, format_datetime
from partnerhub.help import services
from partnerhub.help.models import Article, ArticleStatus, ArticleVersion, Feedback, SearchMiss
from partnerhub.help.rendering import render


class ArticleForm(forms.ModelForm):
    version_title = forms.CharField(label="Title", max_length=services.MAX_TITLE)
    version_body = forms.CharField(
        label="Text (Markdown)",
        widget=forms.Textarea(attrs={"rows": 24, "cols": 100}),
        help_text=(
            "Link another article with [text](article:its-slug); show a screenshot with "
            "![what it shows](screen:file-name.png). Bold marks a label of the product's pages. "
            "Saving writes a new version (a draft) when the title or text changed."
        ),
    )
    publish_now = forms.BooleanField(
        label="Publish this version", required=False, help_text="Readers see it at once."
    )

    class Meta:
        model = Article
        fields = ["slug", "topic", "audience", "position", "related"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        latest = self.instance.versions.order_by("-number").first() if self.instance.pk else None
        if latest is not None:
            self.fields["version_title"].initial = latest.title
            self.fields["version_body"].initial = latest.body
        if self.instance.pk:
            self.fields["related"].queryset = Article.objects.exclude(pk=self.instance.pk)


class VersionInline(admin.TabularInline):
    model = ArticleVersion
    fields = ["number", "title", "text_changed", "written", "by", "live"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-number"]
    verbose_name_plural = "Versions (newest first; append-only)"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Written")
    def written(self, version):
        return format_datetime(version.created_at)

    @admin.display(description="By")
    def by(self, version):
        if version.created_by is None:
            return "Shipped with PartnerHub"
        return version.created_by.get_full_name() or version.created_by.get_username()

    @admin.display(description="Published", boolean=True)
    def live(self, version):
        return version.article.published_version_id == version.pk


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleForm
    list_display = ["number", "title", "topic", "audience", "status", "updated", "yes", "no"]
    list_filter = ["status", "topic", "audience"]
    search_fields = ["number", "title", "slug"]
    readonly_fields = ["number", "status", "title", "updated", "helpfulness", "preview"]
    inlines = [VersionInline]
    actions = ["publish_latest", "withdraw"]
    filter_horizontal = ["related"]

    def get_fieldsets(self, request, obj=None):
        writing = ("Write", {"fields": ["version_title", "version_body", "publish_now"]})
        about = ("About", {"fields": ["slug", "topic", "audience", "position", "related"]})
        if obj is None:
            return [about, writing]
        state = (
            "State",
            {"fields": ["number", "status", "title", "updated", "helpfulness"]},
        )
        return [state, ("Preview", {"fields": ["preview"]}), writing, about]

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None:
            fields.append("slug")
        return fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                yes_count=Count("versions__feedback", filter=Q(versions__feedback__helpful=True)),
                no_count=Count("versions__feedback", filter=Q(versions__feedback__helpful=False)),
            )
        )

    @admin.display(description="Updated", ordering="text_updated_at")
    def updated(self, article):
        return format_date(article.text_updated_at) if article.text_updated_at else "—"

    @admin.display(description="Yes", ordering="yes_count")
    def yes(self, article):
        return article.yes_count

    @admin.display(description="No", ordering="no_count")
    def no(self, article):
        return article.no_count

    @admin.display(description="Helpfulness")
    def helpfulness(self, article):
        rows = (
            Feedback.objects.filter(version__article=article)
            .values("version__number")
            .annotate(
                yes=Count("pk", filter=Q(helpful=True)), no=Count("pk", filter=Q(helpful=False))
            )
            .order_by("-version__number")
        )
        if not rows:
            return "No answers yet."
        lines = [
            format_html("Version {}: {} yes, {} no", row["version__number"], row["yes"], row["no"])
            for row in rows
        ]
        link = format_html(
            '<a href="../../../feedback/?version__article__id__exact={}">Read the answers and comments</a>',
            article.pk,
        )
        return mark_safe("<br>".join([*lines, link]))  # noqa: S308 (every part escaped above)

    @admin.display(description="Preview of the latest version")
    def preview(self, article):
        latest = article.versions.order_by("-number").first()
        if latest is None:
            return "—"
        note = (
            "This is the published version."
            if latest.pk == article.published_version_id
            else f"Version {latest.number} is a draft: readers still see "
            + (
                "the published version."
                if article.status == ArticleStatus.PUBLISHED
                else "nothing until it is published."
            )
        )
        return format_html(
            '<p><strong>{}</strong></p><div class="help-preview"><h1>{}</h1>{}</div>',
            note,
            latest.title,
            mark_safe(render(latest.body)),  # noqa: S308 (sanitized by render)
        )

    def save_model(self, request, obj, form, change):
        title = form.cleaned_data["version_title"]
        body = form.cleaned_data["version_body"]
        try:
            if not change:
                created = services.article_create(
                    actor=request.user,
                    slug=obj.slug,
                    title=title,
                    topic=obj.topic,
                    audience=obj.audience,
                    body=body,
                    position=obj.position,
                )
                obj.pk = created.pk
                obj.refresh_from_db()
            else:
                obj.save(update_fields=["topic", "audience", "position"])
                services.article_version_add(
                    actor=request.user, article_id=obj.pk, title=title, body=body
                )
            if form.cleaned_data.get("publish_now"):
                services.article_publish(actor=request.user, article_id=obj.pk)
                obj.refresh_from_db()
        except ServiceError as error:
            self.message_user(request, error.message, messages.ERROR)

    @admin.action(description="Publish the latest version")
    def publish_latest(self, request, queryset):
        done = 0
        for article in queryset:
            try:
                services.article_publish(actor=request.user, article_id=article.pk)
                done += 1
            except ServiceError as error:
                self.message_user(request, f"{article.number}: {error.message}", messages.WARNING)
        if done:
            self.message_user(request, f"Published {done} article(s).", messages.SUCCESS)

    @admin.action(description="Withdraw from the help centre")
    def withdraw(self, request, queryset):
        done = 0
        for article in queryset:
            try:
                services.article_withdraw(actor=request.user, article_id=article.pk)
                done += 1
            except ServiceError as error:
                self.message_user(request, f"{article.number}: {error.message}", messages.WARNING)
        if done:
            self.message_user(request, f"Withdrew {done} article(s).", messages.SUCCESS)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["article", "version_number", "answer", "comment", "reader", "given"]
    list_filter = ["helpful", "version__article"]
    search_fields = ["comment", "version__article__title"]
    list_select_related = ["version__article", "user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Article", ordering="version__article__number")
    def article(self, feedback):
        return str(feedback.version.article)

    @admin.display(description="Version")
    def version_number(self, feedback):
        return feedback.version.number

    @admin.display(description="Answer", ordering="helpful")
    def answer(self, feedback):
        return "Yes" if feedback.helpful else "No"

    @admin.display(description="Reader")
    def reader(self, feedback):
        if feedback.user is None:
            return "Signed out"
        return feedback.user.get_full_name() or feedback.user.get_username()

    @admin.display(description="Given", ordering="created_at")
    def given(self, feedback):
        return format_datetime(feedback.created_at)


@admin.register(SearchMiss)
class SearchMissAdmin(admin.ModelAdmin):
    list_display = ["query", "times", "first", "last"]
    search_fields = ["query"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="First searched", ordering="first_at")
    def first(self, miss):
        return format_datetime(miss.first_at)

    @admin.display(description="Last searched", ordering="last_at")
    def last(self, miss):
        return format_datetime(miss.last_at)
