"""Rendered timeline events kept in the cache, under keys made of everything they show.

A case page spends most of its CPU rendering the same events again. Each event's HTML is
kept per (what the event holds, its author's name, its files, the reader's language, zone
and hour cycle, and what this reader sees differently: "you", their reaction). The key is
made from the rows already loaded for the page, not from a version someone must remember
to bump, so a renamed author or a file removed by an erasure is a new key, never a stale
entry. What moves with the clock or the session ("3 minutes ago", "by Tuesday 17:00", the
CSRF token) is rendered as a placeholder inside the kept HTML and filled in on every
request (docs/performance.md).
"""

from __future__ import annotations

import functools
import hashlib
import re
import sys
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask, current_app, request
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape
from wtforms.fields.choices import SelectChoice

from ..extensions import cache
from .formatting import twelve_hour, zone_for
from .row_cache import templates_generation

_deferring: ContextVar[bool] = ContextVar("deferring_clock", default=False)
_MARK = re.compile("\x00([a-z]+)\x01([^\x00]*)\x00")
# Filters whose output depends on the clock or the session: name -> (function, is Markup).
_LIVE: dict[str, tuple[Callable, bool]] = {}


def _placeholder(name: str, moment: datetime | None) -> str:
    return f"\x00{name}\x01{moment.isoformat() if moment else ''}\x00"


def deferrable(name: str, func: Callable, markup: bool) -> Callable:
    """The filter `func`, which inside a kept fragment writes a placeholder filled per request."""
    _LIVE[name] = (func, markup)

    @functools.wraps(func)
    def filter_(moment, *args, **kwargs):
        if _deferring.get() and not args and not kwargs:
            text = _placeholder(name, moment)
            # Our own text: the filter's name and an ISO time, nothing a user typed.
            return Markup(text) if markup else text  # noqa: S704  # nosec B704
        return func(moment, *args, **kwargs)
    return filter_


def _csrf_token() -> str:
    return _placeholder("csrf", None) if _deferring.get() else generate_csrf()


def _escaped_token() -> Markup:
    """This request's CSRF token, escaped: a page fills a dozen forms' placeholders with it,
    and each `generate_csrf` call reads the session and the config afresh."""
    found = getattr(request, "kept_csrf", None)
    if found is None:
        found = request.kept_csrf = escape(generate_csrf())
    return found


def _fill_one(match: re.Match, own: dict[str, str]) -> str:
    name, value = match.group(1), match.group(2)
    if name == "csrf":
        return _escaped_token()
    if name == "field":
        return escape(own[value])
    func, markup = _LIVE[name]
    text = func(datetime.fromisoformat(value) if value else None)
    return text if markup else escape(text)


def fill(html: str, own: dict[str, str] | None = None) -> Markup:
    """The kept HTML with this request's times, token and `own` field values (by name) in
    place of the placeholders.

    `html` is what Jinja rendered with autoescape; each filled value is escaped or Markup.
    """
    own = own or {}
    return Markup(_MARK.sub(lambda m: _fill_one(m, own), html))  # noqa: S704  # nosec B704


def _reader() -> tuple:
    """What of the reader changes the words of every event: language, zone and hour cycle.

    Worked out once per request (on the request itself: every kept piece asks, and each
    part is already fixed for the request by Babel and `formatting`)."""
    found = getattr(request, "kept_reader", None)
    if found is None:
        found = request.kept_reader = (str(get_locale()), zone_for().key, twelve_hour(),
                                       request.script_root)
    return found


def _event_in(context: Context, event, staff_view: bool) -> tuple:
    """Everything `shared/_event.html` shows of this event to this page's reader, but the
    reader's language, zone and hour cycle (`_reader`)."""
    author = event.author
    reaction = (context.get("reactions") or {}).get(event.id)
    return (
        staff_view, not staff_view and author is not None and author.id == current_user.id,
        context.get("requester"), context["case"].reference, event.id,
        event.kind.value, event.visibility.value, event.channel.value, event.created_at,
        event.body, sorted((event.data or {}).items()),
        (author.id, author.name) if author is not None else None,
        [(f.id, f.filename, f.size) for f in event.attachments],
        (reaction.helpful, reaction.reason) if reaction is not None else None,
    )


