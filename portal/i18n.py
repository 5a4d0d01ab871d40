"""Languages: which catalogue a request uses, and the `<html lang>` that follows from it.

Strings are marked with `_()` / `{% trans %}` in templates and `gettext` / `lazy_gettext` in
Python; `pybabel extract -F babel.cfg` collects them (see "Translations" in
docs/accessibility-and-languages.md). English is the source language; a language is offered
once `portal/translations/<lang>/` has a catalogue.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from functools import lru_cache

from babel import support
from flask import Flask, Response, has_request_context, request
from flask_babel import force_locale, get_babel, get_locale
from wtforms.i18n import messages_path

from .extensions import babel
from .web.formatting import zone_for
from .web.lazy_text import translations
from .web.security import vary_on

# The catalogues on disk, listed once per set of translation folders (not on every request).
_offered: dict[tuple[str, ...], list[str]] = {}


def select_locale() -> str | None:
    """The browser's best match among the catalogues we have; None means English."""
    if not has_request_context():
        return None  # mail and CLI output: the default
    folders = tuple(get_babel().translation_directories)
    offered = _offered.get(folders)
    if offered is None:
        offered = _offered[folders] = [str(locale) for locale in babel.list_translations()]
    return request.accept_languages.best_match(offered)


@lru_cache(maxsize=64)
def _wtforms_catalogue(language: str) -> support.NullTranslations:
    return support.Translations.load(messages_path(), [language], domain="wtforms")


class _WTFormsTranslations:
    """WTForms' own messages ("This field is required.") in the request's language: what
    Flask-WTF gives forms, without parsing WTForms' catalogue from disk on every request."""

    def ugettext(self, string: str) -> str:
        return _wtforms_catalogue(str(get_locale())).ugettext(string)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return _wtforms_catalogue(str(get_locale())).ungettext(singular, plural, n)


_WTFORMS = _WTFormsTranslations()


def current_language() -> str | None:
    """The language this request negotiated ("de", "pt_BR"); None outside a request."""
    return str(get_locale()) if has_request_context() else None


def in_language(language: str | None) -> AbstractContextManager:
    """Translate in a recipient's language, or the default: never the current request's."""
    return force_locale(language or str(babel.default_locale))


def html_lang() -> str:
    """The request's language as HTML writes it: "en", "pt-BR"."""
    return str(get_locale() or babel.default_locale).replace("_", "-")


def select_timezone() -> str:
    """Flask-Babel's zone is the one our own filters use (portal/web/formatting.py)."""
    return zone_for().key


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.globals["current_locale"] = html_lang
    # The same callables Flask-Babel installs, with the catalogue looked up once per request.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )

    @app.before_request
    def _wtforms_translations() -> None:
        # Flask-WTF loads this catalogue per request unless the request already has one.
        request.wtforms_translations = _WTFORMS

    @app.after_request
    def _vary(response: Response) -> Response:
        # Pages are in the language the browser asks for: caches must keep them apart.
        if response.mimetype == "text/html":
            vary_on(response, "Accept-Language")
        return response
