"""Rendered rows of a list, cached under everything they show (docs/performance.md).

A key is a digest of every value the fragment shows plus what the rendering reads besides
them (language, the site's URL prefix, the fragment's format): a changed value is a new key,
so an entry is never stale and nothing has to be deleted when a case, a name or a department
changes. Moments that move with the clock ("5 minutes ago") must stay out of the fragment.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from flask import current_app, request
from flask_babel import get_locale
from markupsafe import Markup

from ..extensions import cache


def templates_generation() -> str:
    """A digest of every template the app renders from, read once per process: a release
    that changes any template keys its fragments afresh, so a cache that outlives a deploy
    (Redis) never serves an older release's markup and nobody has to remember a number."""
    return _generation(current_app.root_path, current_app.template_folder)


@functools.cache
def _generation(root: str, templates: str) -> str:
    # Kept per setting, not per resolved path: resolving costs a dozen lstat calls, and a
    # page asks once for each kept fragment on it.
    return _digest(str(Path(root, templates).resolve()))


@functools.cache
def _digest(folder: str) -> str:
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted(Path(folder).rglob("*.html")):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _key(kind: str, context: tuple[Any, ...], shown: tuple[Any, ...]) -> str:
    # repr of str, int, datetime, enum and None is exact and stable across processes.
    digest = hashlib.blake2b(repr((context, shown)).encode(), digest_size=16).hexdigest()
    return f"{kind}:{digest}"


def rendered_rows(kind: str, shown: Sequence[tuple[Any, ...]],
                  render: Callable[[int], Markup]) -> list[Markup]:
    """The fragment of each row, rendered by `render(index)` only for rows not in the cache.

    kind names the fragment; the templates' digest is part of every key."""
    context = (templates_generation(), str(get_locale()), request.script_root)
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
