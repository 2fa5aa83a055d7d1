"""The articles shipped with PartnerHub: enough of them, on every topic, links and pictures
that resolve, and every label they quote present on the page they name, rendered for the demo
person who would read it there."""

import datetime as dt
import html
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import reverse

from partnerhub.clients.models import ClientAccount
from partnerhub.earnings import rules
from partnerhub.help.loading import shipped_articles
from partnerhub.help.models import Article, ArticleStatus, Audience, Topic
from partnerhub.help.rendering import article_links, screens, strong_phrases

ARTICLES = shipped_articles()
BY_SLUG = {a.slug: a for a in ARTICLES}


def test_at_least_twelve_articles_on_every_topic_for_every_audience():
    assert len(ARTICLES) >= 12
    assert {a.topic for a in ARTICLES} == set(Topic.values)
    assert {a.audience for a in ARTICLES} == set(Audience.values)
    assert len(BY_SLUG) == len(ARTICLES)


@pytest.mark.django_db
def test_they_are_published_by_migrate():
    published = Article.objects.filter(status=ArticleStatus.PUBLISHED)
    assert set(published.values_list("slug", flat=True)) >= set(BY_SLUG)
    seed = Article.objects.get(slug="move-referred-account-to-managed")
    assert seed.title == "How to move an existing referred account to managed"
    assert re.fullmatch(r"\d{9}", seed.number)


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.slug)
def test_links_pictures_and_related_articles_resolve(article):
    for slug in [*article_links(article.body), *article.related]:
        assert slug in BY_SLUG, f"{article.file} links to {slug}, which is not an article"
    for name in screens(article.body):
        found = finders.find(f"help/screens/{name}")
        assert found, f"{article.file} shows {name}, which is not in help/static/help/screens/"
        assert Path(found).stat().st_size < 200_000, f"{name} is too large"


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.slug)
def test_every_bold_phrase_is_a_label_the_article_checks(article):
    checked = {label for page in article.pages for label in page.labels}
    unchecked = [p for p in strong_phrases(article.body) if p not in checked]
    assert unchecked == [], f"{article.file}: bold marks a label; add a page: line for these"


def test_the_seed_flow_is_told_step_by_step():
    body = BY_SLUG["move-referred-account-to-managed"].body
    body = body[body.index("## Ask the customer for permission") :]
    steps = [
        "**My Organization**",
        "**Accounts** › **My accounts**",
        "**Account type**",
        "**Referred**",
        "**Request permission to manage**",
        "**Request managed access**",
        "**Request permission**",
        "**Cancel permission request**",
        "full access",
    ]
    positions = [body.index(step) for step in steps]
    assert positions == sorted(positions)


# --- Labels on the pages, for the demo people -----------------------------------------------


def _text(content: bytes) -> str:
    page = content.decode()
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return " ".join(html.unescape(page).split())


def _who(client, who: str):
    accounts = {
        "customer-asked": ClientAccount.objects.get(owner__username="marco@harboryoga.example"),
        "customer-managed": ClientAccount.objects.get(
            owner__username="ruth@riversidedental.example"
        ),
    }
    users = {
        "partner": "olivia@brightwave.example",
        "staff": "staff@partnerhub.example",
        "organization": "ava@crumbandco.example",
        "customer-asked": accounts["customer-asked"].owner.username,
        "customer-managed": accounts["customer-managed"].owner.username,
    }
    client.logout()
    if who != "reader":
        from django.contrib.auth.models import User

        client.force_login(User.objects.get(username=users[who]))
    return accounts.get(who)


def _url(check, article, account) -> str:
    if check.url_name == "partner-request-create":
        referred = ClientAccount.objects.get(owner__username="dana@maplestreetbakery.example")
        url = reverse(check.url_name, args=[referred.encoded_account_id])
    elif check.url_name.startswith("customer-"):
        url = reverse(check.url_name, args=[account.encoded_account_id])
    elif check.url_name == "help-article":
        url = reverse(check.url_name, args=[article.slug])
    else:
        url = reverse(check.url_name)
    return f"{url}?{check.query}" if check.query else url


