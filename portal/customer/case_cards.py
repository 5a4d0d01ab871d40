"""My cases' list kept rendered whole, and its cards, each kept on its own for when the list
is not: everything but the moments of the last update, from the cache when the same values
were rendered before in this language (docs/performance.md)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields
from typing import Any

from flask import get_template_attribute
from markupsafe import Markup

from ..services.cases import CaseCard
from ..web.fragments import values_of
from ..web.pagination import Page
from ..web.row_cache import rendered_rows

TEMPLATE = "portal/cases/_card.html"
# Where the "Updated …" moment goes: a comment no escaped value or translation can spell
# (they cannot hold a raw "<"), filled on every load because it moves with the clock.
SLOT = Markup("<!--updated-->")

Card = tuple[Markup, Markup]  # the card's markup before and after the moment


def own_cards(cases: Sequence[CaseCard]) -> list[Card]:
    """The customer's own cards; the key holds what a card shows: its title, status words
    (status and whether we answered) and whether it has an update they have not seen."""
    shown = [(c.id, c.title, c.status, c.has_been_answered, c.has_unseen_updates)
             for c in cases]
    return _cards("my-case-card", "own", cases, shown)


def shared_cards(cases: Sequence[CaseCard]) -> list[Card]:
    """Cards of cases others opened; their opener's name is shown too."""
    shown = [(c.id, c.title, c.status, c.customer_name) for c in cases]
    return _cards("shared-case-card", "shared", cases, shown)


def _cards(kind: str, macro_name: str, cases: Sequence[CaseCard],
           shown: list[tuple]) -> list[Card]:
    macro = None

    def render(index: int) -> Markup:
        nonlocal macro
        macro = macro or get_template_attribute(TEMPLATE, macro_name)
        return macro(cases[index], SLOT)

    cards = []
    for html in rendered_rows(kind, shown, render):
        before, after = html.split(SLOT)
        cards.append((before, after))
    return cards


# Every column of a card (dataclasses.astuple would deep-copy each value: a fifth of the page).
_CARD_FIELDS = tuple(field.name for field in fields(CaseCard))


def list_shown(page: Page[CaseCard], cursor: str | None,
               shared: dict[str, list[CaseCard]] | None) -> tuple:
    """Everything the list (`_list.html`) shows, for its key: the page's place, every card's
    columns (their moments too: the kept list holds them as placeholders, filled per load)."""
    return (cursor, page.next_cursor, values_of(page.items, *_CARD_FIELDS),
            None if shared is None else {key: values_of(listed, *_CARD_FIELDS)
                                         for key, listed in shared.items()})



class WhenAsked:
    """The cards, built on first use: a list kept whole never asks for them."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build, self._built = build, None

    def __getitem__(self, key: Any) -> Any:
        if self._built is None:
            self._built = self._build()
        return self._built[key]
