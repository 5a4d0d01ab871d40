"""Relative times read exactly as Babel words them, in every language we ship."""

from __future__ import annotations

from datetime import timedelta

import pytest
from babel.dates import format_timedelta
from flask_babel import force_locale
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.models import utcnow
from portal.web.formatting import timeago, when, whens

NOW = utcnow()


@settings(max_examples=400, deadline=None)
@given(seconds=st.integers(min_value=-5 * 365 * 86400, max_value=5 * 365 * 86400),
       locale=st.sampled_from(["en", "de", "fr", "pl"]))
def test_timeago_is_babels_wording(app, seconds, locale):
    moment = NOW + timedelta(seconds=seconds)
    with app.test_request_context(), force_locale(locale):
        shown = timeago(moment, now=NOW)
    if abs(seconds) < 45:
        return
    assert shown == format_timedelta(timedelta(seconds=seconds), threshold=1,
                                     add_direction=True, locale=locale)


def test_timeago_examples(app):
    with app.test_request_context():
        assert timeago(NOW - timedelta(minutes=55), now=NOW) == "55 minutes ago"
        assert timeago(NOW - timedelta(days=10), now=NOW) == "1 week ago"
        assert timeago(NOW + timedelta(hours=2), now=NOW) == "in 2 hours"
        assert timeago(NOW - timedelta(seconds=10), now=NOW) == "just now"


@pytest.mark.parametrize("language", ["en-GB", "en-US", "de-DE,de"])
def test_whens_writes_each_moment_as_when_does(app, language, monkeypatch):
    """The queue's time cells come from `whens` (one look-up of the reader for the page):
    the same HTML as `when`, one moment at a time."""
    monkeypatch.setattr("portal.web.formatting.utcnow", lambda: NOW)
    moments = [None, NOW - timedelta(seconds=10), NOW - timedelta(minutes=55),
               NOW - timedelta(days=400), NOW + timedelta(hours=2)]
    with (app.test_request_context("/", headers={"Accept-Language": language}),
          force_locale(language[:2])):
        assert whens(moments) == [when(m) for m in moments]
