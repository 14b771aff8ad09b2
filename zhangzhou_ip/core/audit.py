"""The audit trail: one newest-first stream of who changed what, merged from

* the history (django-simple-history) of every tracked model, with the changed fields'
  before → after computed against the object's previous history row;
* the admin's ``LogEntry`` rows;
* the timelines that apps register here (``register_source``; cases add ``CaseEvent``).

Built for large tables: each source is asked for at most one page (plus one) of rows older
than the cursor, in the order of an index on its time column; the rows are merged and cut to
the page, and only the page's rows are worked on (previous history rows, many-to-many sets
and the labels of foreign keys: one query per model, whatever the number of rows). Nothing is
counted; the next page starts "older than" the last row shown (``Cursor``).

Every text shown passes through ``mask_personal_ids``: resident ID numbers never appear
unmasked, whatever field or note they were typed into. Imports no app (docs/architecture.md).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import get_m2m_reverse_field_name

from zhangzhou_ip.core.logging import mask_personal_ids

PAGE_SIZE = 50
MAX_VALUE_CHARS = 200
KINDS = {
    "history": gettext_lazy("Change history"),
    "admin": gettext_lazy("Admin log"),
    "timeline": gettext_lazy("Timelines"),
}
# Fields that name a history row's object, in order of preference (text fields, searchable).
REPR_FIELDS = ("number", "name", "title", "subject", "username", "code", "template", "date")


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: entries are ordered by (time, source key, id), newest first."""

    at: dt.datetime
    source: str
    pk: int

    def __str__(self) -> str:
        return f"{self.at.isoformat()}|{self.source}|{self.pk}"

    @classmethod
    def parse(cls, value: str) -> Cursor:
        """Raises ``ValueError`` for anything but a cursor this module wrote."""
        at, source, pk = value.split("|")
        moment = dt.datetime.fromisoformat(at)
        if timezone.is_naive(moment):
            raise ValueError("cursor without time zone")
        return cls(moment, source, int(pk))


@dataclass(frozen=True)
class Filters:
    user_id: int | None = None
    kind: str = ""
    model: str = ""  # "app_label.model_name"
    start: dt.datetime | None = None  # inclusive
    end: dt.datetime | None = None  # exclusive
    object_id: str = ""
    search: str = ""


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class Entry:
    at: dt.datetime
    source: str
    pk: int
    kind: str
    user: Any
    model: str
    object_id: str
    object_repr: str = ""
    action: str = ""
    changes: list[Change] = field(default_factory=list)
    note: str = ""
    url: str = ""
    row: Any = None
    raw: list[tuple[models.Field | None, str, Any, Any]] = field(default_factory=list)

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.at, self.source, self.pk)

    @property
    def kind_label(self) -> str:
        return str(KINDS.get(self.kind, self.kind))


@dataclass
class Page:
    entries: list[Entry]
    next_cursor: Cursor | None


class Labels:
    """Labels of foreign keys and many-to-many targets on a page: collected first, then one
    query per related model."""

    def __init__(self) -> None:
        self.wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
        self.found: dict[tuple[type[models.Model], Any], str] = {}

    def want(self, model: type[models.Model], pk: Any) -> None:
        if pk is not None and pk != "":
            self.wanted[model].add(pk)

    def resolve(self) -> None:
        for model, pks in self.wanted.items():
            for obj in model._default_manager.select_related().filter(pk__in=pks):
                self.found[(model, obj.pk)] = str(obj)
        self.wanted.clear()

    def get(self, model: type[models.Model], pk: Any) -> str:
        return self.found.get((model, pk), f"#{pk}")


def display(value: Any, model_field: models.Field | None, labels: Labels) -> str:
    """A value as a reader sees it, truncated and with ID numbers masked."""
    if value is None or value == "":
        text = "—"
    elif isinstance(value, (set, frozenset)):
        text = ", ".join(sorted(display(item, model_field, labels) for item in value)) or "—"
    elif isinstance(model_field, (models.ForeignKey, models.ManyToManyField)):
        text = labels.get(model_field.related_model, value)
    elif model_field is not None and model_field.choices:
        text = str(dict(model_field.flatchoices).get(value, value))
    elif isinstance(value, bool):
        text = _("yes") if value else _("no")
    elif isinstance(value, dt.datetime):
        text = formats.date_format(timezone.localtime(value), "Y-m-d H:i:s")
    elif isinstance(value, dt.date):
        text = value.isoformat()
    elif isinstance(value, Decimal):
        text = format(value, "f")
    else:
        text = Truncator(str(value)).chars(MAX_VALUE_CHARS)
    return mask_personal_ids(text)