@pytest.mark.django_db
def test_every_label_an_article_quotes_is_on_the_page_it_names(client):
    call_command("demo_seed", stdout=open("/dev/null", "w"))  # noqa: SIM115
    missing = []
    checked = 0
    for article in ARTICLES:
        for check in article.pages:
            account = _who(client, check.who)
            url = _url(check, article, account)
            page = client.get(url)
            assert page.status_code == 200, (
                f"{article.file}: {url} as {check.who}: {page.status_code}"
            )
            text = _text(page.content)
            for label in check.labels:
                checked += 1
                if label not in text:
                    missing.append(f"{article.file}: “{label}” is not on {url} as {check.who}")
    assert missing == []
    assert checked >= 100


# --- The worked examples of the earnings article match the rules ----------------------------

WINDOW_DAYS = 60
RATE_PPM = 200_000
BONUS_USD_MINOR = 10_000


def _example(moved, converted, deployed):
    return rules.window(
        moved_on=dt.date.fromisoformat(moved),
        converted_on=dt.date.fromisoformat(converted) if converted else None,
        deployed_on=dt.date.fromisoformat(deployed),
        window_days=WINDOW_DAYS,
    )


def test_the_earnings_examples_are_what_the_rules_compute():
    body = BY_SLUG["how-earnings-are-calculated"].body
    # The program's first terms, as the article states them.
    from importlib import import_module

    terms = import_module("partnerhub.earnings.migrations.0002_initial_terms")
    assert terms.CURRENCIES["USD"][0] == BONUS_USD_MINOR
    for currency, (bonus, _) in terms.CURRENCIES.items():
        assert rules.format_minor(bonus, currency).replace(f" {currency}", "") in body
        assert f"{currency} {bonus // 100}.{bonus % 100:02d}" in body
    assert "revenue share is 20% of each paid invoice" in body and "the window is 60 days" in body

    share = rules.share_of(4500, RATE_PPM)
    assert share == 900 and "USD 45.00 = USD 9.00" in body
    assert rules.share_of(1234, RATE_PPM) == 247 and "USD 12.34 is USD 2.468" in body
    assert rules.share_of(-4500, RATE_PPM) == -900 and "USD -9.00" in body

    # 1. in window after conversion: day 60
    w = _example("2025-04-30", "2025-03-01", "2025-01-10")
    assert (w.in_window, w.days_after_conversion) == (True, 60)
    assert rules.earns_new_account_bonus(converted=True, in_window=w.in_window)
    assert rules.nab_accrual_day(
        converted_on=dt.date(2025, 3, 1), moved_on=dt.date(2025, 4, 30)
    ) == dt.date(2025, 4, 30)
    assert "moved under your\n   partnership on 2025-04-30: 60 days after its conversion" in body
    # 2. one day too late: out of window; managed still earns revenue share, never the bonus
    w = _example("2025-05-01", "2025-03-01", "2025-01-10")
    assert (w.in_window, w.days_after_conversion, w.days_after_deployment) == (False, 61, 111)
    assert not rules.earns_revenue_share(managed_on_day=False, in_window=False, single_bill=False)
    assert rules.earns_revenue_share(managed_on_day=True, in_window=False, single_bill=False)
    assert not rules.earns_new_account_bonus(converted=True, in_window=False)
    assert "61\n   days after its conversion and 111 days after your deployment" in body
    # 3. in window after deployment: day 60
    w = _example("2025-07-31", "2024-11-15", "2025-06-01")
    assert (w.in_window, w.by_conversion, w.by_deployment, w.days_after_deployment) == (
        True,
        False,
        True,
        60,
    )
    assert "moving it on 2025-07-31: 60 days after the\n   deployment" in body
    # 4. credited during the trial: in window, bonus on the conversion day
    w = _example("2025-02-01", "2025-09-10", "2025-01-10")
    assert w.in_window
    assert w.days_after_conversion < 0
    assert rules.nab_accrual_day(
        converted_on=dt.date(2025, 9, 10), moved_on=dt.date(2025, 2, 1)
    ) == dt.date(2025, 9, 10)
    assert "USD 100.00 accrues on 2025-09-10" in body
    # Single Bill never earns revenue share
    assert not rules.earns_revenue_share(managed_on_day=True, in_window=True, single_bill=True)