@pass_context
def cached_event(context: Context, event, staff_view: bool,
                 caller: Callable[[], str]) -> Markup:
    """One timeline event from the cache, else rendered by the `{% call %}` body and kept.

    The event that focus moves to after a reply is rendered afresh (it carries the focus).
    """
    if not current_app.config["FRAGMENT_CACHE"] or event.id == context.get("focus_event_id"):
        return caller()
    shown = (templates_generation(), _event_in(context, event, staff_view), _reader())
    return _kept("event:" + hashlib.blake2b(repr(shown).encode(), digest_size=20).hexdigest(),
                 caller)


@pass_context
def events_shown(context: Context, events, staff_view: bool) -> list[tuple]:
    """What `cached_event` keys each event by, for a `cached_piece` holding them all (a
    whole timeline: one key and one entry instead of one per event)."""
    return [_event_in(context, event, staff_view) for event in events]


@pass_context
def cached_events(context: Context, events, staff_view: bool,
                  caller: Callable[[], str]) -> Markup:
    """A whole timeline (each event inside a `cached_event`) kept as one piece, keyed by
    what each event shows (`events_shown`): a warm page reads one entry, and a timeline that
    gained an event renders only that one (the others are kept too).

    Not kept on a page whose focus moves to an event after a reply (rendered afresh).
    """
    if context.get("focus_event_id"):
        return caller()
    return cached_piece("events", events_shown(context, events, staff_view), caller=caller)


def _kept(key: str, caller: Callable[[], str]) -> Markup:
    """The piece kept under `key`, else rendered by `caller` with the clock's words and the
    CSRF token as placeholders, and kept; either way filled in for this request (unless it
    is inside a piece being kept, which keeps the placeholders and is filled as a whole)."""
    html = cache.get(key)
    if html is None:
        token = _deferring.set(True)
        try:
            html = str(caller())
        finally:
            _deferring.reset(token)
        cache.set(key, html)
    # Our own kept markup (rendered with autoescape), its placeholders left for the outer piece.
    return Markup(html) if _deferring.get() else fill(html)  # noqa: S704  # nosec B704


def cached_piece(kind: str, *shown, caller: Callable[[], str]) -> Markup:
    """A piece of a page as the `{% call %}` body renders it, kept per (`kind`, `shown`,
    the reader's language, zone and hour cycle).

    `shown` must hold every value the body shows, and whatever the clock decides that is not
    written by a clock filter (whether a promise is overdue now), so that a change a reader
    would notice is a new key. Times written by `when`, `shorttime`, `whentime`, `timeago`
    and the CSRF token are placeholders, filled on every request.
    """
    if not current_app.config["FRAGMENT_CACHE"]:
        return caller()
    shown_now = (templates_generation(), kind, shown, _reader())
    return _kept("piece:" + hashlib.blake2b(repr(shown_now).encode(), digest_size=20)
                 .hexdigest(), caller)


def _choice(choice) -> tuple:
    if isinstance(choice, SelectChoice):
        optgroup = choice.optgroup and str(choice.optgroup)
        return (choice.value, str(choice.label), optgroup, sorted(choice.render_kw.items()))
    return tuple(str(part) for part in choice)


def _field_shown(f) -> tuple:
    """What a field renders that may differ between two forms of one class: its value, and
    what a view may set per form (label, description, choices, attributes, flags)."""
    choices = getattr(f, "choices", None)
    return (f.name, f.type, repr(f.data), str(f.label.text), str(f.description),
            [_choice(c) for c in choices] if choices is not None else None,
            sorted((f.render_kw or {}).items()), sorted(vars(f.flags).items()))


class Unbuilt:
    """An untouched form not built yet: `inputs`, plain values holding everything it would
    show (its defaults and the data of its lists), and how to build it.

    `cached_form` keys it by its inputs, so a kept form is never built; anything else that
    reads it builds it first. `own` holds the values of its `own` fields (given to `build`).
    """

    def __init__(self, build: Callable[[], Any], inputs: tuple, own: dict[str, str]) -> None:
        self._build, self.inputs, self.own = build, inputs, own
        self._form: Any = None

    @property
    def built(self) -> Any:
        if self._form is None:
            self._form = self._build()
        return self._form

    @property
    def errors(self) -> dict:
        # Built without form data, it has none (the page asks to open a panel on errors).
        return self._form.errors if self._form is not None else {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.built, name)

    def __getitem__(self, name: str) -> Any:
        return self.built[name]

    def __iter__(self):
        return iter(self.built)