def _admin_url(model: type[models.Model], view: str, object_id: Any) -> str:
    if not admin.site.is_registered(model):
        return ""
    opts = model._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[object_id])
    except NoReverseMatch:
        return ""


# --- sources --------------------------------------------------------------------------------


class Source:
    """One stream of the trail. Subclasses say where time, user, object and the searchable
    text are, and turn rows into entries."""

    key = ""
    kind = ""
    time_field = ""
    user_field = ""
    object_field = ""
    search_fields: tuple[str, ...] = ()
    #: Labels ("app_label.model_name") the model filter selects this source for.
    model_labels: frozenset[str] = frozenset()

    def queryset(self, filters: Filters) -> QuerySet:
        raise NotImplementedError

    def entry(self, row: Any) -> Entry:
        raise NotImplementedError

    def object_q(self, value: str) -> Q | None:
        """The object-id filter; ``None`` when the value cannot name one of this source's
        objects (the source then contributes nothing)."""
        if not value.isdigit():
            return None
        return Q(**{self.object_field: int(value)})

    def search_q(self, text: str) -> Q | None:
        if not self.search_fields:
            return None
        q = Q()
        for name in self.search_fields:
            q |= Q(**{f"{name}__icontains": text})
        return q

    def cursor_q(self, cursor: Cursor) -> Q:
        t = self.time_field
        if self.key < cursor.source:
            return Q(**{f"{t}__lte": cursor.at})
        if self.key > cursor.source:
            return Q(**{f"{t}__lt": cursor.at})
        return Q(**{f"{t}__lt": cursor.at}) | Q(**{t: cursor.at, "pk__lt": cursor.pk})

    def fetch(self, filters: Filters, cursor: Cursor | None, limit: int) -> list[Entry]:
        if filters.kind and filters.kind != self.kind:
            return []
        if filters.model and filters.model not in self.model_labels:
            return []
        qs = self.queryset(filters)
        t = self.time_field
        if filters.user_id is not None:
            qs = qs.filter(**{f"{self.user_field}_id": filters.user_id})
        if filters.start is not None:
            qs = qs.filter(**{f"{t}__gte": filters.start})
        if filters.end is not None:
            qs = qs.filter(**{f"{t}__lt": filters.end})
        for value, make_q in ((filters.object_id, self.object_q), (filters.search, self.search_q)):
            if value:
                q = make_q(value)
                if q is None:
                    return []
                qs = qs.filter(q)
        if cursor is not None:
            qs = qs.filter(self.cursor_q(cursor))
        return [self.entry(row) for row in qs.order_by(f"-{t}", "-pk")[:limit]]

    def collect(self, entries: list[Entry], labels: Labels) -> None:
        """Bulk work for the page's entries of this source; foreign keys go to ``labels``."""

    def render(self, entries: list[Entry], labels: Labels) -> None:
        for entry in entries:
            entry.changes = [
                Change(label, display(old, f, labels), display(new, f, labels))
                for f, label, old, new in entry.raw
            ]
            entry.object_repr = mask_personal_ids(entry.object_repr)
            entry.note = mask_personal_ids(entry.note)


