"""List-view helpers: one FilterSet, whitelisted sorting, clamped pagination, and the CSV/XLSX
export of exactly the filtered rows (``ExportMixin``)."""

from __future__ import annotations

import datetime as dt
import functools
import inspect
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.choices import BaseChoiceIterator
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.views.generic import ListView

from zhangzhou_ip.core import downloads, exports
from zhangzhou_ip.core.forms import bootstrapify
from zhangzhou_ip.core.lookups import IdArray
from zhangzhou_ip.core.pagination import CappedPaginator


class FilteredListView(ListView):
    """A ``ListView`` over a selector's queryset filtered by the app's FilterSet.

    Subclasses set ``filterset_class``, ``sort_fields`` (public sort key → ORM fields) and
    ``default_sort`` and implement ``get_base_queryset()`` from a selector. Bad filter input
    shows the form errors and no rows instead of failing; a page number past the end shows
    the last page; unknown sort keys fall back to the default.
    """

    filterset_class = None
    sort_fields: dict[str, tuple[str, ...]] = {}
    default_sort = ""
    paginate_by = 25
    page_size_options = (25, 50, 100)
    paginator_class = CappedPaginator

    def get_base_queryset(self) -> QuerySet:
        raise NotImplementedError

    def get_filterset(self):
        filterset = self.filterset_class(
            self.request.GET or None, queryset=self.get_base_queryset(), request=self.request
        )
        if filterset.is_bound:
            filterset.is_valid()
        bootstrapify(filterset.form)
        shared = [n for n, f in filterset.filters.items() if getattr(f, "same_for_everyone", 0)]
        cache_model_choices(filterset.form, self.request.user, shared=shared)
        return filterset

    def current_sort(self) -> str:
        sort = self.request.GET.get("sort", "")
        return sort if sort.lstrip("-") in self.sort_fields else self.default_sort

    def get_queryset(self) -> QuerySet:
        self.filterset = self.get_filterset()
        if self.filterset.is_bound and not self.filterset.is_valid():
            queryset = self.filterset.queryset.none()
        else:
            queryset = self.filterset.qs
        return self.sorted(queryset)

    #: ``rows_by_ids(ids)``: the rows of ``ids`` — found by the count under the user's
    #: visibility and the filters, in this request — read by their ids alone, with the
    #: list's joins and sort (``sorted``). Given, a list of at most
    #: ``pagination.FEW_ROWS`` rows reads its page that way (decision 0020 §30).
    rows_by_ids: Callable[[IdArray], QuerySet] | None = None

    def get_paginator(self, queryset, per_page, *args, **kwargs):
        if self.rows_by_ids is not None:
            kwargs.setdefault("rows_by_ids", self.rows_by_ids)
        return super().get_paginator(queryset, per_page, *args, **kwargs)

    def sorted(self, queryset: QuerySet) -> QuerySet:
        sort = self.current_sort()
        return apply_sort(queryset, self.sort_fields, sort) if sort else queryset

    def get_paginate_by(self, queryset) -> int:
        try:
            size = int(self.request.GET.get("page_size", self.paginate_by))
        except ValueError:
            return self.paginate_by
        return size if size in self.page_size_options else self.paginate_by

    def paginate_queryset(self, queryset, page_size):
        paginator: CappedPaginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["sort"] = self.current_sort()
        context["page_size_options"] = self.page_size_options
        return context


def is_unfiltered(filterset, *ignored: str) -> bool:
    """Whether the filterset leaves its queryset as it is, the filters named in ``ignored``
    aside: unbound, or bound with every value empty (an empty range is a
    ``slice(None, None)``). Sorting and paging are not filters."""
    if not filterset.is_bound:
        return True
    if not filterset.is_valid():
        return False
    return all(
        _empty(value) for name, value in filterset.form.cleaned_data.items() if name not in ignored
    )


def _empty(value: object) -> bool:
    """A filter value that filters nothing (anything unrecognised counts as a filter)."""
    if isinstance(value, QuerySet):  # an empty model multiple choice is ``qs.none()``
        return value.query.is_empty()
    if isinstance(value, slice):
        return value.start is None and value.stop is None
    return isinstance(value, str | list | tuple | dict | type(None)) and not value


def filtered_without(filterset, *names: str) -> QuerySet | None:
    """The filterset's rows under every filter but ``names`` (a list's status chips count
    under the other filters), from the form it validated already: a second FilterSet
    rebuilt every filter's form field, the dropdowns' querysets with them (~10 ms of a case
    list page). ``None`` when the form is invalid: the caller decides."""
    if not filterset.is_bound:
        return filterset.queryset
    if not filterset.is_valid():
        return None
    queryset = filterset.queryset
    for name, value in filterset.form.cleaned_data.items():  # as FilterSet.filter_queryset
        if name not in names:
            queryset = filterset.filters[name].filter(queryset, value)
    return queryset


