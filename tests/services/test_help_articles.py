"""Help articles: sanitised Markdown, ranked search, who may write and publish, history."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from portal.extensions import db
from portal.models import AuditEntry, Role
from portal.services import help_articles
from portal.services.errors import ServiceError
from tests import factories

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(2)>",
    '<a href="javascript:alert(3)">x</a>',
    "<iframe src=//evil.example></iframe>",
    "[x](javascript:alert(4))",
    "[x](JaVaScRiPt:alert(5))",
    '<p style="background:url(javascript:alert(6))" onclick="alert(7)">p</p>',
    "![img](x\" onerror=\"alert(8))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCg5KTwvc2NyaXB0Pg==)",
]


def _elements(html: str) -> list[tuple[str, list]]:
    """Every element a browser would build from the HTML, with its attributes."""
    found: list[tuple[str, list]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collect().feed(html)
    return found


@pytest.fixture
def manager(deliveries):
    return factories.staff(Role.MANAGER, [deliveries.department], name="Mia Manager")


def publish(manager, title, body, cat):
    article = help_articles.save(manager, title, body, cat.id)
    return help_articles.set_published(manager, article, True)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_markdown_payloads_render_inert(payload):
    html = str(help_articles.render(f"{payload}\n\n[click]({payload})\n\n<{payload}>"))
    for tag, attrs in _elements(html):
        assert tag in help_articles.TAGS, html
        for name, value in attrs:
            assert name in {"href", "title", "rel"}, html
            if name == "href":
                assert urlsplit(value).scheme in {"", "http", "https", "mailto"}, html


def test_markdown_keeps_what_writers_use():
    html = str(help_articles.render(
        "# Where is my parcel\n\n**Track** it [here](https://example.com/t).\n\n- one\n- two"))
    assert "<h2>Where is my parcel</h2>" in html  # the page's own title is the only h1
    assert "<strong>Track</strong>" in html
    assert 'href="https://example.com/t"' in html and "noopener" in html
    assert "<li>one</li>" in html
    js = str(help_articles.render("[x](javascript:alert(1)) <img src=x onerror=alert(1)>"))
    assert "href" not in js and "<img" not in js  # shown as the text it is


def test_search_ranks_title_matches_first_and_skips_drafts(manager, deliveries):
    other = factories.category(deliveries.department, name="Returns")
    body_only = publish(manager, "Opening hours", "A late parcel is often at the depot.",
                        other)
    titled = publish(manager, "My parcel is late", "Check the tracking page first.",
                     deliveries)
    help_articles.save(manager, "Late parcel draft", "late parcel", deliveries.id)  # draft
    publish(manager, "Changing your address", "Tell us before dispatch.", deliveries)

    found = help_articles.search("parcel late")
    assert found == [titled, body_only]
    assert help_articles.search("the and of") == []  # no words worth searching
    assert help_articles.search("deliver") == []
    assert help_articles.search("depot") == [body_only]
    # The category the customer chose comes first.
    assert help_articles.search("parcel late", category_id=other.id)[0] == body_only


def test_prefixes_match_longer_words(manager, deliveries):
    article = publish(manager, "Deliveries on public holidays", "We deliver on Saturdays.",
                      deliveries)
    assert help_articles.search("delivery") == [article]
    assert help_articles.search("holiday") == [article]


def test_agents_write_drafts_managers_publish(manager, deliveries):
    agent = factories.staff(Role.AGENT, [deliveries.department])
    outsider = factories.staff(Role.MANAGER, [factories.department()])
    article = help_articles.save(agent, "Late parcel", "Wait two days.", deliveries.id)
    assert not article.published
    with pytest.raises(ServiceError):
        help_articles.set_published(agent, article, True)
    with pytest.raises(ServiceError) as refused:
        help_articles.save(outsider, "Mine", "Words", deliveries.id)
    assert refused.value.field == "category"
    help_articles.set_published(manager, article, True)
    with pytest.raises(ServiceError):  # published: its managers' now
        help_articles.save(agent, "Late parcel", "Changed.", deliveries.id, article)
    actions = db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["article.saved", "article.published"]


def test_history_keeps_each_version_with_its_changes(manager, deliveries):
    article = help_articles.save(manager, "Late parcel", "Wait two days.", deliveries.id)
    help_articles.save(manager, "Late parcel", "Wait three days.", deliveries.id, article)
    help_articles.save(manager, "Late parcel", "Wait three days.", deliveries.id, article)
    versions = help_articles.history(article)
    assert len(versions) == 2  # saving the same words again is no new version
    newest, diff = versions[0]
    assert newest.body == "Wait three days." and newest.editor == manager
    assert "-Wait two days." in diff and "+Wait three days." in diff


def test_slugs_stay_unique_and_stable(manager, deliveries):
    first = help_articles.save(manager, "Late parcel?", "a", deliveries.id)
    second = help_articles.save(manager, "Late parcel!", "b", deliveries.id)
    assert (first.slug, second.slug) == ("late-parcel", "late-parcel-2")
    help_articles.save(manager, "Parcel late", "a", deliveries.id, first)
    assert first.slug == "late-parcel"
