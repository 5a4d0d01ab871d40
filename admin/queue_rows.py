"""The queue's rows (the cells that do not move with the clock), its filters form and its
bulk form's fields, from the cache when the same values were rendered before in this
language (docs/performance.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import get_template_attribute
from markupsafe import Markup

from portal.models import STATUS_TEXT, format_reference
from portal.services.queue import FilterOptions, QueueFilters
from portal.web.formatting import whens
from portal.web.row_cache import rendered_rows

from .queue_forms import BulkForm

# The cells' format; a changed _queue_row.html changes the templates' digest in every key.
KIND = "queue-row"


def row_cells(rows: Sequence[Any], ticked: Sequence[int] | None, errored: bool) -> list[Markup]:
    """Each row's cells up to the assignee; the key holds every value they show, the case
    version, and whether the row's box is ticked or marked by an error."""
    chosen = set(ticked or ())
    shown = [(row.id, row.version, row.title, row.status, row.priority, row.customer_name,
              row.customer_email, row.department_name, row.assignee_name,
              row.id in chosen, errored) for row in rows]
    macro = None

    def render(index: int) -> Markup:
        nonlocal macro
        macro = macro or get_template_attribute("admin/cases/_queue_row.html", "cells")
        row = rows[index]
        return macro(row, format_reference(row.id), STATUS_TEXT[row.status],
                     row.id in chosen, errored)

    return rendered_rows(KIND, shown, render)


def time_cells(rows: Sequence[Any]) -> list[tuple[Markup | None, Markup]]:
    """Each row's waiting since (None when answered) and last update, as `when` writes them:
    they move with the clock, so they are written on every load, all in one call."""
    written = iter(whens([moment for row in rows
                          for moment in (row.waiting_since, row.last_activity_at)]))
    return [(waiting if row.waiting_since else None, updated)
            for row, waiting, updated in zip(rows, written, written, strict=True)]


def filters_form(filters: QueueFilters, options: FilterOptions) -> Markup:
    """The filters form; the key holds what it shows: the chosen filters and the
    departments, categories and people to choose from (other choices are labels only)."""
    shown = (filters.view, filters.q, sorted(filters.statuses), filters.department_id,
             filters.assignee_id, filters.priority, filters.category_id, filters.sort,
             filters.descending, options.departments, options.categories, options.assignees)

    def render(_index: int) -> Markup:
        macro = get_template_attribute("admin/cases/_queue_filters.html", "filters_form")
        return macro(filters, options, STATUS_TEXT)

    return rendered_rows("queue-filters", [shown], render)[0]


def bulk_fields(form: BulkForm) -> Markup:
    """The bulk form's change list and its two notes; the key holds the choices, what was
    typed or chosen, and the errors shown."""
    fields = (form.to, form.note, form.explanation)
    shown = (tuple((c.value, str(c.label), str(c.optgroup)) for c in form.to.choices),
             *(f.data for f in fields), *(tuple(map(str, f.errors)) for f in fields))

    def render(_index: int) -> Markup:
        return get_template_attribute("admin/cases/_bulk_fields.html", "bulk_fields")(form)

    return rendered_rows("queue-bulk-fields", [shown], render)[0]
