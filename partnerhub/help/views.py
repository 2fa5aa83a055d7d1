"""The help centre's pages: the home (topics and search), an article, and the answer to "Did
this article answer your question?" (htmx swaps the answer in place; without script, the form
posts and the page comes back)."""

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from partnerhub.core.errors import ServiceError
from partnerhub.help import selectors, services
from partnerhub.help.models import Article, ArticleVersion, Audience
from partnerhub.help.rendering import render as render_markdown
from partnerhub.help.search import MAX_QUERY_LENGTH

COMMENT_MAX_LENGTH = services.MAX_COMMENT


@require_GET
def home(request):
    query = request.GET.get("q", "")
    if not isinstance(query, str) or "\x00" in query:
        query = ""
    query = " ".join(query.split())[:MAX_QUERY_LENGTH]
    results = None
    if query:
        results = selectors.search(query, user=request.user)
        if not results:
            services.search_miss_record(query=query)
    return render(
        request,
        "help/home.html",
        {
            "query": query,
            "results": results,
            "groups": [] if query else selectors.articles_by_topic(request.user),
            "hidden_count": selectors.hidden_count(request.user),
            "max_query_length": MAX_QUERY_LENGTH,
        },
    )


def _readable(request, slug: str) -> Article:
    article = selectors.article_for_reader(slug=slug, user=request.user)
    if article is None:
        raise Http404("no such article")
    return article


def _session_key(request, *, create: bool) -> str:
    if request.user.is_authenticated:
        return ""
    if request.session.session_key is None and create:
        request.session.save()
    return request.session.session_key or ""


def _feedback_context(request, article: Article, *, error: str = "", comment: str = "") -> dict:
    version = article.published_version
    answer = selectors.answer_of(
        version_id=version.pk,
        user=request.user,
        session_key=_session_key(request, create=False),
    )
    return {
        "article": article,
        "version": version,
        "answer": answer,
        "error": error,
        "comment": comment,
        "comment_max_length": COMMENT_MAX_LENGTH,
    }


@require_GET
def article(request, slug: str):
    item = _readable(request, slug)
    if not selectors.may_read(item, request.user):
        return redirect_to_login(request.get_full_path())
    version = item.published_version
    return render(
        request,
        "help/article.html",
        {
            **_feedback_context(request, item),
            "body_html": render_markdown(version.body),
            "audience_label": Audience(item.audience).label,
            "related": selectors.related_for(item, request.user),
        },
    )


def _feedback_answer(request, item: Article, *, status: int = 200, **extra):
    if request.htmx:
        return render(
            request, "help/_feedback.html", _feedback_context(request, item, **extra), status=status
        )
    if extra.get("error"):
        return render(
            request,
            "help/article.html",
            {
                **_feedback_context(request, item, **extra),
                "body_html": render_markdown(item.published_version.body),
                "audience_label": Audience(item.audience).label,
                "related": selectors.related_for(item, request.user),
            },
            status=status,
        )
    return redirect(reverse("help-article", args=[item.slug]) + "#feedback")


@require_POST
def feedback(request, slug: str):
    item = _readable(request, slug)
    if not selectors.may_read(item, request.user):
        return redirect_to_login(reverse("help-article", args=[slug]))
    answer = request.POST.get("helpful", "")
    version_id = request.POST.get("version", "")
    if answer not in ("yes", "no") or not version_id.isdigit():
        return _feedback_answer(request, item, status=400, error="Choose Yes or No.")
    if not ArticleVersion.objects.filter(pk=int(version_id), article=item).exists():
        return _feedback_answer(
            request, item, status=400, error="This version of the article is gone; try again."
        )
    try:
        services.feedback_give(
            article_id=item.pk,
            version_id=int(version_id),
            user=request.user if request.user.is_authenticated else None,
            session_key=_session_key(request, create=True),
            helpful=answer == "yes",
        )
    except ServiceError as error:
        return _feedback_answer(request, item, status=409, error=error.message)
    return _feedback_answer(request, item)


@require_POST
def feedback_comment(request, slug: str):
    item = _readable(request, slug)
    if not selectors.may_read(item, request.user):
        return redirect_to_login(reverse("help-article", args=[slug]))
    comment = request.POST.get("comment", "")
    answer = selectors.answer_of(
        version_id=item.published_version_id,
        user=request.user,
        session_key=_session_key(request, create=False),
    )
    if answer is None:
        return _feedback_answer(request, item, status=400, error="Answer Yes or No first.")
    try:
        services.feedback_comment_add(feedback_id=answer.pk, comment=comment)
    except ServiceError as error:
        return _feedback_answer(
            request, item, status=400, error=error.message, comment=comment[:COMMENT_MAX_LENGTH]
        )
    return _feedback_answer(request, item)
