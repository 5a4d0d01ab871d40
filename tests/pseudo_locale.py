"""A pseudo-language for finding strings nobody can translate.

`pybabel extract` runs as docs/accessibility-and-languages.md tells translators to run it.
Its catalogue is then "translated" into a pseudo-language (each string wrapped in ⟦…⟧) and
installed as German for the length of a test: a page asked for in German that still shows an
unwrapped word has a string nobody can translate.
"""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

import pytest
from babel import dates, units
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import get_babel
from sqlalchemy import String, Text, select

from portal.extensions import babel, db
from portal.models import AuditEntry, CaseEvent, Channel, EventKind

ROOT = Path(__file__).resolve().parents[1]
GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}
# Words that stay as they are in every language: the product's name and the signed-in person.
KEEP = {"Caseloop", "Nina", "Newcomer"}
# "Europe/London": a time zone's identifier is a name for machines, the same in every language.
ZONE_ID = re.compile(r"\b\w+(?:/[\w+-]+)+")


@pytest.fixture(scope="session")
def catalogue(tmp_path_factory):
    """What `pybabel extract -F babel.cfg` finds (the command the translation docs give)."""
    out = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run(  # noqa: S603 - our own tool, fixed arguments
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "-o", str(out), "."],
        cwd=ROOT, check=True, capture_output=True)
    with out.open("rb") as pot:
        return read_po(pot)


def _pseudo(text: str) -> str:
    return f"⟦{text}⟧"


@pytest.fixture
def pseudo_german(app, catalogue, tmp_path, monkeypatch):
    """The extracted catalogue, each string wrapped in ⟦…⟧, installed as German for one test."""
    for message in catalogue:
        if not message.id:
            continue
        if message.pluralizable:
            message.string = tuple(_pseudo(form) for form in message.id)
        else:
            message.string = _pseudo(message.id)
    folder = tmp_path / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.mo").open("wb") as mo:
        write_mo(mo, catalogue)
    monkeypatch.setattr(get_babel(app), "translation_directories", [str(tmp_path)])
    babel.domain_instance.cache.clear()
    yield
    babel.domain_instance.cache.clear()


class _Visible(HTMLParser):
    """The text a person sees or hears: body text, aria-labels and the title."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("aria-label", "title", "data-announce") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def untranslated(html: str) -> set[str]:
    """Words on the page outside any ⟦translated⟧ string."""
    parser = _Visible()
    parser.feed(html)
    rest = " ".join(parser.parts)
    # Innermost first: a translated string can hold another ("⟦Confirmed ⟦just now⟧⟧").
    while (inner := re.sub(r"⟦[^⟦⟧]*⟧", " ", rest)) != rest:
        rest = inner
    zones = _zones()
    rest = ZONE_ID.sub(lambda m: " " if m.group() in zones else m.group(), rest)
    return _words(rest) - KEEP - _babel_german()


@functools.cache
def _zones() -> set[str]:
    """Every zone name; zoneinfo reads the whole tz database from disk at each call."""
    return available_timezones()


def _words(text: str) -> set[str]:
    return set(re.findall(r"[^\W\d_]{2,}", text))


@functools.cache
def _babel_german() -> set[str]:
    """Words Babel's own German data supplies (day and month names, "vor 3 Tagen"): they are
    translated already, by the CLDR, not by our catalogue."""
    words: set[str] = set()
    for width in ("wide", "abbreviated"):
        for names in (dates.get_day_names(width, locale="de"),
                      dates.get_month_names(width, locale="de"),
                      dates.get_month_names(width, context="stand-alone", locale="de")):
            words |= _words(" ".join(names.values()))
    for seconds in (60, 120, 3600, 7200, 86400, 172800, 604800, 1209600, 2678400, 5356800,
                    31536000, 63072000):
        for sign in (1, -1):
            words |= _words(dates.format_timedelta(timedelta(seconds=sign * seconds),
                                                   add_direction=True, threshold=1,
                                                   locale="de"))
    for size in ("byte", "kilobyte", "megabyte", "gigabyte", "terabyte"):  # "64 Byte"
        for count in (1, 2):
            words |= _words(units.format_unit(count, f"digital-{size}", "short", locale="de"))
    for zone in ("UTC", "Europe/London"):  # zones the tests show times in ("UTC")
        for month in (1, 7):
            moment = datetime(2026, month, 1, tzinfo=ZoneInfo(zone))
            words |= _words(dates.format_datetime(moment, "z", locale="de"))
    return words


def stored_words() -> set[str]:
    """Every word in every text column: what people and the demo wrote, not the product.

    Plus the lines staff typed for the customer on a handoff, kept in the event's data (a
    default line, which the page words itself, has `to` instead), and the field names an
    audit entry records (`first_response_minutes`): the log shows the record as it is.
    """
    words: set[str] = set()
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, String | Text):
                for value in db.session.scalars(select(column).where(column.is_not(None))):
                    words |= _words(str(value))
    for event in db.session.scalars(select(CaseEvent).where(
            CaseEvent.kind == EventKind.ASSIGNMENT, CaseEvent.channel == Channel.SYSTEM)):
        if "to" not in event.data:
            words |= _words(event.data.get("summary", ""))
    for before, after in db.session.execute(select(AuditEntry.before, AuditEntry.after)):
        words |= _words(" ".join([*(before or {}), *(after or {})]))
    return words
