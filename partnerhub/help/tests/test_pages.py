"""The help centre's pages, the help link on every page, and the staff pieces in the admin."""

import pytest
from django.urls import URLPattern, get_resolver, reverse

from partnerhub.help import services
from partnerhub.help.context_processors import HELP_FOR_PAGE
from partnerhub.help.loading import shipped_articles
from partnerhub.help.models import Article, Feedback, SearchMiss
from partnerhub.tests.factories import UserFactory
from partnerhub.tests.world import build_world

pytestmark = pytest.mark.django_db

PUBLIC = "grant-or-remove-partner-access"  # for customers: readable signed out
MEMBERS = "move-referred-account-to-managed"  # for partners: sign in first


def _url(slug):
    return reverse("help-article", args=[slug])


def test_home_lists_topics_and_tells_signed_out_readers_what_is_behind_sign_in(client):
    page = client.get("/help/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "How can we help?" in text
    assert "How to grant or remove partner access" in text
    assert "How to move an existing referred account to managed" not in text
    hidden = Article.objects.filter(status="published", audience__in=["partner", "organization"])
    assert f"to see {hidden.count()} more articles" in text


def test_home_lists_every_article_when_signed_in(client):
    client.force_login(UserFactory())
    text = client.get("/help/").content.decode()
    for item in shipped_articles():
        assert item.title in text
    for topic in (
        "Accounts",
        "Access and consent",
        "Earnings",
        "API and webhooks",
        "Organizations",
    ):
        assert f">{topic}</h2>" in text


def test_an_article_shows_number_audience_updated_and_the_question(client):
    article = Article.objects.get(slug=PUBLIC)
    page = client.get(_url(PUBLIC))
    text = page.content.decode()
    assert page.status_code == 200
    assert article.number in text
    assert "<dt>For</dt><dd>Customers</dd>" in text
    assert "<dt>Updated</dt>" in text
    assert "Did this article answer your question?" in text
    assert "Related articles" in text
    assert "<ol>" in text


def test_articles_for_partners_need_a_sign_in(client):
    page = client.get(_url(MEMBERS))
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("login"))
    client.force_login(UserFactory())
    assert client.get(_url(MEMBERS)).status_code == 200


def test_unknown_draft_and_withdrawn_articles_are_not_found(client):
    client.force_login(UserFactory())
    assert client.get(_url("no-such-article")).status_code == 404
    article = Article.objects.get(slug=PUBLIC)
    services.article_withdraw(actor=None, article_id=article.pk)
    assert client.get(_url(PUBLIC)).status_code == 404


def test_search_shows_results_with_marks_and_records_misses(client):
    client.force_login(UserFactory())
    text = client.get("/help/", {"q": "referred managed"}).content.decode()
    assert "How to move an existing <mark>referred</mark> account to <mark>managed</mark>" in text
    text = client.get("/help/", {"q": "quantum zeppelin"}).content.decode()
    assert "No articles match “quantum zeppelin”" in text
    assert list(SearchMiss.objects.values_list("query", "times")) == [("quantum zeppelin", 1)]


@pytest.mark.parametrize("q", ['"', "<script>alert(1)</script>", "x" * 5000, "NEAR("])
def test_hostile_searches_answer_a_page(client, q):
    page = client.get("/help/", {"q": q})
    assert page.status_code == 200
    assert "<script>alert(1)" not in page.content.decode()


def test_a_search_holding_a_nul_gets_the_bad_request_page(client):
    page = client.get("/help/", {"q": "a\x00b"})
    assert page.status_code == 400
    assert not SearchMiss.objects.exists()


def _answer(client, slug, helpful, *, htmx=False, version=None):
    article = Article.objects.get(slug=slug)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(
        reverse("help-feedback", args=[slug]),
        {"helpful": helpful, "version": version or article.published_version_id},
        **headers,
    )


