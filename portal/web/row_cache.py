"""Rendered rows of a list, cached under everything they show (docs/performance.md).

A key is a digest of every value the fragment shows plus what the rendering reads besides
them (language, the site's URL prefix, the fragment's format): a changed value is a new key,
so an entry is never stale and nothing has to be deleted when a case, a name or a department
changes. Moments that move with the clock ("5 minutes ago") must stay out of the fragment.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from flask import request
from flask_babel import get_locale
from markupsafe import Markup

from ..extensions import cache


def _key(kind: str, context: tuple[Any, ...], shown: tuple[Any, ...]) -> str:
    # repr of str, int, datetime, enum and None is exact and stable across processes.
    digest = hashlib.blake2b(repr((context, shown)).encode(), digest_size=16).hexdigest()
    return f"{kind}:{digest}"


def rendered_rows(kind: str, shown: Sequence[tuple[Any, ...]],
                  render: Callable[[int], Markup]) -> list[Markup]:
    """The fragment of each row, rendered by `render(index)` only for rows not in the cache.

    kind names the fragment and its format: change it when the template changes, so a
    shared cache (Redis) holds no fragment of an older release."""
    context = (str(get_locale()), request.script_root)
    keys = [_key(kind, context, values) for values in shown]
    found = cache.get_many(*keys) if keys else []
    rows: list[Markup] = []
    missing: dict[str, Markup] = {}
    for index, (key, html) in enumerate(zip(keys, found, strict=True)):
        if html is None:  # kept as Markup (pickled): what comes back is still marked safe
            html = missing[key] = render(index)
        rows.append(html)
    if missing:
        cache.set_many(missing)
    return rows
