"""Template filters: times as people read them, in the viewer's own time zone."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale, UnknownLocaleError
from babel.dates import (
    TIMEDELTA_UNITS,
    format_datetime,
    format_skeleton,
    format_timedelta,
    get_timezone_location,
    match_skeleton,
)
from babel.units import format_unit
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import force_locale, get_locale, ngettext
from flask_login import current_user
from jinja2.filters import do_filesizeformat
from markupsafe import Markup

from ..models import PRIORITY_LABELS, SOLVED_LABELS, STATUS_TEXT, utcnow
from .lazy_text import gettext


def zone_for(user=None) -> ZoneInfo:
    """The user's zone, else the signed-in viewer's, else the site default."""
    if user is None and has_request_context():
        # A page shows dozens of times: look the viewer's zone up once per request.
        if "viewer_zone" not in g:
            g.viewer_zone = _zone(current_user if current_user.is_authenticated else None)
        return g.viewer_zone
    return _zone(user)


def _zone(user) -> ZoneInfo:
    name = getattr(user, "timezone", None) or current_app.config["DEFAULT_TIMEZONE"]
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def zone_city(name: str) -> str:
    """'America/New_York' → 'New York', 'Asia/Calcutta' → 'Kolkata': how people name a zone in
    a sentence, the CLDR city (current spelling, the viewer's language where CLDR has one)."""
    return _city(name, str(get_locale() or "en"))


# Every page names its zone's city (~30 µs to look up in CLDR), and CLDR does not change
# while the process runs. Room for every zone in a few languages (the zone offer's list).
@functools.lru_cache(maxsize=4096)
def _city(name: str, language: str) -> str:
    try:
        city = get_timezone_location(name, locale=language, return_city=True)
    except LookupError:  # a name Babel does not know: its last part reads well enough
        city = name
    return city.rsplit("/", 1)[-1].replace("_", " ")


@functools.cache
def _renamed_cities(language: str) -> dict[str, str]:
    """The zones whose city is not the last part of their name ('Asia/Calcutta': 'Kolkata'),
    for the browser's own zone in the offer: only the browser knows it, and ICU keeps old names."""
    with force_locale(language):
        cities = {name: zone_city(name) for name in available_timezones() if "/" in name}
    return {name: city for name, city in cities.items()
            if city != name.rsplit("/", 1)[-1].replace("_", " ")}


def zone_abbr(zone: ZoneInfo, moment: datetime | None = None) -> str:
    """'GMT', 'EST': the zone's short name at that moment (now by default)."""
    return (moment or utcnow()).astimezone(zone).strftime("%Z")


def to_utc(local: datetime, user=None) -> datetime:
    """A wall-clock time typed by a person (no zone) as an aware UTC time."""
    return local.replace(tzinfo=zone_for(user)).astimezone(ZoneInfo("UTC"))


def to_local(moment: datetime, user=None) -> datetime:
    """An aware time as the wall-clock time (no zone) a person reads and types in a form."""
    return moment.astimezone(zone_for(user)).replace(tzinfo=None, second=0, microsecond=0)


def timeago(moment: datetime | None, now: datetime | None = None) -> str:
    """'just now', '5 minutes ago', 'in 2 hours', '3 weeks ago', in the viewer's language."""
    if moment is None:
        return gettext("never")
    return _ago(moment, now or utcnow(), str(get_locale() or "en"))


def _ago(moment: datetime, now: datetime, locale: str) -> str:
    delta = moment - now
    if abs(delta) < timedelta(seconds=45):
        return gettext("just now")
    return _relative(delta, locale)


# Babel's wording depends only on (unit, rounded count, direction, language): a page of fifty
# rows asks for the same few phrases, and working each out costs more than the rest of the row.
_PHRASES: dict[tuple[str, int, bool, str], str] = {}


def _relative(delta: timedelta, locale: str) -> str:
    seconds = int(delta.days * 86400 + delta.seconds)
    unit, secs = next((u, s) for u, s in TIMEDELTA_UNITS if abs(seconds) >= s or s == 1)
    key = (unit, round(abs(seconds) / secs), seconds >= 0, locale)
    phrase = _PHRASES.get(key)
    if phrase is None:
        if len(_PHRASES) > 10_000:
            _PHRASES.clear()
        # threshold=1: "55 minutes ago" stays in minutes, "10 days ago" becomes "1 week ago".
        phrase = _PHRASES[key] = format_timedelta(delta, threshold=1, add_direction=True,
                                                  locale=locale)
    return phrase


def isotime(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""


def twelve_hour(user=None) -> bool:
    """Whether the viewer's clock reads "2:00 PM": their browser's own locale says so (en-US
    does, en-GB does not); 24 hours otherwise, and for a named recipient (emails, the CLI)."""
    if user is not None or not has_request_context():
        return False
    if "twelve_hour" not in g:
        g.twelve_hour = _twelve_hour_locale(_browser_locale())
    return g.twelve_hour


def _browser_locale() -> str | None:
    """The browser's first language tag with a region in the page's language ("en-US")."""
    language = str(get_locale() or "en").split("_")[0]
    for tag, _quality in request.accept_languages:
        parts = tag.replace("_", "-").split("-")
        if parts[0].lower() == language and len(parts) > 1:
            return tag
    return None


@functools.lru_cache(maxsize=256)  # the tag comes from the browser: a bounded cache
def _twelve_hour_locale(tag: str | None) -> bool:
    """CLDR's hour cycle for a language tag: 'h' or 'K' in its short time pattern."""
    if not tag:
        return False
    try:
        pattern = Locale.parse(tag, sep="-" if "-" in tag else "_").time_formats["short"].pattern
    except (ValueError, LookupError, UnknownLocaleError):
        return False
    fields = re.sub(r"'[^']*'", "", pattern)  # fr-CA's "HH 'h' mm" is a 24-hour clock
    return "h" in fields or "K" in fields


def _clock(user=None) -> str:
    """The strftime hour and minute in the reader's hour cycle: '14:00' or '2:00 PM'."""
    return "%-I:%M %p" if twelve_hour(user) else "%H:%M"


def _english() -> bool:
    """English is the source language: its times are strftime's, fast on pages of 50 rows."""
    locale = get_locale()
    return locale is None or locale.language == "en"


def _in_language(local: datetime, skeleton: str, zone: bool = False, user=None) -> str:
    """The moment as the request's language writes a date skeleton and the reader's time."""
    locale = get_locale()
    return format_datetime(local, _pattern(str(locale), skeleton, zone, twelve_hour(user)),
                           locale=locale)


@functools.cache
def _pattern(locale: str, skeleton: str, zone: bool, twelve: bool = False) -> str:
    """CLDR has date skeletons and time skeletons, not both in one: join them as the
    language does ("{1}, {0}")."""
    data = Locale.parse(locale)
    skeletons = data.datetime_skeletons
    # No language has a skeleton for the wide weekday alone ("Tuesday 17:00").
    day = "EEEE" if skeleton == "EEEE" else skeletons[match_skeleton(skeleton, skeletons)].pattern
    hours = skeletons[match_skeleton("hm", skeletons)] if twelve else skeletons["Hm"]
    time = hours.pattern + (" z" if zone else "")
    return data.datetime_formats["medium"].format(time, day)


def fulltime(moment: datetime | None, user=None) -> str:
    """'Thu 26 Nov 2026, 17:00 GMT' in the viewer's (or the given user's) zone."""
    if moment is None:
        return ""
    local = moment.astimezone(zone_for(user))
    if _english():
        return local.strftime(f"%a %d %b %Y, {_clock(user)} %Z")
    return _in_language(local, "yMMMEd", zone=True, user=user)


def whentime(moment: datetime | None, user=None) -> str:
    """'Tue 24 Nov, 17:00' in the viewer's zone; the year only when it is not this one."""
    if moment is None:
        return ""
    local = moment.astimezone(zone_for(user))
    same_year = local.year == utcnow().astimezone(local.tzinfo).year
    if _english():
        return local.strftime(("%a %d %b, " if same_year else "%a %d %b %Y, ") + _clock(user))
    return _in_language(local, "MMMEd" if same_year else "yMMMEd", user=user)


# Markup's % escapes each value, as the template did.
_WHEN = Markup('<time class="when" datetime="%s" title="%s"><span class="when__ago">%s</span> '
               '<span class="when__at">(%s)</span></time>')


def when(moment: datetime | None) -> Markup:
    """The time macro's element (templates/shared/_time.html), "3 hours ago (Tue 24 Nov,
    17:00)", made in one call: the viewer's zone, language and clock are looked up once, not
    once per filter. The same HTML as `isotime`, `fulltime`, `timeago` and `whentime`."""
    return _when_read(moment, *_when_reader())


def whens(moments: Iterable[datetime | None]) -> list[Markup]:
    """`when` of each moment, the reader's zone, clock, language and now looked up once:
    a queue page shows a hundred times, and the look-ups cost more than the times."""
    reader = _when_reader()
    return [_when_read(moment, *reader) for moment in moments]


_Reader = tuple[datetime, ZoneInfo, bool, str, str, int]


def _when_reader() -> _Reader:
    """Now, and what of the reader `when` writes by: zone, hour cycle, language, year."""
    now, zone, locale = utcnow(), zone_for(), get_locale()
    return now, zone, twelve_hour(), str(locale), str(locale or "en"), now.astimezone(zone).year


def _when_read(moment: datetime | None, now: datetime, zone: ZoneInfo, twelve: bool,
               locale: str, language: str, this_year: int) -> Markup:
    if moment is None:
        return _WHEN % ("", "", gettext("never"), "")
    iso, full, at = _when_texts(moment, zone, twelve, locale, this_year)
    return _when_element(iso, full, _ago(moment, now, language), at)


@functools.lru_cache(maxsize=8192)
def _when_element(iso: str, full: str, ago: str, at: str) -> Markup:
    # Markup's % escapes each value through its helper class: ~30 µs, and "3 hours ago" for
    # the same moment comes back on every load of the same page for a while.
    return _WHEN % (iso, full, ago, at)


@functools.lru_cache(maxsize=8192)
def _when_texts(moment: datetime, zone: ZoneInfo, twelve: bool, locale: str,
                this_year: int) -> tuple[str, str, str]:
    """The parts of `when` that do not move with the clock, the same for every request in
    this zone, hour cycle, language and year (the arguments: a queue page repeats them)."""
    if locale.split("_")[0] == "en" or locale == "None":
        local = moment.astimezone(zone)
        clock = "%-I:%M %p" if twelve else "%H:%M"
        full = local.strftime(f"%a %d %b %Y, {clock} %Z")
        same_year = local.year == this_year
        at = local.strftime(("%a %d %b, " if same_year else "%a %d %b %Y, ") + clock)
        return isotime(moment), full, at
    return isotime(moment), fulltime(moment), whentime(moment)


def shorttime(moment: datetime | None, user=None) -> str:
    """'Tuesday 17:00 GMT' within a week either side, else '26 Nov 17:00 GMT'."""
    if moment is None:
        return ""
    local = moment.astimezone(zone_for(user))
    this_week = abs(moment - utcnow()) < timedelta(days=6)
    # Labelled with the zone: a promise read from another country must not be misread.
    if _english():
        return local.strftime(("%A " if this_week else "%d %b ") + _clock(user) + " %Z")
    return _in_language(local, "EEEE" if this_week else "MMMd", zone=True, user=user)


def utctime(moment: datetime | None) -> str:
    """'26 Nov 17:00 UTC', whoever reads it: for records that name the time in UTC."""
    if moment is None:
        return ""
    utc = moment.astimezone(ZoneInfo("UTC"))
    if _english():
        return utc.strftime(f"%d %b {_clock()} UTC")
    return _in_language(utc, "MMMd", zone=True)


def utcstamp(moment: datetime | None) -> str:
    """'26 Nov 2026 17:00' in UTC, for tables whose heading says UTC (the audit log)."""
    if moment is None:
        return ""
    utc = moment.astimezone(ZoneInfo("UTC"))
    return utc.strftime(f"%d %b %Y {_clock()}") if _english() else _in_language(utc, "yMMMd")


def _day_text(day: date, english: str, skeleton: str) -> str:
    """A calendar day or month, no time and no zone, as the request's language writes it."""
    if _english():
        return day.strftime(english)
    return format_skeleton(skeleton, day, locale=get_locale())


def daymonth(day: date) -> str:
    """'5 Oct'."""
    return _day_text(day, "%-d %b", "MMMd")


def dayyear(day: date) -> str:
    """'5 Oct 2026'."""
    return _day_text(day, "%-d %b %Y", "yMMMd")


def monthyear(day: date) -> str:
    """'October 2026'."""
    return _day_text(day, "%B %Y", "yMMMM")


def minutes(total: int | float | None) -> str:
    """240 → '4 h', 2880 → '2 days', 90 → '1 h 30 min'."""
    total = int(total or 0)
    days, rest = divmod(total, 1440)
    hours, mins = divmod(rest, 60)
    parts = [ngettext("%(num)d day", "%(num)d days", days)] if days else []
    parts += [gettext("%(num)d h", num=hours)] if hours else []
    parts += [gettext("%(num)d min", num=mins)] if mins or not parts else []
    return " ".join(parts)


_BYTES = ("digital-byte", "digital-kilobyte", "digital-megabyte", "digital-gigabyte",
          "digital-terabyte")


def filesize(size: int) -> str:
    """'64 Bytes', '1.2 MB': Jinja's filesizeformat in English, CLDR's units otherwise."""
    if _english():
        return do_filesizeformat(size)
    step = 0
    while step < len(_BYTES) - 1 and size >= 1000 ** (step + 1):
        step += 1
    return format_unit(round(size / 1000**step, 1), _BYTES[step], "short", locale=get_locale())


def from_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def mail_address(value: str) -> str:
    """The bare address of a "Name <address>" setting, for mailto: links."""
    return parseaddr(value)[1]


def bdi(value: str) -> Markup:
    """Someone's words inside a sentence of ours, isolated so that an Arabic or Hebrew name
    reads right to left without reordering the words around it."""
    return Markup("<bdi>%s</bdi>") % value


def _zone_context() -> dict:
    """The page's zone for `<html data-timezone>`, and whether the viewer chose it."""
    zone = zone_for()
    chosen = has_request_context() and current_user.is_authenticated and bool(
        getattr(current_user, "timezone", None))
    return {"zone_name": zone.key, "zone_city": zone_city(zone.key), "zone_abbr": zone_abbr(zone),
            "zone_chosen": chosen, "renamed_cities": _offer_cities}


def _offer_cities() -> dict[str, str]:
    """Called by the zone offer only (most pages never show it)."""
    return _renamed_cities(str(get_locale() or "en"))


def init_app(app: Flask) -> None:
    app.add_template_filter(bdi)
    app.add_template_filter(mail_address)
    app.add_template_filter(from_iso)
    app.add_template_filter(minutes)
    app.add_template_filter(timeago)
    app.add_template_filter(isotime)
    app.add_template_filter(fulltime)
    app.add_template_filter(whentime)
    app.add_template_filter(when)
    app.add_template_filter(shorttime)
    app.add_template_filter(utctime)
    app.add_template_filter(filesize)
    app.add_template_filter(utcstamp)
    app.add_template_filter(dayyear)
    app.add_template_filter(monthyear)
    app.context_processor(_zone_context)
    app.jinja_env.globals["status_texts"] = {s.value: t for s, t in STATUS_TEXT.items()}
    app.jinja_env.globals["solved_labels"] = {s.value: t for s, t in SOLVED_LABELS.items()}
    app.jinja_env.globals["priority_labels"] = {p.value: t for p, t in PRIORITY_LABELS.items()}