def _nullable(model, path: str) -> bool:
    """Whether the field at ``path`` (``"handling_organization__name"``) can be NULL, counting
    a nullable relation on the way."""
    opts = model._meta
    for part in path.split("__"):
        field = opts.get_field(part)
        if field.null:
            return True
        if not field.is_relation:
            return False
        opts = field.related_model._meta
    return False


class CachedChoices(BaseChoiceIterator):
    """Choices already in Django's canonical form, (value, label) strings read back from the
    cache."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)


def cache_model_choices(form: forms.Form, user, *, shared: Iterable[str] = ()) -> None:
    """Filter dropdowns over models (organisations, mediators, regions) list what the user's
    scope reaches; working that out read thousands of rows per page at 100k cases. The
    options shown are kept per user and language for
    ``FILTER_CHOICES_CACHE_SECONDS``: a new organisation (or a new membership's) may appear
    that much later. ``shared`` fields list the same options for every signed-in user (the
    regions: reference data), kept once for all of them. Validation still asks the
    database, so a choice outside the user's scope is refused at once and no list shows a
    row the user may not see."""
    seconds = settings.FILTER_CHOICES_CACHE_SECONDS
    if not seconds or not user.is_authenticated:
        return
    language = translation.get_language()
    shared = set(shared)
    keys = {
        name: f"filter-choices:{type(form).__module__}.{type(form).__qualname__}.{name}:"
        f"{'everyone' if name in shared else user.pk}:{language}"
        for name, field in form.fields.items()
        if isinstance(field, forms.ModelChoiceField)
    }
    cached = cache.get_many(keys.values()) if keys else {}  # one round trip for all
    for name, key in keys.items():
        field = form.fields[name]
        choices = cached.get(key)
        if choices is None:
            choices = [(str(value), str(label)) for value, label in field.choices]
            cache.set(key, choices, seconds)
        # What is shown; the field still validates live. Wrapped so that the widget takes
        # the pairs as they are: its setter normalises a plain list pair by pair (~1 ms
        # for a page's 550 options).
        field.widget.choices = CachedChoices(choices)


def apply_sort(queryset: QuerySet, sort_fields: dict[str, tuple[str, ...]], sort: str) -> QuerySet:
    """Order by a whitelisted sort key (``-key`` reverses every field of it), pk last as the
    tie-breaker. Empty values sort last in both directions, on SQLite and PostgreSQL alike
    (their defaults differ). ``NULLS LAST`` is written only for nullable fields: on a NOT NULL
    field it changes nothing but keeps PostgreSQL from reading a plain index backwards (the
    evidence list at 1M records sorted all rows: 1.4 s instead of an index scan)."""
    descending = sort.startswith("-")
    ordering = []
    for field in sort_fields[sort.lstrip("-")]:
        reverse = field.startswith("-") != descending
        name = field.lstrip("-")
        expression = F(name)
        nulls = {"nulls_last": True} if _nullable(queryset.model, name) else {}
        ordering.append(expression.desc(**nulls) if reverse else expression.asc(**nulls))
    return queryset.order_by(*ordering, "-pk" if descending else "pk")


# --- exports ------------------------------------------------------------------------------

EXPORT_FORMATS = ("csv", "xlsx")

# How a column finds its value: a dotted attribute path (``"region.name"``; a method at the
# end, such as ``"get_kind_display"``, is called) or a function of the row's object.
Accessor = str | Callable[[Any], Any]
ExportColumn = tuple[str | Promise, Accessor]
# Header row and data rows of one export.
ExportTable = tuple[list[str], Iterable[list[exports.Value]]]


def plain_text_bad_request(message: str) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def filter_errors_text(filterset) -> str:
    """One line per invalid filter, naming the query parameter and its label, so an API-ish
    caller and a person both see which field to fix."""
    lines = []
    for name, errors in filterset.form.errors.items():
        field = filterset.form.fields.get(name)
        label = str(field.label) if field is not None and field.label else ""
        named = f"{name} ({label})" if label and label != name else name
        lines.append(f"{named}: {' '.join(str(e) for e in errors)}")
    return "\n".join(lines)


def export_filename(stem: str, extension: str) -> str:
    return f"{stem}-{timezone.localdate().isoformat()}.{extension}"


def export_response(
    fmt: str,
    *,
    stem: str,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[exports.Value]],
) -> HttpResponse:
    """The attachment: CSV streamed line by line, XLSX built in memory (openpyxl's write-only
    mode keeps that small). ``fmt`` must already be one of ``EXPORT_FORMATS``."""
    if fmt == "csv":
        response: HttpResponse | StreamingHttpResponse = StreamingHttpResponse(
            exports.csv_lines(headers, rows), content_type=exports.CSV_CONTENT_TYPE
        )
    else:
        response = HttpResponse(
            exports.xlsx_bytes(title, headers, rows), content_type=exports.XLSX_CONTENT_TYPE
        )
    response["Content-Disposition"] = f'attachment; filename="{export_filename(stem, fmt)}"'
    return response


def in_request_language(rows: Iterable[list[exports.Value]]) -> Iterator[list[exports.Value]]:
    """``rows`` built in the language and time zone active now. A streamed CSV is produced
    after the view has returned — perhaps on another thread, in another language — so each
    row (and the query fetching it) runs under the request's language again. (Not itself a
    generator: the language must be read now, not when the first row is asked for.)"""
    language = translation.get_language()
    zone = timezone.get_current_timezone()

    def generate() -> Iterator[list[exports.Value]]:
        iterator = iter(rows)
        while True:
            with translation.override(language), timezone.override(zone):
                try:
                    row = next(iterator)
                except StopIteration:
                    return
            yield row

    return generate()


def resolve(obj: Any, accessor: Accessor) -> Any:
    if callable(accessor):
        return accessor(obj)
    value = obj
    for part in accessor.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
        if inspect.ismethod(value) or isinstance(value, functools.partial):
            value = value()  # a method such as get_kind_display (a partial on the instance)
    return value


def export_value(value: Any) -> exports.Value:
    """A cell: yes/no for booleans, Beijing wall-clock time for aware datetimes (spreadsheets
    cannot store zones), text for labels and anything else that is not a number or date."""
    if value is None or isinstance(value, str | Decimal | dt.date):
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            return timezone.localtime(value).replace(tzinfo=None)
        return value
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, int):
        return value
    return str(value)


class ExportMixin:
    """``?format=csv|xlsx`` on a ``FilteredListView``'s own URL: every row of the current
    filter and sort (all pages, not just the one shown), so an export can never differ from
    the list it was started from — same selector, same FilterSet, same sort.

    More than ``EXPORT_INLINE_MAX_ROWS`` rows are not built in the request: a task runs this
    view again as the user and the file lands in "My downloads" (``core.downloads``).

    Subclasses declare ``export_columns`` once — ``(gettext_lazy header, accessor)`` pairs —
    with ``export_stem`` (the file name before the date) and ``export_title`` (the sheet
    name); headers and labels come out in the request's language. Lists whose rows need
    more than one column per attribute override ``export_table``. Invalid filters or an
    unknown format are a 400 naming the problem rather than an empty file.
    """

    export_columns: Sequence[ExportColumn] = ()
    export_stem = ""
    export_title: str | Promise = ""
    export_chunk_size = 500

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "format" in request.GET:
            return self.export(request.GET["format"])
        return super().get(request, *args, **kwargs)

    def export(self, fmt: str) -> HttpResponse:
        if fmt not in EXPORT_FORMATS:
            return plain_text_bad_request(
                gettext("Unknown export format. Use format=csv or format=xlsx.")
            )
        queryset = self.get_queryset()  # also binds and validates ``self.filterset``
        if self.filterset.is_bound and not self.filterset.is_valid():
            return plain_text_bad_request(
                gettext("The filters are not valid:") + "\n" + filter_errors_text(self.filterset)
            )
        queryset = self.get_export_queryset(queryset)
        if downloads.too_large_for_request(self.request, queryset):  # a task builds it
            return downloads.prepare(
                self.request, kind="export", title=str(self.export_title), file_format=fmt
            )
        headers, rows = self.export_table(queryset)
        return export_response(
            fmt,
            stem=self.export_stem,
            title=str(self.export_title),
            headers=headers,
            rows=downloads.count_rows(self.request, in_request_language(rows)),
        )

    def get_export_queryset(self, queryset: QuerySet) -> QuerySet:
        """The filtered, sorted rows; override to add what the columns read
        (``select_related``/``prefetch_related``)."""
        return queryset

    def export_table(self, queryset: QuerySet) -> ExportTable:
        headers = [str(header) for header, _accessor in self.export_columns]
        return headers, self.export_rows(queryset)

    def export_rows(self, queryset: QuerySet) -> Iterator[list[exports.Value]]:
        for obj in queryset.iterator(chunk_size=self.export_chunk_size):
            yield self.export_row(obj)

    def export_row(self, obj: Any) -> list[exports.Value]:
        return [export_value(resolve(obj, accessor)) for _header, accessor in self.export_columns]
