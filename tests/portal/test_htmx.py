"""portal/web/htmx.py: htmx's headers read and set through htmx-flask, without its 0.1.0 slip."""

from __future__ import annotations

import pytest

from portal.web.htmx import htmx_response, is_htmx, wants_fragment


@pytest.mark.parametrize("where", ["beforebegin", "afterbegin", "beforeend", "outerHTML"])
def test_every_swap_position_htmx_knows_can_be_asked_for(app, where):
    # htmx-flask 0.1.0 alone refuses the first two (a comma missing in its RESWAPS list).
    with app.test_request_context():
        response = htmx_response("<li>new</li>", 200, reswap=where, trigger="case-changed")
    assert response.headers["HX-Reswap"] == where
    assert response.headers["HX-Trigger"] == "case-changed"


@pytest.mark.parametrize(("headers", "htmx", "fragment"), [
    ({}, False, False),
    ({"HX-Request": "false"}, False, False),
    ({"HX-Request": "true"}, True, True),
    ({"HX-Request": "true", "HX-Boosted": "true"}, True, False),
    ({"HX-Request": "true", "HX-History-Restore-Request": "true"}, True, False),
])
def test_requests_are_told_apart_by_htmx_headers(app, headers, htmx, fragment):
    with app.test_request_context(headers=headers):
        assert (is_htmx(), wants_fragment()) == (htmx, fragment)