class HistorySource(Source):
    """The history rows of one model; before → after against the object's previous row."""

    kind = "history"
    time_field = "history_date"
    user_field = "history_user"
    object_field = "id"

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.history = getattr(model, model._meta.simple_history_manager_attribute).model
        self.key = f"history:{model._meta.label_lower}"
        self.model_labels = frozenset({model._meta.label_lower})
        self.m2m_fields = [f for f in self.history._history_m2m_fields]
        m2m_names = {f.name for f in self.m2m_fields}
        self.tracked = [
            f
            for f in self.history.tracked_fields
            if f.editable and not f.primary_key and f.name not in m2m_names
        ]
        text = [f for f in self.tracked if f.name in REPR_FIELDS and not f.is_relation]
        text.sort(key=lambda f: REPR_FIELDS.index(f.name))
        self.search_fields = tuple(f.name for f in text[:2])
        fks = [f for f in self.tracked if isinstance(f, models.ForeignKey)]
        self.repr_fk = fks[0] if not text and fks else None

    def queryset(self, filters: Filters) -> QuerySet:
        previous = self.history.objects.filter(
            id=OuterRef("id"), history_id__lt=OuterRef("history_id")
        ).order_by("-history_id")
        return self.history.objects.select_related("history_user").annotate(
            audit_previous=Subquery(previous.values("history_id")[:1])
        )

    def entry(self, row: Any) -> Entry:
        actions = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
        repr_values = [getattr(row, name) for name in self.search_fields]
        return Entry(
            at=row.history_date,
            source=self.key,
            pk=row.history_id,
            kind=self.kind,
            user=row.history_user,
            model=str(self.model._meta.verbose_name),
            object_id=str(row.id),
            object_repr=str(next((v for v in repr_values if v), "")),
            action=actions.get(row.history_type, row.history_type),
            note=row.history_change_reason or "",
            url="" if row.history_type == "-" else _history_url(self.model, row.id),
            row=row,
        )

    def collect(self, entries: list[Entry], labels: Labels) -> None:
        previous_ids = [e.row.audit_previous for e in entries if e.row.audit_previous]
        previous = self.history.objects.in_bulk(previous_ids) if previous_ids else {}
        sets = self._m2m_sets([e.row.history_id for e in entries] + previous_ids)
        excluded = [f.name for f in self.m2m_fields]
        for entry in entries:
            row = entry.row
            if self.repr_fk is not None and not entry.object_repr:
                pk = getattr(row, self.repr_fk.attname)
                labels.want(self.repr_fk.related_model, pk)
                row.audit_repr_pk = pk
            before = previous.get(row.audit_previous)
            if row.history_type == "~" and before is not None:
                delta = row.diff_against(before, excluded_fields=excluded)
                raw = [(self.history._meta.get_field(c.field), c.old, c.new) for c in delta.changes]
            elif row.history_type == "-":
                raw = [(f, getattr(row, f.attname), None) for f in self.tracked]
            else:
                raw = [(f, None, getattr(row, f.attname)) for f in self.tracked]
                if row.history_type == "~":
                    entry.note = " ".join(filter(None, [entry.note, _("No earlier record.")]))
            entry.raw = [
                (f, str(f.verbose_name), old, new)
                for f, old, new in raw
                if not (old in (None, "") and new in (None, ""))
            ]
            for f in self.m2m_fields:
                old = sets[f.name].get(row.audit_previous, set()) if before is not None else set()
                new = sets[f.name].get(row.history_id, set())
                if old != new and row.history_type != "-":
                    entry.raw.append((f, str(f.verbose_name), old or None, new or None))
            if not entry.raw and row.history_type == "~" and before is not None:
                # E.g. a save that only bumped an excluded field such as ``version``.
                entry.note = " ".join(filter(None, [entry.note, _("No recorded field changed.")]))
            for f, _label, old, new in entry.raw:
                if isinstance(f, (models.ForeignKey, models.ManyToManyField)):
                    for value in (old, new):
                        for pk in value if isinstance(value, set) else [value]:
                            labels.want(f.related_model, pk)

    def _m2m_sets(self, history_ids: list[int]) -> dict[str, dict[int, set[Any]]]:
        """For each many-to-many field, the related ids per history row (one query each)."""
        sets: dict[str, dict[int, set[Any]]] = {}
        for f in self.m2m_fields:
            through = getattr(self.history, f.name).model
            target = through._meta.get_field(get_m2m_reverse_field_name(f)).attname
            per_row: dict[int, set[Any]] = defaultdict(set)
            rows = through.objects.filter(history_id__in=history_ids).values_list(
                "history_id", target
            )
            for history_id, pk in rows:
                per_row[history_id].add(pk)
            sets[f.name] = per_row
        return sets

    def render(self, entries: list[Entry], labels: Labels) -> None:
        for entry in entries:
            pk = getattr(entry.row, "audit_repr_pk", None)
            if pk is not None:
                entry.object_repr = labels.get(self.repr_fk.related_model, pk)
        super().render(entries, labels)


