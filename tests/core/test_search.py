"""Which search terms read the stored bigram codes, and what ``zz_bigrams`` stores
(``zhangzhou_ip.core.search``; decision 0020 §18). That the answers equal ``icontains`` is
tested on real data in tests/{cases,evidence}/test_search_bigrams.py."""

from __future__ import annotations

import pytest
from django.db import connection

from zhangzhou_ip.core.search import uses_bigrams


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("茶业", True),
        ("a茶", True),  # one character beyond ASCII is enough
        ("éT", True),
        ("店", False),  # one character: no piece
        ("茶业商", False),  # three: trigrams
        ("ab", False),  # ASCII pieces are not stored
        ("𥻗米", False),  # beyond the Basic Multilingual Plane: no code
        ("ıa", False),  # upper-cased it is "IA", ASCII: it would match every row
    ],
)
def test_which_terms_read_the_stored_bigrams(term, expected):
    assert uses_bigrams("postgresql", term) is expected
    assert uses_bigrams("sqlite", term) is False


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="zz_bigrams exists on PostgreSQL only"
)
def test_zz_bigrams_codes_each_piece_beyond_ascii_once():
    with connection.cursor() as cursor:
        cursor.execute("SELECT zz_bigrams(%s, %s, NULL, %s, '')", ["ab茶业茶业", "xy", "𥻗米了"])
        (codes,) = cursor.fetchone()
    pieces = {"b茶", "茶业", "业茶", "米了"}  # not "ab", "xy", nor the piece with 𥻗
    assert sorted(codes) == sorted((ord(p[0]) - 32768) * 65536 + ord(p[1]) for p in pieces)
    assert len(codes) == len(set(codes))
