"""Markdown to safe HTML: nothing that runs survives, our own link forms work."""

from html.parser import HTMLParser

import pytest

from partnerhub.help.rendering import (
    ALLOWED_TAGS,
    article_links,
    plain_text,
    render,
    screens,
    strong_phrases,
)

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="#" onclick="alert(1)">x</a>',
    "<iframe src=https://example.com></iframe>",
    "<style>body{display:none}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<svg><script>alert(1)</script></svg>",
    '[x](https://example.com "title" onmouseover="alert(1)")',
    "<<script>script>alert(1)<</script>/script>",
    "```html\n<script>alert(1)</script>\n```",
]


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict]]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("body", HOSTILE)
def test_no_script_or_handler_survives(body):
    found = elements(render(body))
    tags = {tag for tag, _ in found}
    assert tags <= ALLOWED_TAGS
    assert not tags & {"script", "iframe", "style", "svg", "div"}
    for _, attrs in found:
        assert not [name for name in attrs if name.startswith("on") or name == "style"]
        for name in ("href", "src"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "vbscript:", "data:")), value


def test_raw_html_is_shown_as_text_not_run():
    assert render("<b>bold</b>") == "<p>&lt;b&gt;bold&lt;/b&gt;</p>\n"


def test_a_javascript_link_stays_text():
    html = render("[click](javascript:alert(1))")
    assert [tag for tag, _ in elements(html)] == ["p"]
    assert html == "<p>[click](javascript:alert(1))</p>\n"


def test_numbered_steps_become_an_ordered_list():
    html = render("1. First\n2. Second\n")
    assert html == "<ol>\n<li>First</li>\n<li>Second</li>\n</ol>\n"


def test_links_between_articles_and_screenshots():
    body = "See [the other](article:how-earnings-are-calculated).\n\n![Shot](screen:earnings.png)"
    html = render(body)
    assert (
        '<a href="/help/how-earnings-are-calculated/" rel="noopener noreferrer">the other</a>'
        in html
    )
    assert '<img src="/static/help/screens/earnings.png" alt="Shot">' in html
    assert article_links(body) == ["how-earnings-are-calculated"]
    assert screens(body) == ["earnings.png"]


def test_a_malformed_article_link_goes_nowhere():
    html = render("[x](article:../../admin/)")
    assert 'href="#"' in html


def test_strong_phrases_and_plain_text():
    body = "Click **Request permission**,\nthen **Confirm**.\n\n| a | b |\n| - | - |\n| c | d |"
    assert strong_phrases(body) == ["Request permission", "Confirm"]
    assert plain_text(body) == "Click Request permission, then Confirm. a b c d"