@functools.cache
def code_digest(*modules: str) -> str:
    """A digest of these modules' source, read once per process: for an unbuilt form's
    inputs, in place of what the built fields would say of the code (labels, hints, fixed
    lists), so a release that changes them keys its forms afresh."""
    digest = hashlib.blake2b(digest_size=8)
    for name in modules:
        digest.update(Path(sys.modules[name].__file__ or "").read_bytes())
    return digest.hexdigest()


def _form_shown(form, own: tuple[str, ...]) -> tuple[dict[str, Any], Any]:
    """The `own` fields' values, and what else the form shows: its inputs when unbuilt,
    else its built fields."""
    if isinstance(form, Unbuilt):
        return {name: form.own[name] for name in own}, form.inputs
    return ({name: form[name].data for name in own},
            [_field_shown(f) for f in form if f.name != "csrf_token" and f.name not in own])


@pass_context
def cached_form(context: Context, form, kind: str, *shown, caller: Callable[[], str],
                own: tuple[str, ...] = ()) -> Markup:
    """A form as the `{% call %}` body renders it, kept per (its values, language, `shown`).

    Only a form on a page answering a GET is kept (not a submission shown again with the
    person's words or errors). Its CSRF token, and the values of the `own` fields
    (a random id new on every page, at least 16 characters), are swapped for placeholders,
    so the kept HTML is anyone's and each page gets its own back. An `Unbuilt` form is
    keyed by its inputs and built only when its HTML is not kept.
    """
    if not current_app.config["FRAGMENT_CACHE"] or request.method != "GET":
        return caller()
    mine, fields = _form_shown(form, own)
    if not all(isinstance(v, str) and len(v) >= 16 for v in mine.values()):
        return caller()
    # Whether hidden_tag() writes a CSRF field at all (tests and benchmarks switch it).
    csrf = current_app.config.get("WTF_CSRF_ENABLED", True)
    key = "form:" + hashlib.blake2b(repr((templates_generation(), kind, shown, fields, csrf,
                                          _reader())).encode(), digest_size=20).hexdigest()
    html = cache.get(key)
    if html is None:
        html = str(caller()).replace(generate_csrf(), _placeholder("csrf", None))
        for name, value in mine.items():
            html = html.replace(str(escape(value)), f"\x00field\x01{name}\x00")
        cache.set(key, html)
    return fill(html, mine)


def _value(row, path: str):
    for name in path.split("."):
        row = None if row is None else getattr(row, name)
    return row


def values_of(rows, *paths: str) -> list[tuple]:
    """Those attributes of each row ("author.name": None when there is no author), for a
    kept piece's `shown`: a row's repr names no value."""
    return [tuple(_value(row, path) for path in paths) for row in rows]


def promises_shown(promises, flagged) -> list[tuple]:
    """What `promise_items` shows of each promise, with whether it is overdue at this moment."""
    return [(p.id, p.what, p.state.value, p.is_overdue(), p.due_at, p.closed_at, p.outcome,
             p.owner_name, p.id in flagged) for p in promises]


# The filters whose words move with the clock (formatting.py registers them first).
_CLOCK_FILTERS = {"when": True, "whentime": False, "shorttime": False, "timeago": False}


def init_app(app: Flask) -> None:
    """After CSRFProtect and formatting: its `csrf_token()` global and the clock's filters
    become ones a kept fragment can hold (a placeholder, filled per request)."""
    for name, markup in _CLOCK_FILTERS.items():
        app.jinja_env.filters[name] = deferrable(name, app.jinja_env.filters[name], markup)
    app.jinja_env.globals["csrf_token"] = _csrf_token
    # CSRFProtect also puts its own `csrf_token` in every template's context, which wins
    # over the global: without this one after it, a kept piece would hold the token of
    # whoever rendered it first, and hand it to every other reader.
    app.context_processor(lambda: {"csrf_token": _csrf_token})
    app.jinja_env.globals["cached_event"] = cached_event
    app.jinja_env.globals["cached_events"] = cached_events
    app.jinja_env.globals["cached_form"] = cached_form
    app.jinja_env.globals["cached_piece"] = cached_piece
    app.jinja_env.globals["events_shown"] = events_shown
    app.jinja_env.globals["values_of"] = values_of
    app.jinja_env.globals["promises_shown"] = promises_shown
