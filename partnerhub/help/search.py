"""Full-text search over published articles, on either engine.

The index is the table ``help_search`` (one row per published article, ``rowid``/``article_id``
= the article's id), created by this app's migrations for the engine in use:

- SQLite: an FTS5 virtual table with the ``porter unicode61`` tokenizer ("managing" and
  "managed" both stem to "manag");
- PostgreSQL: a plain table with a generated ``tsvector`` (``english`` configuration; the title
  weighted A, the body B) and a GIN index on it.

Services write it in the transaction that publishes or withdraws an article.

Ranking, best first: the exact phrase in the title, every word in the title, the exact phrase
in the body, then the engine's relevance (BM25 with the title weighted ten times the body on
SQLite, ``ts_rank_cd`` with its A/B weights on PostgreSQL). Every word must match; when no
article holds them all, articles holding any of them are returned instead.

What a reader types is never handed to the engine's query syntax: it is split into words and
each word is quoted (FTS5) or passed as a bound parameter to ``plainto_tsquery`` and
``phraseto_tsquery`` (PostgreSQL).
"""

import re
from dataclasses import dataclass

from django.db import connections

from partnerhub.help.rendering import MARK_END, MARK_START, highlighted

MAX_QUERY_LENGTH = 200
MAX_WORDS = 12
_WORD = re.compile(r"\w+", re.UNICODE)


def words_of(query: str) -> list[str]:
    """The words of a query, at most ``MAX_WORDS``; punctuation and operators are dropped."""
    return [w for w in _WORD.findall(query[:MAX_QUERY_LENGTH].lower()) if w != "_"][:MAX_WORDS]


@dataclass(frozen=True)
class Hit:
    article_id: int
    title_html: str  # the title with matching words in <mark>, safe
    snippet_html: str  # a passage of the body with matching words in <mark>, safe
    slug: str
    number: str
    topic: str
    audience: str


# --- Writing the index ----------------------------------------------------------------------


def index_put(*, article_id: int, title: str, body_text: str, using: str = "default") -> None:
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "INSERT INTO help_search (article_id, title, body) VALUES (%s, %s, %s) "
                "ON CONFLICT (article_id) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body",
                [article_id, title, body_text],
            )
        else:
            cursor.execute("DELETE FROM help_search WHERE rowid = %s", [article_id])
            cursor.execute(
                "INSERT INTO help_search (rowid, title, body) VALUES (%s, %s, %s)",
                [article_id, title, body_text],
            )


def index_drop(*, article_id: int, using: str = "default") -> None:
    connection = connections[using]
    column = "article_id" if connection.vendor == "postgresql" else "rowid"
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM help_search WHERE {column} = %s", [article_id])  # noqa: S608


def index_clear(*, using: str = "default") -> None:
    with connections[using].cursor() as cursor:
        cursor.execute("DELETE FROM help_search")


# --- Searching ------------------------------------------------------------------------------


def _fts5_quoted(words: list[str], joiner: str) -> str:
    return joiner.join('"' + w.replace('"', '""') + '"' for w in words)


# Ranking first, on the index alone; the highlights are then made for the page of results only
# (making them for every match would cost more than the search itself). ``+rowid`` keeps SQLite
# from handing the id lists to FTS5 as lookups (one full-text query per id), filtering instead.
_SQLITE_RANK = """
SELECT s.rowid
FROM help_search AS s
WHERE help_search MATCH %(match)s
  AND +s.rowid IN (SELECT id FROM help_article WHERE status = 'published' AND audience IN ({allowed}))
ORDER BY +s.rowid IN (SELECT rowid FROM help_search WHERE help_search MATCH %(phrase_title)s) DESC,
         +s.rowid IN (SELECT rowid FROM help_search WHERE help_search MATCH %(words_title)s) DESC,
         +s.rowid IN (SELECT rowid FROM help_search WHERE help_search MATCH %(phrase)s) DESC,
         bm25(help_search, 10.0, 1.0) ASC,
         s.rowid ASC
LIMIT %(limit)s
"""
_SQLITE_MARKS = """
SELECT s.rowid,
       highlight(help_search, 0, %(start)s, %(end)s),
       snippet(help_search, 1, %(start)s, %(end)s, '…', 28),
       a.slug, a.number, a.topic, a.audience
FROM help_search AS s JOIN help_article AS a ON a.id = s.rowid
WHERE help_search MATCH %(match)s AND +s.rowid IN ({ids})
"""

