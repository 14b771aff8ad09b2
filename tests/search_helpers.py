"""What the two-character search tests share (tests/{cases,evidence}/test_search_bigrams.py)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection


def fold(text: str) -> str:
    """Upper case as the database compares: PostgreSQL's ``UPPER`` knows every alphabet,
    SQLite's ``LIKE`` ignores the case of ASCII letters only."""
    if connection.vendor == "postgresql":
        return text.upper()
    return "".join(c.upper() if c.isascii() else c for c in text)


def two_character_pieces(texts: Iterable[str]) -> set[str]:
    """Every two-character piece of the texts that is not all ASCII."""
    return {
        text[i : i + 2]
        for text in texts
        for i in range(len(text) - 1)
        if not text[i : i + 2].isascii()
    }


def found_in(texts_by_pk: dict[int, list[str]], term: str) -> set[int]:
    """The keys of the rows one of whose texts contains ``term`` as the database compares."""
    return {pk for pk, texts in texts_by_pk.items() if any(fold(term) in fold(t) for t in texts)}