def test_no_then_a_comment_with_htmx(client):
    user = UserFactory()
    client.force_login(user)
    page = _answer(client, PUBLIC, "no", htmx=True)
    assert page.status_code == 200
    assert "What was missing or unclear?" in page.content.decode()
    page = client.post(
        reverse("help-feedback-comment", args=[PUBLIC]),
        {"comment": "Where is the switch on a phone?"},
        HTTP_HX_REQUEST="true",
    )
    assert "Program staff read every comment" in page.content.decode()
    answer = Feedback.objects.get(user=user)
    assert (answer.helpful, answer.comment) == (False, "Where is the switch on a phone?")


def test_yes_without_script_and_a_second_answer_is_refused(client):
    user = UserFactory()
    client.force_login(user)
    page = _answer(client, PUBLIC, "yes")
    assert page.status_code == 302
    assert page["Location"].endswith("#feedback")
    assert "glad it helped" in client.get(_url(PUBLIC)).content.decode()
    page = _answer(client, PUBLIC, "no")
    assert page.status_code == 409
    assert "You already answered for this version of the article." in page.content.decode()
    assert list(Feedback.objects.filter(user=user).values_list("helpful", flat=True)) == [True]


def test_signed_out_readers_answer_once_per_session(client):
    assert _answer(client, PUBLIC, "yes").status_code == 302
    assert _answer(client, PUBLIC, "no").status_code in (200, 409)
    assert Feedback.objects.filter(user__isnull=True).count() == 1
    other = client.__class__()
    assert _answer(other, PUBLIC, "no").status_code == 302
    assert Feedback.objects.filter(user__isnull=True).count() == 2


def test_signed_out_readers_cannot_answer_members_articles(client):
    page = _answer(client, MEMBERS, "yes")
    assert page.status_code == 302 and page["Location"].startswith(reverse("login"))
    assert not Feedback.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"helpful": "maybe"},
        {"helpful": "yes", "version": "x"},
        {"helpful": "no", "version": "999999"},
    ],
)
def test_bad_answers_get_a_clear_error(client, data):
    client.force_login(UserFactory())
    page = client.post(reverse("help-feedback", args=[PUBLIC]), data, HTTP_HX_REQUEST="true")
    assert page.status_code == 400
    assert 'role="alert"' in page.content.decode()
    assert not Feedback.objects.exists()


def test_a_comment_before_an_answer_or_too_long_is_refused(client):
    user = UserFactory()
    client.force_login(user)
    url = reverse("help-feedback-comment", args=[PUBLIC])
    assert client.post(url, {"comment": "hi"}, HTTP_HX_REQUEST="true").status_code == 400
    _answer(client, PUBLIC, "no")
    page = client.post(url, {"comment": "x" * 1001}, HTTP_HX_REQUEST="true")
    assert page.status_code == 400
    assert "longer than 1000 characters" in page.content.decode()
    assert Feedback.objects.get(user=user).comment == ""


def test_answers_use_get_only_to_read(client):
    assert client.get(reverse("help-feedback", args=[PUBLIC])).status_code == 405


# --- The help link on every page ------------------------------------------------------------

# Portal URL names that are actions or downloads, not pages a person reads.
NOT_PAGES = {
    "home",
    # A brand kit's logo and the preview's stylesheet: files, not pages.
    "brand-logo",
    "brand-preview-css",
    "partner-accounts-csv",
    "customer-timeline-csv",
    "partner-earnings-csv",
    "partner-statement-csv",
    "partner-api-key-revoke",
    "partner-v3-client-revoke",
    "partner-webhook-action",
    "partner-team-member",
    "partner-team-member-groups",
    "partner-team-invitation-revoke",
    "invitation-accept",
    "invitation-decline",
    "notices-menu",
    "team-switch",
    "notices-read-all",
    "notice-open",
    "staff-close",
    "staff-payout-approve",
    "staff-payout-paid",
}
# Pages of everyone's own (settings, notifications, invitations): the help centre's home.
GENERAL = {"profile", "notices", "invitation", "join"}


def test_every_portal_page_names_its_article():
    from partnerhub.portal import urls as portal_urls

    names = {p.name for p in portal_urls.urlpatterns if isinstance(p, URLPattern) and p.name}
    unmapped = names - NOT_PAGES - GENERAL - set(HELP_FOR_PAGE)
    assert unmapped == set(), "map these pages to their help article in HELP_FOR_PAGE"
    slugs = {a.slug for a in shipped_articles()}
    assert set(HELP_FOR_PAGE.values()) <= slugs
    assert set(HELP_FOR_PAGE) <= set(get_resolver().reverse_dict.keys())