def _history_url(model: type[models.Model], object_id: Any) -> str:
    return _admin_url(model, "history", object_id) or _admin_url(model, "change", object_id)


class LogEntrySource(Source):
    """What the Django admin wrote: who added, changed or deleted which object."""

    key = "admin"
    kind = "admin"
    time_field = "action_time"
    user_field = "user"
    object_field = "object_id"
    search_fields = ("object_repr",)

    def __init__(self, model_labels: Iterable[str]) -> None:
        self.model_labels = frozenset(model_labels)

    def queryset(self, filters: Filters) -> QuerySet:
        qs = LogEntry.objects.select_related("user", "content_type")
        if filters.model:
            model = apps.get_model(filters.model)
            qs = qs.filter(content_type=ContentType.objects.get_for_model(model))
        return qs

    def object_q(self, value: str) -> Q | None:
        return Q(object_id=value)

    def entry(self, row: LogEntry) -> Entry:
        actions = {ADDITION: _("added"), CHANGE: _("changed"), DELETION: _("deleted")}
        model = row.content_type.model_class() if row.content_type_id else None
        return Entry(
            at=row.action_time,
            source=self.key,
            pk=row.pk,
            kind=self.kind,
            user=row.user,
            model=str(model._meta.verbose_name) if model else "",
            object_id=row.object_id or "",
            object_repr=row.object_repr,
            action=actions.get(row.action_flag, str(row.action_flag)),
            note=row.get_change_message(),
            url=(row.get_admin_url() or "") if row.action_flag != DELETION else "",
            row=row,
        )


_extra_sources: list[Source] = []


def register_source(source: Source) -> None:
    """Add an app's timeline to the trail (called when the app's admin module loads)."""
    if all(existing.key != source.key for existing in _extra_sources):
        _extra_sources.append(source)


def tracked_models() -> list[type[models.Model]]:
    """Every model with a django-simple-history history, in a fixed order."""
    found = [m for m in apps.get_models() if hasattr(m._meta, "simple_history_manager_attribute")]
    return sorted(found, key=lambda m: m._meta.label_lower)


def model_choices() -> list[tuple[str, str]]:
    """The models a reader can filter on: tracked ones and those the admin edits."""
    found = {m._meta.label_lower: m for m in tracked_models()}
    found.update({m._meta.label_lower: m for m in admin.site._registry})
    return sorted(
        (
            (label, f"{m._meta.verbose_name} ({m._meta.app_config.verbose_name})")
            for label, m in found.items()
        ),
        key=lambda choice: str(choice[1]),
    )


def sources() -> list[Source]:
    return [
        *(HistorySource(model) for model in tracked_models()),
        LogEntrySource(label for label, _name in model_choices()),
        *_extra_sources,
    ]


def page(filters: Filters, cursor: Cursor | None = None, size: int = PAGE_SIZE) -> Page:
    """One page of the trail, newest first, older than ``cursor``."""
    fetched: list[tuple[Source, Entry]] = []
    for source in sources():
        fetched.extend((source, e) for e in source.fetch(filters, cursor, size + 1))
    fetched.sort(key=lambda pair: (pair[1].at, pair[1].source, pair[1].pk), reverse=True)
    shown = fetched[:size]
    by_source: dict[str, tuple[Source, list[Entry]]] = {}
    for source, entry in shown:
        by_source.setdefault(source.key, (source, []))[1].append(entry)
    labels = Labels()
    for source, entries in by_source.values():
        source.collect(entries, labels)
    labels.resolve()
    for source, entries in by_source.values():
        source.render(entries, labels)
    entries = [entry for _source, entry in shown]
    more = len(fetched) > size
    return Page(entries, entries[-1].cursor if more and entries else None)