# The title's words are the document's weight-A lexemes: ``ts_filter`` keeps them (and their
# positions, for the phrase) without parsing the title again.
_POSTGRES_RANK = """
WITH q AS (
  SELECT plainto_tsquery('english', %(text)s) AS every_word,
         phraseto_tsquery('english', %(text)s) AS phrase,
         replace(plainto_tsquery('english', %(text)s)::text, ' & ', ' | ')::tsquery AS any_word
), m AS (
  SELECT CASE WHEN %(any)s THEN any_word ELSE every_word END AS matching, every_word, phrase
  FROM q
)
SELECT s.article_id
FROM help_search AS s, m
WHERE s.document @@ m.matching
  AND s.article_id IN (SELECT id FROM help_article WHERE status = 'published' AND audience IN ({allowed}))
ORDER BY ts_filter(s.document, '{{a}}') @@ m.phrase DESC,
         ts_filter(s.document, '{{a}}') @@ m.every_word DESC,
         s.document @@ m.phrase DESC,
         ts_rank_cd(s.document, m.matching) DESC,
         s.article_id ASC
LIMIT %(limit)s
"""
_POSTGRES_MARKS = """
WITH q AS (
  SELECT plainto_tsquery('english', %(text)s) AS every_word,
         phraseto_tsquery('english', %(text)s) AS phrase,
         replace(plainto_tsquery('english', %(text)s)::text, ' & ', ' | ')::tsquery AS any_word
), m AS (
  SELECT CASE WHEN %(any)s THEN any_word ELSE every_word END AS matching, every_word, phrase
  FROM q
)
SELECT s.article_id,
       ts_headline('english', s.title, m.matching, %(title_options)s),
       ts_headline('english', s.body, m.matching, %(body_options)s),
       a.slug, a.number, a.topic, a.audience
FROM help_search AS s JOIN help_article AS a ON a.id = s.article_id, m
WHERE s.article_id IN ({ids})
"""

_TITLE_HEADLINE = "StartSel={start}, StopSel={end}, HighlightAll=true"
_BODY_HEADLINE = (
    "StartSel={start}, StopSel={end}, MaxWords=32, MinWords=16, MaxFragments=1, "
    'FragmentDelimiter=" … "'
)


def search(
    query: str, *, audiences: list[str], limit: int = 20, using: str = "default"
) -> list[Hit]:
    """Published articles for ``audiences`` that match ``query``, best first."""
    words = words_of(query)
    if not words or not audiences:
        return []
    connection = connections[using]
    run = _postgres if connection.vendor == "postgresql" else _sqlite
    hits = run(connection, words, audiences, limit, any_word=False)
    if not hits and len(words) > 1:
        hits = run(connection, words, audiences, limit, any_word=True)
    return hits


def _audience_params(audiences: list[str], params: dict) -> str:
    names = []
    for i, audience in enumerate(audiences):
        params[f"audience_{i}"] = audience
        names.append(f"%(audience_{i})s")
    return ", ".join(names)


def _ids(rows) -> str:
    # Integers the database just returned, written in as literals.
    return ", ".join(str(int(row[0])) for row in rows)


def _hits(connection, rank_sql, marks_sql, params) -> list[Hit]:
    with connection.cursor() as cursor:
        cursor.execute(rank_sql, params)
        ranked = cursor.fetchall()
        if not ranked:
            return []
        cursor.execute(marks_sql.format(ids=_ids(ranked)), params)
        marks = {row[0]: row for row in cursor.fetchall()}
    return [
        Hit(
            row[0],
            highlighted(marks[row[0]][1]),
            highlighted(marks[row[0]][2]),
            *marks[row[0]][3:],
        )
        for row in ranked
        if row[0] in marks
    ]


def _sqlite(connection, words, audiences, limit, *, any_word: bool) -> list[Hit]:
    phrase = '"' + " ".join(w.replace('"', '""') for w in words) + '"'
    params = {
        "start": MARK_START,
        "end": MARK_END,
        "phrase": phrase,
        "phrase_title": "title : " + phrase,
        "words_title": "title : (" + _fts5_quoted(words, " ") + ")",
        "match": _fts5_quoted(words, " OR " if any_word else " "),
        "limit": limit,
    }
    rank_sql = _SQLITE_RANK.format(allowed=_audience_params(audiences, params))
    return _hits(connection, rank_sql, _SQLITE_MARKS, params)


def _postgres(connection, words, audiences, limit, *, any_word: bool) -> list[Hit]:
    params = {
        "text": " ".join(words),
        "any": any_word,
        "title_options": _TITLE_HEADLINE.format(start=MARK_START, end=MARK_END),
        "body_options": _BODY_HEADLINE.format(start=MARK_START, end=MARK_END),
        "limit": limit,
    }
    rank_sql = _POSTGRES_RANK.format(allowed=_audience_params(audiences, params))
    return _hits(connection, rank_sql, _POSTGRES_MARKS, params)