def test_the_pages_of_the_seed_link_to_their_articles(client):
    world = build_world()
    client.force_login(world.owner.user)
    accounts = client.get(reverse("partner-accounts")).content.decode()
    assert f'class="topbar-help" href="{_url("move-referred-account-to-managed")}"' in accounts
    overlay = client.get(
        reverse("partner-request-create", args=[world.account.encoded_account_id]),
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert f'href="{_url("what-the-customer-is-asked")}"' in overlay
    earnings = client.get(reverse("partner-earnings")).content.decode()
    assert f'class="topbar-help" href="{_url("how-earnings-are-calculated")}"' in earnings
    client.force_login(world.customer)
    provider = client.get(
        reverse("customer-provider", args=[world.account.encoded_account_id])
    ).content.decode()
    assert f'class="topbar-help" href="{_url("grant-or-remove-partner-access")}"' in provider


def test_signed_out_pages_link_to_the_help_centre(client):
    assert 'class="topbar-help" href="/help/"' in client.get(reverse("login")).content.decode()


# --- Staff: the admin -----------------------------------------------------------------------

ADMIN_PAGES = [
    "admin:help_article_changelist",
    "admin:help_feedback_changelist",
    "admin:help_searchmiss_changelist",
]


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_only_staff_open_the_help_admin(client, name):
    world = build_world()
    url = reverse(name)
    assert client.get(url).status_code == 302  # anonymous: to the admin's sign-in
    for person in (world.owner.user, world.other_owner.user, world.customer):
        client.force_login(person)
        page = client.get(url)
        assert page.status_code == 302 and "/admin/login/" in page["Location"]
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(url).status_code == 200


def test_staff_write_a_draft_see_it_sanitized_in_the_preview_and_publish(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    article = Article.objects.get(slug=PUBLIC)
    url = reverse("admin:help_article_change", args=[article.pk])
    form = {
        "topic": article.topic,
        "audience": article.audience,
        "position": article.position,
        "related": list(article.related.values_list("pk", flat=True)),
        "version_title": article.title,
        "version_body": "New text.\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))",
        "versions-TOTAL_FORMS": "0",
        "versions-INITIAL_FORMS": "0",
    }
    page = client.post(url, {**form, "_continue": "1"})
    assert page.status_code == 302, page.content.decode()[:2000]
    article.refresh_from_db()
    draft = article.versions.order_by("-number").first()
    assert draft.created_by == staff and draft.pk != article.published_version_id
    text = client.get(url).content.decode()
    assert "is a draft: readers still see the published version" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert (
        "<script>alert(1)"
        not in text.split("Preview of the latest version")[1].split("</fieldset>")[0]
    )
    page = client.post(
        reverse("admin:help_article_changelist"),
        {"action": "publish_latest", "_selected_action": [article.pk]},
    )
    assert page.status_code == 302
    article.refresh_from_db()
    assert article.published_version_id == draft.pk


def test_staff_see_helpfulness_and_comments(client):
    article = Article.objects.get(slug=PUBLIC)
    services.feedback_give(
        article_id=article.pk,
        version_id=article.published_version_id,
        user=UserFactory(),
        helpful=True,
    )
    no = services.feedback_give(
        article_id=article.pk,
        version_id=article.published_version_id,
        user=UserFactory(),
        helpful=False,
    )
    services.feedback_comment_add(feedback_id=no.pk, comment="Say where Billing is.")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    listing = client.get(
        reverse("admin:help_article_changelist"), {"q": article.number}
    ).content.decode()
    assert '<td class="field-yes">1</td><td class="field-no">1</td>' in listing
    change = client.get(reverse("admin:help_article_change", args=[article.pk])).content.decode()
    assert "Version 1: 1 yes, 1 no" in change
    comments = client.get(reverse("admin:help_feedback_changelist")).content.decode()
    assert "Say where Billing is." in comments
