"""The base layout's frame (head, skip link, brand and navigation; templates/base.html)
kept rendered, and its time zone offer: every page renders them, and for one reader on one
page they read the same on every load (docs/performance.md).

What the frame shows comes from the page's template (its title, body class and which
layout's nav blocks it extends), the endpoint, the reader (signed in, staff, role, name),
the static files' versions, and the reader's language and zone (in every piece's key). A
template that overrides `brand` or `nav` with other values must add them to `_frame_shown`.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from .fragments import cached_piece
from .static_files import static_generation


def _frame_shown(context: Context, title: str, body_class: str) -> tuple | None:
    """Everything the frame shows; None when it must be rendered afresh (the debug server:
    static files change under it)."""
    files = static_generation(current_app)
    if files is None:
        return None
    user = current_user._get_current_object()
    signed_in = user.is_authenticated
    staff = signed_in and user.is_staff
    # The staff frame names the person and their role, and marks the settings pages by path.
    who = (user.role.value, user.name, "/settings/" in request.path) if staff else None
    return (context.name, str(title), str(body_class), request.endpoint, signed_in, staff,
            who, bool(context.get("no_cases")), files)


@pass_context
def cached_frame(context: Context, title: str, body_class: str,
                 caller: Callable[[], str]) -> Markup:
    """The frame as the `{% call %}` body renders it, kept per what it shows."""
    shown = _frame_shown(context, title, body_class)
    if shown is None:
        return caller()
    return cached_piece("frame", *shown, caller=caller)


@pass_context
def cached_zone_offer(context: Context, caller: Callable[[], str]) -> Markup:
    """The "use my time zone" offer: its form posts back to this page, and it names the
    page's zone (its city and today's abbreviation, GMT or BST)."""
    return cached_piece("zone-offer", current_user.is_staff, request.path,
                        context["zone_city"], context["zone_abbr"], caller=caller)


def init_app(app) -> None:
    app.jinja_env.globals["cached_frame"] = cached_frame
    app.jinja_env.globals["cached_zone_offer"] = cached_zone_offer
