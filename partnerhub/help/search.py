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


_SQLITE_SEARCH = """
SELECT s.rowid,
       highlight(help_search, 0, %(start)s, %(end)s),
       snippet(help_search, 1, %(start)s, %(end)s, '…', 28),
       s.rowid IN (SELECT rowid FROM help_search WHERE help_search MATCH %(phrase_title)s),
       s.rowid IN (SELECT rowid FROM help_search WHERE help_search MATCH %(phrase)s),
       s.rowid IN (SELECT rowid FROM help_search WHERE help_search MATCH %(words_title)s),
       bm25(help_search, 10.0, 1.0)
FROM help_search AS s
WHERE help_search MATCH %(match)s AND s.rowid IN (SELECT id FROM help_article WHERE status = 'published' AND audience IN ({allowed}))
ORDER BY 4 DESC, 6 DESC, 5 DESC, 7 ASC, s.rowid ASC
LIMIT %(limit)s
"""

_POSTGRES_SEARCH = """
WITH q AS (
  SELECT plainto_tsquery('english', %(text)s) AS every_word,
         phraseto_tsquery('english', %(text)s) AS phrase,
         replace(plainto_tsquery('english', %(text)s)::text, ' & ', ' | ')::tsquery AS any_word
)
SELECT s.article_id,
       ts_headline('english', s.title, CASE WHEN %(any)s THEN q.any_word ELSE q.every_word END,
                   %(title_options)s),
       ts_headline('english', s.body, CASE WHEN %(any)s THEN q.any_word ELSE q.every_word END,
                   %(body_options)s),
       to_tsvector('english', s.title) @@ q.phrase AS phrase_title,
       s.document @@ q.phrase AS phrase_any,
       to_tsvector('english', s.title) @@ q.every_word AS words_title,
       ts_rank_cd(s.document, CASE WHEN %(any)s THEN q.any_word ELSE q.every_word END) AS rank
FROM help_search AS s, q
WHERE s.document @@ (CASE WHEN %(any)s THEN q.any_word ELSE q.every_word END)
  AND s.article_id IN (SELECT id FROM help_article WHERE status = 'published' AND audience IN ({allowed}))
ORDER BY 4 DESC, 6 DESC, 5 DESC, 7 DESC, s.article_id ASC
LIMIT %(limit)s
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


def _sqlite(connection, words, audiences, limit, *, any_word: bool) -> list[Hit]:
    params = {
        "start": MARK_START,
        "end": MARK_END,
        "phrase": '"' + " ".join(w.replace('"', '""') for w in words) + '"',
        "phrase_title": "title : " + '"' + " ".join(w.replace('"', '""') for w in words) + '"',
        "words_title": "title : (" + _fts5_quoted(words, " ") + ")",
        "match": _fts5_quoted(words, " OR " if any_word else " "),
        "limit": limit,
    }
    sql = _SQLITE_SEARCH.format(allowed=_audience_params(audiences, params))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [Hit(row[0], highlighted(row[1]), highlighted(row[2])) for row in rows]


def _postgres(connection, words, audiences, limit, *, any_word: bool) -> list[Hit]:
    text = " ".join(words)
    params = {
        "text": text,
        "any": any_word,
        "title_options": _TITLE_HEADLINE.format(start=MARK_START, end=MARK_END),
        "body_options": _BODY_HEADLINE.format(start=MARK_START, end=MARK_END),
        "limit": limit,
    }
    sql = _POSTGRES_SEARCH.format(allowed=_audience_params(audiences, params))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [Hit(row[0], highlighted(row[1]), highlighted(row[2])) for row in rows]
