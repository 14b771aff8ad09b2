"""List-view helper: one FilterSet, whitelisted sorting, clamped pagination."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.views.generic import ListView

from zhangzhou_ip.core.forms import bootstrapify


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

    def get_base_queryset(self) -> QuerySet:
        raise NotImplementedError

    def get_filterset(self):
        filterset = self.filterset_class(
            self.request.GET or None, queryset=self.get_base_queryset(), request=self.request
        )
        if filterset.is_bound:
            filterset.is_valid()
        bootstrapify(filterset.form)
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
        sort = self.current_sort()
        return apply_sort(queryset, self.sort_fields, sort) if sort else queryset

    def get_paginate_by(self, queryset) -> int:
        try:
            size = int(self.request.GET.get("page_size", self.paginate_by))
        except ValueError:
            return self.paginate_by
        return size if size in self.page_size_options else self.paginate_by

    def paginate_queryset(self, queryset, page_size):
        paginator: Paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["sort"] = self.current_sort()
        context["page_size_options"] = self.page_size_options
        return context


def apply_sort(queryset: QuerySet, sort_fields: dict[str, tuple[str, ...]], sort: str) -> QuerySet:
    """Order by a whitelisted sort key (``-key`` reverses every field of it), pk last as the
    tie-breaker. Empty values sort last in both directions, on SQLite and PostgreSQL alike
    (their defaults differ)."""
    descending = sort.startswith("-")
    ordering = []
    for field in sort_fields[sort.lstrip("-")]:
        reverse = field.startswith("-") != descending
        expression = F(field.lstrip("-"))
        ordering.append(
            expression.desc(nulls_last=True) if reverse else expression.asc(nulls_last=True)
        )
    return queryset.order_by(*ordering, "-pk" if descending else "pk")
