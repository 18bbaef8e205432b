"""Pure rules of search: how text becomes index tokens, what a query's words require, and how a
title is highlighted. Both adapters follow them, so a query means the same on each.

Chinese is written without spaces, so a word boundary cannot be found without a dictionary:
like Elasticsearch's `cjk_bigram`, a run of CJK characters is indexed as its overlapping
character pairs (and, for one-character queries, its single characters). Other text is split
into lower-cased letter/digit words.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

_WORD = re.compile(r"[^\W_]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+")
# Added in front of every token stored in the embedded index: MariaDB's InnoDB full-text index
# ignores tokens shorter than innodb_ft_min_token_size (3) and its stop words ("the", "for"),
# and MariaDB has no ngram parser; with the prefix a one-character token is three long and no
# token is a stop word. SQLite FTS5 stores the same tokens, so both engines behave alike.
TOKEN_PREFIX = "xx"
MAX_QUERY_TERMS = 12
MAX_PAGE_WINDOW = 10_000  # page * page_size (Elasticsearch's default result window)
MAX_PRICE_BUCKETS = 100  # the lowest ones, when a narrow interval makes more

# How much a match weighs by field (title > brand > category > attributes).
BOOSTS = {"title": 4, "brand": 3, "category": 2, "attributes": 1}


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


@dataclass(frozen=True)
class Term:
    """One word of a query. A latin word must be present as is (`tokens` holds it); a CJK run
    matches when any of its character pairs is present (`tokens` holds them), the more the
    better."""

    text: str
    tokens: tuple[str, ...]
    cjk: bool


def _pieces(text: str) -> list[tuple[str, bool]]:
    """The words of `text`, each split into CJK runs and other runs: (piece, is_cjk)."""
    out: list[tuple[str, bool]] = []
    for word in _WORD.findall(normalise(text)):
        position = 0
        for run in _CJK.finditer(word):
            if run.start() > position:
                out.append((word[position : run.start()], False))
            out.append((run.group(), True))
            position = run.end()
        if position < len(word):
            out.append((word[position:], False))
    return out


def _bigrams(run: str) -> tuple[str, ...]:
    if len(run) == 1:
        return (run,)
    return tuple(run[i : i + 2] for i in range(len(run) - 1))


def index_tokens(text: str) -> list[str]:
    """The tokens a text is indexed under: latin words, and for each CJK run its single
    characters and its pairs."""
    tokens: list[str] = []
    for piece, cjk in _pieces(text):
        if cjk:
            tokens.extend(piece)
            if len(piece) > 1:
                tokens.extend(_bigrams(piece))
        else:
            tokens.append(piece)
    return tokens


def query_terms(text: str) -> tuple[Term, ...]:
    """The terms of a query (at most MAX_QUERY_TERMS; duplicates dropped)."""
    terms: list[Term] = []
    seen: set[str] = set()
    for piece, cjk in _pieces(text):
        if piece in seen:
            continue
        seen.add(piece)
        terms.append(Term(piece, _bigrams(piece) if cjk else (piece,), cjk))
    return tuple(terms[:MAX_QUERY_TERMS])


def stored(token: str) -> str:
    return TOKEN_PREFIX + token


def weighted_tokens(fields: dict[str, list[str]]) -> str:
    """The embedded index's token text of a document: each field's tokens repeated by its
    boost, so a title match weighs more than an attribute match (term frequency)."""
    parts: list[str] = []
    for name, texts in fields.items():
        tokens = [stored(t) for text in texts for t in index_tokens(text)]
        parts.extend(tokens * BOOSTS[name])
    return " ".join(parts)


def highlight(title: str, terms: tuple[Term, ...]) -> str:
    """`title` HTML-escaped with the words (latin) and character pairs (CJK) a query matched
    wrapped in <em></em>."""
    if not terms:
        return html.escape(title)
    words = {t.text for t in terms if not t.cjk}
    pairs = {tok for t in terms if t.cjk for tok in t.tokens}
    marked = [False] * len(title)
    lowered = normalise(title)
    if len(lowered) != len(title):  # NFKC changed the length: positions would not line up
        lowered = title.lower()
    for match in _WORD.finditer(lowered):
        word = match.group()
        if word in words:
            marked[match.start() : match.end()] = [True] * len(word)
            continue
        for run in _CJK.finditer(word):
            chars = run.group()
            base = match.start() + run.start()
            for i in range(len(chars)):
                for size in (2, 1):
                    if chars[i : i + size] in pairs and len(chars[i : i + size]) == size:
                        marked[base + i : base + i + size] = [True] * size
        # a latin piece inside a word with CJK ("iphone手机"): blank the runs, keep positions
        for piece in _WORD.finditer(_CJK.sub(lambda m: " " * len(m.group()), word)):
            if piece.group() in words:
                start = match.start() + piece.start()
                marked[start : start + len(piece.group())] = [True] * len(piece.group())
    out: list[str] = []
    i = 0
    while i < len(title):
        j = i
        while j < len(title) and marked[j] == marked[i]:
            j += 1
        chunk = html.escape(title[i:j])
        out.append(f"<em>{chunk}</em>" if marked[i] else chunk)
        i = j
    return "".join(out)


def price_bucket_low(price: Decimal, interval: Decimal) -> Decimal:
    return (price // interval) * interval


def completion_inputs(title: str, brand: str) -> list[str]:
    """What a completion suggester matches from the beginning: the title from each of its
    words on (and from each character of a CJK run), and the brand."""
    inputs: list[str] = []
    words = title.split()
    for i in range(len(words)):
        inputs.append(" ".join(words[i:]))
        for run in _CJK.finditer(words[i]):
            for k in range(run.start() + 1, run.end()):
                inputs.append(" ".join([words[i][k:], *words[i + 1 :]]))
    if brand:
        inputs.append(brand)
    unique = list(dict.fromkeys(s for s in inputs if s))
    return unique[:50]
