# ruff: noqa: F811  - the fixtures shared with test_case_fragment_cache
"""The base layout's frame and zone offer kept rendered (portal/web/layout.py): every page
reads the same cold, warm and without the cache, for customers and staff, and whatever the
frame shows changes on the next load."""

import re

from portal.extensions import db
from portal.models import Role
from portal.web import layout, static_files
from tests import factories
from tests.portal.test_case_fragment_cache import (  # noqa: F401
    LOCALES,
    READERS,
    _three_ways,
    kept_for_good,
    signed_in_reader,
    story,
)

CUSTOMER_PAGES = ["/cases", "/cases/{ref}", "/profile", "/cases/new", "/help"]
STAFF_PAGES = ["/admin/cases", "/admin/cases/{ref}", "/admin/promises"]


def _header(page: str) -> str:
    found = re.search(r"<!doctype html>.*?</header>", page, re.S)
    assert found, "no frame"
    return found.group(0)


def _offer(page: str) -> str:
    found = re.search(r'<div class="notice notice--info zone-offer".*?</div>', page, re.S)
    return found.group(0) if found else ""


@READERS
@LOCALES
def test_every_page_reads_the_same_cold_warm_and_without_the_cache(
        app, client, login, story, pseudo_german, monkeypatch, reader, language, zone):
    person = signed_in_reader(app, client, login, story, monkeypatch, reader, zone)
    pages = STAFF_PAGES if person.is_staff else CUSTOMER_PAGES
    for url in pages:
        uncached, cold, warm = _three_ways(app, client, url.format(ref=story["case"].reference),
                                           **{"Accept-Language": language})
        assert "</header>" in cold and ("zone-offer" in cold) == (zone is None)
        assert uncached == cold == warm, url


def test_signed_out_pages_read_the_same_cold_warm_and_without_the_cache(app, client):
    for url in ["/login", "/help", "/signup", "/admin/login"]:
        assert len(set(_three_ways(app, client, url))) == 1, url


def test_the_staff_frame_shows_a_rename_and_a_new_role_on_the_next_load(
        app, client, login, story, kept_for_good):
    manager = story["manager"]
    login(client, manager)
    frame = _header(client.get("/admin/cases").text)
    assert "Mia Kovač · manager" in frame and "Dashboard" in frame
    manager.name = "Mia Kovacs"
    db.session.commit()
    assert "Mia Kovacs · manager" in _header(client.get("/admin/cases").text)
    manager.role = Role.AGENT
    db.session.commit()
    frame = _header(client.get("/admin/cases").text)
    assert "Mia Kovacs · agent" in frame and "Dashboard" not in frame


def test_the_frame_follows_the_page_title_and_current_item(app, client, login, story,
                                                           kept_for_good):
    login(client, story["dana"])
    case = story["case"]
    mine = _header(client.get("/cases").text)
    details = _header(client.get("/profile").text)
    assert 'href="/cases" aria-current="page"' in mine and "<title>My cases" in mine
    assert 'href="/cases" aria-current="page"' not in details
    assert 'href="/profile" aria-current="page"' in details
    url = f"/cases/{case.reference}"
    assert f"<title>{case.reference} · Recall RC-42" in _header(client.get(url).text)
    case.title = "Recall RC-43 & <more>"
    db.session.commit()
    assert f"<title>{case.reference} · Recall RC-43 &amp; &lt;more&gt;" in _header(
        client.get(url).text)


def test_a_first_case_brings_the_open_a_case_link(app, client, login, kept_for_good):
    dep = factories.department("Service")
    cat = factories.category(dep, "Servicing")
    newcomer = factories.customer("Nia Newcomer")
    db.session.commit()
    login(client, newcomer)
    assert "/cases/new" not in _header(client.get("/cases").text)
    factories.case(newcomer, "Squeaky brakes", "They squeak.", cat)
    db.session.commit()
    assert "/cases/new" in _header(client.get("/cases").text)


def test_signing_in_and_out_changes_the_frame(app, client, login, story,
                                              kept_for_good):
    assert "Sign in" in _header(client.get("/help").text)
    login(client, story["dana"])
    frame = _header(client.get("/help").text)
    assert "Sign out" in frame and "Sign in" not in frame
    client.post("/logout")
    assert "Sign in" in _header(client.get("/help").text)


def test_the_zone_offer_posts_back_to_its_own_page_and_goes_once_a_zone_is_chosen(
        app, client, login, story, kept_for_good):
    dana = story["dana"]
    login(client, dana)
    assert 'name="next" value="/cases"' in _offer(client.get("/cases").text)
    assert 'name="next" value="/profile"' in _offer(client.get("/profile").text)
    dana.timezone = "Europe/Berlin"
    db.session.commit()
    assert _offer(client.get("/cases").text) == ""
    dana.timezone = None
    db.session.commit()
    assert "Times here are" in _offer(client.get("/cases").text)


def test_the_debug_server_keeps_no_frame(app, client, login, story, monkeypatch):
    """Static files change under the debug server, and the frame names their versions."""
    kinds = []

    def spy(kind, *shown, caller):
        kinds.append(kind)
        return caller()

    monkeypatch.setattr(layout, "cached_piece", spy)
    login(client, story["dana"])
    client.get("/cases")
    assert "frame" in kinds
    kinds.clear()
    monkeypatch.setattr(app, "debug", True)
    assert static_files.static_generation(app) is None
    client.get("/cases")
    assert "frame" not in kinds and "zone-offer" in kinds
