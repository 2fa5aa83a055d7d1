"""Articles from Markdown to safe HTML, and to plain text for the search index.

Markdown is parsed by markdown-it-py (CommonMark plus tables) with raw HTML switched off, and
the HTML it writes is cleaned by nh3 with a short list of tags and attributes: no script,
style, event handler or ``javascript:`` link survives, whatever the text holds.

Two link forms of our own: ``[text](article:<slug>)`` links to another article, and
``![alt](screen:<name>.png)`` shows a screenshot of the product stored with this app
(``partnerhub/help/static/help/screens/``).
"""

import re

import nh3
from django.templatetags.static import static
from django.urls import reverse
from markdown_it import MarkdownIt

ARTICLE_LINK = "article:"
SCREEN_LINK = "screen:"
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SCREEN = re.compile(r"[a-z0-9-]+\.png")

ALLOWED_TAGS = {
    "p", "h2", "h3", "h4", "ol", "ul", "li", "strong", "em", "code", "pre", "a", "img",
    "blockquote", "table", "thead", "tbody", "tr", "th", "td", "hr", "br",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}
URL_SCHEMES = {"https", "http", "mailto"}


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.validateLink = _validate_link
    return md


def _validate_link(url: str) -> bool:
    lowered = url.strip().lower()
    return not lowered.startswith(("javascript:", "vbscript:", "data:", "file:"))


_MD = _parser()


def _rewrite_links(tokens) -> None:
    for token in tokens:
        if token.children:
            _rewrite_links(token.children)
        if token.type == "link_open":
            href = str(token.attrGet("href") or "")
            if href.startswith(ARTICLE_LINK):
                slug = href[len(ARTICLE_LINK) :]
                token.attrSet(
                    "href", reverse("help-article", args=[slug]) if _SLUG.fullmatch(slug) else "#"
                )
        elif token.type == "image":
            src = str(token.attrGet("src") or "")
            if src.startswith(SCREEN_LINK):
                name = src[len(SCREEN_LINK) :]
                token.attrSet(
                    "src", static(f"help/screens/{name}") if _SCREEN.fullmatch(name) else ""
                )


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render(body: str) -> str:
    """The article's HTML, safe to put on a page as it is."""
    tokens = _MD.parse(body)
    _rewrite_links(tokens)
    return sanitize(_MD.renderer.render(tokens, _MD.options, {}))


def article_links(body: str) -> list[str]:
    """The slugs of the articles ``body`` links to, in order."""
    found: list[str] = []

    def walk(tokens):
        for token in tokens:
            if token.children:
                walk(token.children)
            if token.type == "link_open":
                href = str(token.attrGet("href") or "")
                if href.startswith(ARTICLE_LINK) and href[len(ARTICLE_LINK) :] not in found:
                    found.append(href[len(ARTICLE_LINK) :])

    walk(_MD.parse(body))
    return found


def screens(body: str) -> list[str]:
    """The screenshot files ``body`` shows."""
    found: list[str] = []

    def walk(tokens):
        for token in tokens:
            if token.children:
                walk(token.children)
            if token.type == "image":
                src = str(token.attrGet("src") or "")
                if src.startswith(SCREEN_LINK):
                    found.append(src[len(SCREEN_LINK) :])

    walk(_MD.parse(body))
    return found


def strong_phrases(body: str) -> list[str]:
    """Every phrase set in bold: in an article, bold marks a label of the product's pages."""
    found: list[str] = []
    for token in _MD.parse(body):
        children = token.children or []
        for i, child in enumerate(children):
            if child.type == "strong_open":
                text = []
                for inner in children[i + 1 :]:
                    if inner.type == "strong_close":
                        break
                    text.append(inner.content)
                phrase = "".join(text)
                if phrase not in found:
                    found.append(phrase)
    return found


# Private-use characters mark highlighted words in search results; they never reach the index.
MARK_START = "\ue000"
MARK_END = "\ue001"


def plain_text(body: str) -> str:
    """The words of the article for the search index: the text of every block."""
    lines: list[str] = []
    for token in _MD.parse(body):
        if token.type == "inline":
            words = "".join(
                " " if child.type in ("softbreak", "hardbreak") else child.content
                for child in token.children or []
                if child.type in ("text", "code_inline", "softbreak", "hardbreak")
            )
            lines.append(words)
        elif token.type in ("fence", "code_block"):
            lines.append(token.content)
    # One line: PostgreSQL's headlines drop line breaks (joining the words either side).
    text = " ".join(" ".join(line.split()) for line in lines if line.strip())
    return text.replace(MARK_START, "").replace(MARK_END, "")


def highlighted(text: str) -> str:
    """Text the search engine marked with MARK_START/MARK_END as safe HTML: every character of
    the text escaped, then the marks turned into ``<mark>`` and ``</mark>``, the only tags."""
    from django.utils.html import escape

    return escape(text).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
