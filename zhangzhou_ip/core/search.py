"""``contains_any``: the search boxes' "any of these texts contains the term" (``icontains``),
with an index behind it at every term length that matters on PostgreSQL.

* Three characters or more: pg_trgm GIN indexes on ``UPPER(column::text)`` (cases 0008,
  evidence 0003) answer ``icontains`` as Django writes it.
* Two characters, one of them beyond ASCII (茶业, 店铺 — common Chinese search words): no
  trigram exists, so the same condition read whole tables (300 ms for the case list, 1.1 s
  for an administrator's evidence list at scale). A model that declares
  ``search_bigram_fields`` has a stored ``search_bigrams`` column (``AddBigramColumn``):
  the codes of the distinct two-character pieces of exactly those upper-cased texts
  (``zz_bigrams``, core migration 0004). The term is one of them if and only if one of the
  texts contains it, so ``search_bigrams @> zz_bigrams(UPPER(term))`` is the same condition,
  answered by one GIN lookup (the function of a constant is computed once, when planning).
* Anything else (one character, two ASCII characters, SQLite): ``icontains``.

Decision 0020 §17–18: why a stored column and not a function index or pg_bigm.
"""

from __future__ import annotations

from django.db import connections
from django.db.models import BooleanField, Expression, F, Q, QuerySet

from zhangzhou_ip.core.bigram_columns import COLUMN


def uses_bigrams(vendor: str, term: str) -> bool:
    """Whether the column answers ``term``: two characters, not both ASCII, both in the Basic
    Multilingual Plane — the term as typed and upper-cased, as the database compares it
    ("ıa" is "IA"). For any other term ``zz_bigrams`` gives no code, and ``@>`` an empty
    array would match every row."""
    return vendor == "postgresql" and all(
        len(text) == 2 and not text.isascii() and all(ord(c) < 0x10000 for c in text)
        for text in (term, term.upper())
    )


class HasBigram(Expression):
    """``<table>.search_bigrams @> zz_bigrams(UPPER(term))`` for the query's own table, under
    whatever alias the query gives it (the alias is read from its primary key's column)."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, term: str) -> None:
        super().__init__()
        self.term = term
        self.pk = F("pk")

    def get_source_expressions(self):
        return [self.pk]

    def set_source_expressions(self, exprs):
        (self.pk,) = exprs

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(self.pk.alias)
        column = connection.ops.quote_name(COLUMN)
        return f"{table}.{column} @> zz_bigrams(UPPER(%s::text))", (self.term,)


def contains_any(queryset: QuerySet, term: str) -> Q:
    """Rows of ``queryset`` where one of its model's ``search_bigram_fields`` — the texts its
    search box matches, and the texts its stored bigrams hold — contains ``term``, ignoring
    case: the stored bigrams for a two-character term, ``icontains`` otherwise."""
    if uses_bigrams(connections[queryset.db].vendor, term):
        return Q(HasBigram(term))
    q = Q()
    for field in queryset.model.search_bigram_fields:
        q |= Q(**{f"{field}__icontains": term})
    return q
