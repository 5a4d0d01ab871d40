"""Lazy translated strings that templates escape like any other text."""

from __future__ import annotations

from flask_babel import LazyString, gettext
from markupsafe import escape


class EscapedLazyString(LazyString):
    """Flask-Babel's lazy strings call themselves HTML-safe (`__html__` returns the text as
    it is), so one holding what a person wrote ("We promised: %(what)s") would reach a page
    or an HTML email unescaped. These are escaped like a plain string."""

    def __html__(self) -> str:
        return str(escape(str(self)))


def lazy_gettext(string: str, **variables) -> EscapedLazyString:
    """Translated when used, in the language of that moment (labels made at import time)."""
    return EscapedLazyString(gettext, string, **variables)
