"""Languages: which catalogue a request uses, and the `<html lang>` that follows from it.

Strings are marked with `_()` / `{% trans %}` in templates and `gettext` / `lazy_gettext` in
Python; `pybabel extract -F babel.cfg` collects them (see "Translations" in
docs/accessibility-and-languages.md). English is the source language; a language is offered
once `portal/translations/<lang>/` has a catalogue.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from flask import Flask, Response, has_request_context, request
from flask_babel import force_locale, get_locale

from .extensions import babel
from .web.formatting import zone_for


def select_locale() -> str | None:
    """The browser's best match among the catalogues we have; None means English."""
    if not has_request_context():
        return None  # mail and CLI output: the default
    offered = [str(locale) for locale in babel.list_translations()]
    return request.accept_languages.best_match(offered)


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

    @app.after_request
    def _vary(response: Response) -> Response:
        # Pages are in the language the browser asks for: caches must keep them apart.
        if response.mimetype == "text/html":
            response.vary.add("Accept-Language")
        return response
