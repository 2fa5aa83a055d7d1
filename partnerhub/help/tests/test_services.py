"""Articles, versions, publishing and readers' answers, through the services."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from partnerhub.audit.models import AuditEvent
from partnerhub.core.errors import Conflict, InvalidTransition
from partnerhub.help import services
from partnerhub.help.models import Article, ArticleStatus, ArticleVersion, Feedback, SearchMiss
from partnerhub.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _article(**kw) -> Article:
    fields = dict(
        slug="zephyr-guide",
        title="Zephyr guide",
        topic="accounts",
        audience="everyone",
        body="First text about zephyrs.",
    )
    fields.update(kw)
    article = services.article_create(actor=None, **fields)
    return services.article_publish(actor=None, article_id=article.pk)


def test_numbers_follow_our_own_sequence():
    highest = max(int(n) for n in Article.objects.values_list("number", flat=True))
    article = _article()
    assert article.number == f"{highest + 1:09d}"
    assert len(article.number) == 9


def test_the_updated_date_moves_only_when_the_text_changes(monkeypatch):
    staff = UserFactory(is_staff=True)
    day_one = timezone.make_aware(dt.datetime(2026, 3, 1, 9))
    monkeypatch.setattr(timezone, "now", lambda: day_one)
    article = _article()
    assert article.text_updated_at == day_one

    monkeypatch.setattr(timezone, "now", lambda: day_one + dt.timedelta(days=10))
    services.article_version_add(
        actor=staff,
        article_id=article.pk,
        title="Zephyr guide, retitled",
        body=article.published_version.body + "  \n",
    )
    article = services.article_publish(actor=staff, article_id=article.pk)
    assert article.title == "Zephyr guide, retitled"
    assert article.published_version.number == 2
    assert article.published_version.text_changed is False
    assert article.text_updated_at == day_one

    later = day_one + dt.timedelta(days=20)
    monkeypatch.setattr(timezone, "now", lambda: later)
    services.article_version_add(
        actor=staff, article_id=article.pk, title="Zephyr guide", body="New words."
    )
    article = services.article_publish(actor=staff, article_id=article.pk)
    assert article.text_updated_at == later
    assert list(article.versions.values_list("number", "text_changed")) == [
        (3, True),
        (2, False),
        (1, True),
    ]


def test_saving_the_same_text_again_writes_no_version():
    article = _article()
    version = services.article_version_add(
        actor=None, article_id=article.pk, title=article.title, body=article.published_version.body
    )
    assert version.pk == article.published_version_id
    assert article.versions.count() == 1


def test_a_draft_version_is_not_what_readers_see_until_published():
    article = _article()
    draft = services.article_version_add(
        actor=None, article_id=article.pk, title="T", body="Draft."
    )
    article.refresh_from_db()
    assert article.published_version_id != draft.pk
    assert article.title == "Zephyr guide"


def test_publish_and_withdraw_follow_the_table_and_are_audited():
    article = _article()
    with pytest.raises(InvalidTransition):
        services.article_publish(actor=None, article_id=article.pk)
    services.article_withdraw(actor=None, article_id=article.pk)
    article.refresh_from_db()
    assert article.status == ArticleStatus.WITHDRAWN
    with pytest.raises(InvalidTransition):
        services.article_withdraw(actor=None, article_id=article.pk)
    article.refresh_from_db()
    assert article.status == ArticleStatus.WITHDRAWN
    actions = list(
        AuditEvent.objects.filter(target_type="help.article", target_id=str(article.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["help.version_added", "help.article_published", "help.article_withdrawn"]
    services.article_publish(actor=None, article_id=article.pk)
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED


def test_a_taken_slug_is_refused():
    _article()
    with pytest.raises(Conflict):
        _article(title="Another")
    assert Article.objects.filter(slug="zephyr-guide").count() == 1


def test_blank_or_unstorable_text_is_refused():
    with pytest.raises(Conflict):
        services.article_create(
            actor=None, slug="x", title=" ", topic="accounts", audience="everyone", body="b"
        )
    with pytest.raises(Conflict):
        services.article_create(
            actor=None, slug="x", title="T", topic="accounts", audience="everyone", body="a\x00b"
        )
    assert not Article.objects.filter(slug="x").exists()


# --- Feedback -------------------------------------------------------------------------------


def test_one_answer_per_person_per_version():
    article = _article()
    reader = UserFactory()
    services.feedback_give(
        article_id=article.pk, version_id=article.published_version_id, user=reader, helpful=True
    )
    with pytest.raises(Conflict) as refused:
        services.feedback_give(
            article_id=article.pk,
            version_id=article.published_version_id,
            user=reader,
            helpful=False,
        )
    assert refused.value.code == "help_answered"
    assert list(Feedback.objects.filter(user=reader).values_list("helpful", flat=True)) == [True]


def test_a_new_version_may_be_answered_again():
    article = _article()
    reader = UserFactory()
    services.feedback_give(
        article_id=article.pk, version_id=article.published_version_id, user=reader, helpful=False
    )
    services.article_version_add(
        actor=None, article_id=article.pk, title=article.title, body="Better words."
    )
    article = services.article_publish(actor=None, article_id=article.pk)
    services.feedback_give(
        article_id=article.pk, version_id=article.published_version_id, user=reader, helpful=True
    )
    assert Feedback.objects.filter(user=reader).count() == 2


def test_signed_out_readers_answer_once_per_session():
    article = _article()
    version = article.published_version_id
    services.feedback_give(
        article_id=article.pk, version_id=version, session_key="s1", helpful=True
    )
    with pytest.raises(Conflict):
        services.feedback_give(
            article_id=article.pk, version_id=version, session_key="s1", helpful=True
        )
    services.feedback_give(
        article_id=article.pk, version_id=version, session_key="s2", helpful=False
    )
    assert Feedback.objects.filter(version_id=version).count() == 2
    with pytest.raises(Conflict):
        services.feedback_give(article_id=article.pk, version_id=version, helpful=True)
    assert Feedback.objects.filter(version_id=version).count() == 2


def test_a_comment_goes_with_no_only():
    article = _article()
    reader = UserFactory()
    with pytest.raises(Conflict) as refused:
        services.feedback_give(
            article_id=article.pk,
            version_id=article.published_version_id,
            user=reader,
            helpful=True,
            comment="Great",
        )
    assert refused.value.code == "help_comment_on_yes"
    assert not Feedback.objects.exists()
    yes = services.feedback_give(
        article_id=article.pk, version_id=article.published_version_id, user=reader, helpful=True
    )
    with pytest.raises(Conflict):
        services.feedback_comment_add(feedback_id=yes.pk, comment="Great")
    yes.refresh_from_db()
    assert yes.comment == ""


def test_the_comment_after_a_no_is_kept_once():
    article = _article()
    no = services.feedback_give(
        article_id=article.pk,
        version_id=article.published_version_id,
        user=UserFactory(),
        helpful=False,
    )
    services.feedback_comment_add(
        feedback_id=no.pk, comment="  It does not say how long it takes.  "
    )
    no.refresh_from_db()
    assert no.comment == "It does not say how long it takes."
    with pytest.raises(Conflict):
        services.feedback_comment_add(feedback_id=no.pk, comment="Another")
    no.refresh_from_db()
    assert no.comment == "It does not say how long it takes."


def test_the_database_holds_the_feedback_rules():
    article = _article()
    version = ArticleVersion.objects.get(pk=article.published_version_id)
    reader = UserFactory()
    now = timezone.now()
    Feedback.objects.create(version=version, user=reader, helpful=True, created_at=now)
    for bad in (
        dict(user=reader, helpful=False),  # a second answer
        dict(user=UserFactory(), helpful=True, comment="yes with a comment"),
        dict(user=None, session_key="", helpful=True),  # nobody
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Feedback.objects.create(version=version, created_at=now, **bad)
    assert Feedback.objects.count() == 1


def test_answers_to_an_unpublished_article_are_refused():
    article = _article()
    services.article_withdraw(actor=None, article_id=article.pk)
    with pytest.raises(Exception) as refused:
        services.feedback_give(
            article_id=article.pk,
            version_id=article.published_version_id,
            user=UserFactory(),
            helpful=True,
        )
    assert refused.value.code == "not_found"
    assert not Feedback.objects.exists()


def test_searches_that_found_nothing_are_counted_per_query():
    services.search_miss_record(query="  Refund   POLICY ")
    services.search_miss_record(query="refund policy")
    services.search_miss_record(query="   ")
    assert list(SearchMiss.objects.values_list("query", "times")) == [("refund policy", 2)]


def test_loading_the_shipped_articles_is_not_audited_and_changes_nothing_twice():
    from partnerhub.help.loading import articles_load

    assert not AuditEvent.objects.filter(action__startswith="help.").exists()
    counts = articles_load()
    assert counts["created"] == counts["updated"] == counts["kept"] == 0
    assert not AuditEvent.objects.filter(action__startswith="help.").exists()
