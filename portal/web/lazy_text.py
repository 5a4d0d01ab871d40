"""Lazy translated strings that templates escape like any other text."""

from __future__ import annotations

from babel import support
from flask.globals import _cv_app
from flask_babel import LazyString, get_locale, get_translations
from markupsafe import escape


def translations() -> support.NullTranslations:
    """Flask-Babel's `get_translations()`, looked up once per request and language.

    Flask-Babel finds `g`, the locale, its identifier and the catalogue cache on every call:
    ~10 µs, and a page calls `_()` hundreds of times. The result is kept in `g` next to the
    locale it was found for, so `force_locale` (emails in the recipient's language) and a
    changed set of translation folders still get their own catalogue."""
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        return get_translations()  # outside any app context: the untranslated strings
    store = app_ctx.g.__dict__
    state = store.get("_flask_babel")
    locale = getattr(state, "babel_locale", None)
    folders = app_ctx.app.extensions["babel"].translation_directories
    cached = store.get("_caseloop_translations")
    if (cached is not None and locale is not None and cached[0] is locale
            and cached[1] is getattr(state, "babel_domain", None) and cached[2] is folders):
        return cached[3]
    found = get_translations()
    state = store["_flask_babel"]
    store["_caseloop_translations"] = (get_locale(), getattr(state, "babel_domain", None),
                                       folders, found)
    return found


def gettext(string: str, **variables) -> str:
    """Flask-Babel's `gettext`, through the catalogue looked up once per request."""
    text = translations().ugettext(string)
    return text if not variables else text % variables


class EscapedLazyString(LazyString):
    """Flask-Babel's lazy strings call themselves HTML-safe (`__html__` returns the text as
    it is), so one holding what a person wrote ("We promised: %(what)s") would reach a page
    or an HTML email unescaped. These are escaped like a plain string."""

    def __html__(self) -> str:
        return str(escape(str(self)))


def lazy_gettext(string: str, **variables) -> EscapedLazyString:
    """Translated when used, in the language of that moment (labels made at import time)."""
    return EscapedLazyString(gettext, string, **variables)
