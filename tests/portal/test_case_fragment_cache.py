"""Timeline events kept rendered (portal/web/fragments.py): the same page cold, warm and
without the cache, and never a stale one after a change a reader would notice."""

import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from flask import g
from markupsafe import escape

from portal.customer import forms as customer_forms
from portal.extensions import cache, db
from portal.models import EventKind, PromiseState, Role, Sharing, Status, utcnow
from portal.services import (
    cases,
    customer_escalations,
    customers,
    erasure,
    feedback,
    handoffs,
    organisations,
    participants,
    promises,
    saved_replies,
    timeline,
)
from portal.web import row_cache
from tests import factories

# The per-request tokens: CSRF (forms and hx-headers) and the reply form's random id.
_TOKENS = re.compile(r'(csrf_token"(?: type="hidden")? value="|X-CSRFToken": "'
                     r'|name="once" type="hidden" value="'
                     r'|name="once" value="|id="once" name="once" type="hidden" value=")[^"]*')


def _stable(html: str) -> str:
    return _TOKENS.sub(r"\1…", html)


@pytest.fixture
def kept_for_good(monkeypatch):
    """Entries that outlive the clock moving (they would otherwise age out after an hour,
    and a test travelling past that would read a cold page, not a warm one)."""
    monkeypatch.setattr(cache.cache, "default_timeout", 0)


@pytest.fixture
def story():
    """A case with most kinds of event: replies, a status change, a promise, a colleague."""
    service = factories.department("Northside Service Centre")
    cat = factories.category(service, "Recalls")
    agent = factories.staff(departments=[service], name="Tom Berger")
    manager = factories.staff(Role.MANAGER, departments=[service], name="Mia Kovač")
    dana = factories.customer("Dana Whitfield")
    colleague = factories.customer("Chris Lee")
    case = factories.case(dana, "Recall RC-42", cat=cat)
    participants.add(case, dana, colleague.email)
    cases.add_staff_reply(case, agent, "We booked the recall for Thursday.")
    cases.add_customer_message(case, dana, "Thursday <b>works</b> & thanks.")
    cases.add_staff_reply(case, agent, "Noted internally.", internal=True)
    promises.make(case, agent, "Call the garage", agent, utcnow() + timedelta(days=2))
    cases.change_status(case, agent, Status.WAITING_ON_CUSTOMER, "Send a photo, please.")
    reply = cases.add_staff_reply(case, agent, "Did the photo arrive?")
    feedback.react(reply.id, dana, helpful=False, reason="No photo asked")
    db.session.commit()
    return {"case": case, "agent": agent, "manager": manager, "dana": dana,
            "colleague": colleague}


def _three_ways(app, client, url: str, **headers) -> tuple[str, str, str]:
    """The page rendered without the cache, then cold (empty cache), then warm."""
    app.config["FRAGMENT_CACHE"] = False
    try:
        uncached = client.get(url, headers=headers).text
    finally:
        app.config["FRAGMENT_CACHE"] = True
    cache.clear()
    cold = client.get(url, headers=headers).text
    warm = client.get(url, headers=headers).text
    return _stable(uncached), _stable(cold), _stable(warm)


# Every reader of a case page, and three languages, zones and hour cycles.
READERS = pytest.mark.parametrize("reader", ["dana", "colleague", "agent", "manager"])
LOCALES = pytest.mark.parametrize("language, zone", [
    ("en-GB", None), ("en-US", "America/New_York"), ("de", "Europe/Berlin")])


def signed_in_reader(app, client, login, story, monkeypatch, reader: str, zone):
    """The story's `reader`, in `zone`, signed in, with CSRF tokens in the page as live."""
    person = story[reader]
    person.timezone = zone
    db.session.commit()
    login(client, person)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    return person


@READERS
@LOCALES
def test_each_page_reads_the_same_cold_warm_and_without_the_cache(
        app, client, login, story, pseudo_german, monkeypatch, reader, language, zone):
    person = signed_in_reader(app, client, login, story, monkeypatch, reader, zone)
    ref = story["case"].reference
    url = f"/admin/cases/{ref}" if person.is_staff else f"/cases/{ref}"
    uncached, cold, warm = _three_ways(app, client, url, **{"Accept-Language": language})
    assert "Did the photo arrive?" in cold and 'class="when"' in cold
    assert uncached == cold == warm


def test_the_live_fragment_and_staff_timeline_read_the_same_warm(app, client, login, story):
    login(client, story["dana"])
    ref = story["case"].reference
    assert len(set(_three_ways(app, client, f"/cases/{ref}/live"))) == 1
    client.post("/logout")
    login(client, story["agent"])
    fragment = _three_ways(app, client, f"/admin/cases/{ref}/timeline", **{"HX-Request": "true"})
    assert len(set(fragment)) == 1


def _page(client, story) -> str:
    return client.get(f"/cases/{story['case'].reference}").text


def test_changes_show_on_the_next_load_of_a_warm_page(client, login, story):
    case, agent, dana = story["case"], story["agent"], story["dana"]
    login(client, dana)
    assert "<bdi>Tom Berger</bdi> replied" in _page(client, story)
    cases.add_staff_reply(case, agent, "The garage has the photo.")
    assert "The garage has the photo." in _page(client, story)
    agent.name = "Thomas Berger"  # a rename bumps no case version
    db.session.commit()
    assert "<bdi>Thomas Berger</bdi> replied" in _page(client, story)
    assert "<bdi>Tom Berger</bdi> replied" not in _page(client, story)
    promise = promises.open_on(case)[0]
    promises.resolve(promise, PromiseState.KEPT, by=agent, note="Garage called")
    assert "Promise kept: Call the garage" in _page(client, story)
    cases.change_status(case, agent, Status.IN_PROGRESS, "Working on it.")
    assert "Status: Waiting on us" in _page(client, story)


def test_a_promise_reads_overdue_on_a_warm_page_once_the_clock_passes_its_due_time(
        client, login, story, kept_for_good):
    """The case head and the promises panel are kept: "on time" must not outlive the due
    time, though nothing about the case changes when it passes."""
    case, agent = story["case"], story["agent"]
    cases.change_status(case, agent, Status.IN_PROGRESS, "Working on it.")
    soon = promises.make(case, agent, "Ring back", agent, utcnow() + timedelta(minutes=5))
    login(client, story["dana"])
    page = _page(client, story)
    assert "Next update expected by" in page and "Overdue" not in page
    with time_machine.travel(utcnow() + timedelta(minutes=20), tick=False):
        page = _page(client, story)
        assert "We owed you an update by" in page and "Next update expected by" not in page
        assert page.count("Overdue since") == 1 and "Due by" in page  # the other is not due
        assert "was to do this. We are sorry it is late." in page
        promises.resolve(soon, PromiseState.KEPT, by=agent, note="Rang")
        page = _page(client, story)
        assert "✓ Kept" in page and "Overdue since" not in page
        assert "Next update expected by" in page


def test_the_kept_head_and_promises_show_each_change_on_the_next_load(client, login, story):
    case, agent = story["case"], story["agent"]
    login(client, story["dana"])
    assert "Waiting on you" in _page(client, story)
    cases.change_status(case, agent, Status.IN_PROGRESS, "Working on it.")
    page = _page(client, story)
    assert "Waiting on you" not in page.split('id="case-title"')[1].split("</section>")[0]
    promises.make(case, agent, "Send the loan car form", agent, utcnow() + timedelta(days=1))
    assert "Send the loan car form" in _page(client, story)
    case.category.name = "Recalls and repairs"  # a rename bumps no case version
    case.title = "Recall RC-42, second visit"
    db.session.commit()
    page = _page(client, story)
    assert "Recalls and repairs" in page and "Recall RC-42, second visit</h1>" in page
    participants.add(case, story["dana"], "sam.ortiz@example.com", "Sam Ortiz")
    db.session.commit()
    assert "sam.ortiz@example.com" in _page(client, story) or "Sam Ortiz" in _page(client, story)


def _head(client, case) -> str:
    page = client.get(f"/admin/cases/{case.reference}").text
    return page.split('<section class="case-head panel">')[1].split("</section>")[0]


def test_the_kept_workspace_head_shows_each_change_on_the_next_load(client, login, story,
                                                                   kept_for_good):
    case, agent, dana = story["case"], story["agent"], story["dana"]
    cases.change_status(case, agent, Status.IN_PROGRESS, "Working on it.")
    login(client, agent)
    head = _head(client, case)
    assert "Take this case" in head and "Customer's clock: 0 h calendar time" in head
    assert "Waiting on us" in head
    dana.name = "Dana Whitfield-Ross"  # a profile edit bumps no case version
    db.session.commit()
    assert "Dana Whitfield-Ross</a>" in _head(client, case)
    handoffs.take(case, agent)
    head = _head(client, case)
    assert "Take this case" not in head and "<strong>Tom Berger</strong>" in head
    cases.change_status(case, agent, Status.WAITING_ON_CUSTOMER, "A photo, please.")
    head = _head(client, case)
    assert "Waiting on you" in head and "Waiting on us" not in head
    with time_machine.travel(utcnow() + timedelta(hours=3), tick=False):
        head = _head(client, case)
        assert "Customer's clock: 3 h calendar time, of which" in head
        assert "3 hours ago" in head  # "Opened …": a time filled in on every load


def _panel(client, case, start: str) -> str:
    page = client.get(f"/admin/cases/{case.reference}").text
    return page.split(start)[1].split("</section>")[0]


def test_the_kept_side_panels_show_each_change_on_the_next_load(client, login, story):
    case, agent, dana = story["case"], story["agent"], story["dana"]
    login(client, agent)
    before = '<section class="panel before-contact"'
    assert "No details recorded yet." in _panel(client, case, before)
    customers.set_fact(dana, agent, "vin", "WVWZZZ1JZXW000001")
    db.session.commit()
    assert "WVWZZZ1JZXW000001" in _panel(client, case, before)
    other = factories.case(dana, "Wiper blades", cat=case.category)
    assert "Wiper blades" in _panel(client, case, before)
    other.title = "Wiper blades, rear"  # an edit that bumps no version of this case
    db.session.commit()
    assert "Wiper blades, rear" in _panel(client, case, before)
    cases.add_staff_reply(other, agent, "New blades are in.")
    assert "Tom Berger replied" in _panel(client, case, before)
    promise = promises.open_on(case)[0]
    assert "Settle this promise" in _panel(client, case, 'id="promises"')
    promises.resolve(promise, PromiseState.KEPT, by=agent, note="Garage called")
    panel = _panel(client, case, 'id="promises"')
    assert "Settle this promise" not in panel and "Kept by Tom Berger" in panel
    assert "Garage called" in panel


@pytest.mark.parametrize("later", [timedelta(hours=1), timedelta(hours=5), timedelta(hours=11)])
def test_a_warm_page_reads_as_a_fresh_one_after_the_clock_moves(app, client, login, story, later,
                                                                kept_for_good):
    """Nothing changes on the case, only the clock: hours on the customer's clock, deadlines
    passing, promises falling due. The kept pieces must read as if rendered now."""
    case, agent = story["case"], story["agent"]
    cases.change_status(case, agent, Status.IN_PROGRESS, "Working on it.")
    promises.make(case, agent, "Ring back", agent, utcnow() + timedelta(minutes=90))
    for reader, url in (("dana", "/cases/{}"), ("agent", "/admin/cases/{}")):
        login(client, story[reader])
        url = url.format(case.reference)
        client.get(url)  # kept now
        with time_machine.travel(utcnow() + later, tick=False):
            warm = _stable(client.get(url).text)
            app.config["FRAGMENT_CACHE"] = False
            try:
                fresh = _stable(client.get(url).text)
            finally:
                app.config["FRAGMENT_CACHE"] = True
        assert warm == fresh, reader
        client.post("/logout")


def test_a_reaction_shows_to_the_one_who_made_it_not_to_a_colleague(client, login, story):
    case, dana, colleague = story["case"], story["dana"], story["colleague"]
    reply = timeline.public_events(case)[-1]
    login(client, dana)
    assert "You said this didn’t help." in _page(client, story)
    feedback.react(reply.id, dana, helpful=True)
    assert "You said this helped." in _page(client, story)
    client.post("/logout")
    login(client, colleague)
    page = _page(client, story)
    assert "You said this helped." not in page and "<bdi>Dana Whitfield</bdi> wrote" in page
    assert "You wrote" not in page


def test_relative_times_move_with_the_clock_on_a_warm_page(client, login, story, monkeypatch):
    login(client, story["dana"])
    assert "just now" in _page(client, story) or "minute" in _page(client, story)
    later = utcnow() + timedelta(days=3)
    monkeypatch.setattr("portal.web.formatting.utcnow", lambda: later)
    assert "3 days ago" in _page(client, story)


@pytest.mark.parametrize("language", ["en-GB", "de"])
def test_the_feedback_form_reads_the_same_kept_and_takes_each_readers_token(
        app, client, login, story, pseudo_german, monkeypatch, language):
    case = story["case"]
    promises.resolve(promises.open_on(case)[0], PromiseState.KEPT, by=story["agent"], note="Called")
    cases.change_status(case, story["agent"], Status.RESOLVED, "The garage booked it.")
    login(client, story["dana"])
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    url = f"/cases/{case.reference}"
    uncached, cold, warm = _three_ways(app, client, url, **{"Accept-Language": language})
    assert 'class="feedback-form"' in cold
    assert uncached == cold == warm
    page = client.get(url, headers={"Accept-Language": language}).text
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    # The kept form carries this reader's token, as the page's header does; no placeholder.
    assert f'name="csrf_token" type="hidden" value="{token}"' in page and "\x00" not in page


def test_words_erased_without_a_new_version_show_on_a_warm_workspace(client, login, story):
    """Erasure rewrites a customer's messages on every case in one UPDATE, bumping no
    case version: the kept events are keyed by what they hold, so the next load shows it."""
    case, colleague = story["case"], story["colleague"]
    cases.add_customer_message(case, colleague, "My phone is 0123 456789.")
    login(client, story["agent"])
    url = f"/admin/cases/{case.reference}"
    assert "0123 456789" in client.get(url).text
    version = case.version
    erasure.anonymise(colleague)
    db.session.commit()
    page = client.get(url).text
    assert case.version == version
    assert "0123 456789" not in page and escape(erasure.REMOVED) in page


@pytest.mark.parametrize("reader", ["dana", "agent"])
def test_a_kept_reply_form_carries_a_new_form_id_on_every_page(client, login, story, reader):
    login(client, story[reader])
    ref = story["case"].reference
    url = f"/admin/cases/{ref}" if reader == "agent" else f"/cases/{ref}"
    ids = [re.search(r'name="once" (?:type="hidden" )?value="([^"]+)"', client.get(url).text)
           for _ in range(3)]
    assert all(ids) and len({found.group(1) for found in ids}) == 3
    assert "\x00" not in client.get(url).text


def test_a_warm_page_is_served_from_the_kept_pieces(client, login, story):
    """A piece whose key held something new on every page (the composer's form id) would be
    rendered on every load and fill the cache with entries nobody asks for again."""
    for reader, url in (("dana", "/cases/{}"), ("agent", "/admin/cases/{}")):
        login(client, story[reader])
        url = url.format(story["case"].reference)
        client.get(url)
        kept = len(cache.cache._cache)
        client.get(url)
        assert len(cache.cache._cache) == kept, reader
        client.post("/logout")


def test_a_release_that_changes_a_template_keys_its_fragments_afresh(app, tmp_path):
    """A cache that outlives a deploy (Redis) must not serve the old release's markup: every
    key holds a digest of the templates, the same on every host with the same templates."""
    shipped = Path(app.root_path, app.template_folder).resolve()
    same = shutil.copytree(shipped, tmp_path / "same")
    changed = shutil.copytree(shipped, tmp_path / "changed")  # a release: a new process
    event = changed / "shared" / "_event.html"
    event.write_text(event.read_text() + "\n")  # the smallest change a release can make
    assert row_cache._digest(str(same)) == row_cache._digest(str(shipped))
    assert row_cache._digest(str(changed)) != row_cache._digest(str(shipped))


def _form(client, case, action: str, page: str | None = None) -> str:
    page = page or client.get(f"/admin/cases/{case.reference}").text
    return page.split(f'action="/admin/cases/{case.reference}/{action}"')[1].split("</form>")[0]


def test_the_kept_workspace_forms_list_each_new_choice_on_the_next_load(client, login, story):
    """An untouched form is kept without being built: its key is what it is built from, so
    a colleague, department, category or saved reply added in settings shows next time."""
    case, manager = story["case"], story["manager"]
    login(client, manager)
    for action in ("handoff", "details", "promises", "replies"):
        _form(client, case, action)  # warm
    factories.staff(departments=[case.department], name="Noor Haddad")
    assert "Noor Haddad" in _form(client, case, "handoff")
    assert "Noor Haddad" in _form(client, case, "promises")
    factories.staff(Role.ADMIN, name="Ada Okafor")  # in no department, yet sees every case
    assert "Ada Okafor" in _form(client, case, "promises")
    factories.department("Eastside Body Shop")
    assert "Eastside Body Shop" in _form(client, case, "handoff")
    factories.category(case.department, "Tyres and wheels")
    assert "Tyres and wheels" in _form(client, case, "details")
    assert "No saved replies yet." in _form(client, case, "replies")
    saved_replies.save(manager, "Photo received", "Thanks, {customer_name}.", None)
    db.session.commit()
    composer = _form(client, case, "replies")
    assert "Photo received" in composer and "No saved replies yet." not in composer
    case.category.name = "Recalls and campaigns"  # a rename in settings, no case version
    db.session.commit()
    assert "Recalls and campaigns" in _form(client, case, "details")


def test_a_refused_form_on_a_warm_workspace_shows_the_words_and_the_error(client, login, story):
    case = story["case"]
    login(client, story["agent"])
    _form(client, case, "references")  # warm
    refused = client.post(f"/admin/cases/{case.reference}/references",
                          data={"system": "Recall desk", "value": ""})
    assert refused.status_code == 422
    form = _form(client, case, "references", refused.text)
    assert 'value="Recall desk"' in form and "Enter the reference." in form
    again = _form(client, case, "references")
    assert "Recall desk" not in again and "Enter the reference." not in again


@pytest.mark.parametrize("reader", ["dana", "agent"])
def test_a_warm_page_holds_only_its_own_readers_csrf_token(app, login, story, monkeypatch,
                                                           reader):
    """Kept pieces are anyone's: each token in them is a placeholder filled per request, so
    a second session never reads the first one's token (which would let the second reader
    forge the first's requests, and refuse their own)."""
    ref = story["case"].reference
    url = f"/admin/cases/{ref}" if reader == "agent" else f"/cases/{ref}"
    clients = [app.test_client(), app.test_client()]
    for client in clients:
        login(client, story[reader])
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    pages = []
    for client in clients:  # the first session fills the cache, the second reads it warm
        # The test's app context outlives each request, and with it the token kept in `g`.
        g.pop("csrf_token", None)
        pages.append(client.get(url).text)
    for page in pages:
        token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
        found = set(re.findall(r'csrf_token"(?: type="hidden")? value="([^"]+)"', page))
        assert found == {token}


def _people(client, story) -> str:
    return _page(client, story).split('id="people"')[1].split("</section>")[0]


@pytest.mark.parametrize("reader", ["dana", "colleague"])
def test_the_kept_people_panel_shows_each_change_on_the_next_load(client, login, story, reader):
    case, dana, colleague = story["case"], story["dana"], story["colleague"]
    login(client, story[reader])
    panel = _people(client, story)
    assert "<bdi>Chris Lee</bdi>" in panel and ("Remove" in panel) == (reader == "dana")
    assert ('<bdi>Chris Lee</bdi> <span class="tag tag--you">' in panel) == (reader == "colleague")
    colleague.name = "Christine Lee"  # a rename bumps no case version
    db.session.commit()
    assert "<bdi>Christine Lee</bdi>" in _people(client, story)
    dana.name = "Dana Whitfield-Ortiz"
    db.session.commit()
    assert "<bdi>Dana Whitfield-Ortiz</bdi>" in _people(client, story)
    added = participants.add(case, dana, "sam.ortiz@example.com", "Sam Ortiz")
    db.session.commit()
    assert "<bdi>Sam Ortiz</bdi>" in _people(client, story)
    participants.remove(case, dana, added.id)
    db.session.commit()
    assert "Sam Ortiz" not in _people(client, story)
    if reader == "dana":  # only the requester is offered sharing
        org = organisations.create(None, "Whitfield Motors", "", False, Sharing.SHARED)
        organisations.add_member(org, None, dana.email)
        assert "Share with my organisation" in _people(client, story)
        organisations.set_shared(case, dana, True)
        db.session.commit()
        assert "Stop sharing with my organisation" in _people(client, story)


def test_untouched_forms_are_built_only_when_their_html_is_not_kept(app, client, login, story,
                                                                   monkeypatch):
    """The reply, feedback and add-a-colleague forms of a warm page come from the cache,
    keyed by what they would be built from; a pre-selected answer is another form."""
    case = story["case"]
    promises.resolve(promises.open_on(case)[0], PromiseState.KEPT, by=story["agent"], note="Called")
    cases.change_status(case, story["agent"], Status.RESOLVED, "The garage booked it.")
    login(client, story["dana"])
    url = f"/cases/{case.reference}"
    client.get(url)
    built = []
    for form in ("ReplyForm", "FeedbackForm", "ParticipantForm", "EscalateForm"):
        cls = getattr(customer_forms, form)
        monkeypatch.setattr(cls, "process", lambda self, *a, _f=form, _p=cls.process, **k:
                            built.append(_f) or _p(self, *a, **k))
    page = client.get(url).text
    assert built == [] and 'class="feedback-form"' in page and 'id="reply-form"' in page
    page = client.get(url + "?solved=partly").text
    assert built == ["FeedbackForm"]
    assert 'checked id="solved-1" name="solved" required type="radio" value="partly"' in page


@pytest.mark.parametrize("language, zone", [("en-GB", None), ("en-US", "America/New_York"),
                                            ("de", "Europe/Berlin")])
def test_the_kept_escalation_reads_the_same_and_shows_each_change_on_the_next_load(
        app, client, login, story, pseudo_german, monkeypatch, language, zone):
    dana, manager = story["dana"], story["manager"]
    dana.timezone = zone
    db.session.commit()
    customer_escalations.escalate(story["case"], dana, "Three weeks now")
    login(client, dana)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    url = f"/cases/{story['case'].reference}"
    uncached, cold, warm = _three_ways(app, client, url, **{"Accept-Language": language})
    assert 'class="escalate__owner"' in cold and "Mia Kovač" in cold
    assert uncached == cold == warm
    manager.name = "Mia Kovač-Berg"  # a rename bumps no case version
    db.session.commit()
    page = client.get(url, headers={"Accept-Language": language}).text
    assert "Mia Kovač-Berg" in page.split('id="escalate"')[1].split("</section>")[0]


def test_the_kept_timeline_shows_each_change_to_an_event_on_the_next_load(client, login, story):
    """The whole list is one kept piece keyed by its events' keys: words erased in an UPDATE
    that bumps no version, a reaction and a reply each make a new list."""
    case, colleague, dana = story["case"], story["colleague"], story["dana"]
    cases.add_customer_message(case, colleague, "My phone is 0123 456789.")
    login(client, dana)
    assert "0123 456789" in _page(client, story)
    erasure.anonymise(colleague)
    db.session.commit()
    page = _page(client, story)
    assert "0123 456789" not in page and escape(erasure.REMOVED) in page
    first_reply = next(e for e in timeline.public_events(case) if e.kind == EventKind.STAFF_REPLY)
    feedback.react(first_reply.id, dana, helpful=True)
    assert _page(client, story).count("You said this helped.") == 1
    client.post(f"/cases/{case.reference}/replies", data={"body": "Any news?"})
    assert "Any news?" in _page(client, story)


def test_the_reply_fragment_moves_focus_to_the_new_reply_on_a_warm_page(client, login, story):
    login(client, story["dana"])
    _page(client, story)  # kept now
    answer = client.post(f"/cases/{story['case'].reference}/replies",
                         data={"body": "Here is the photo."}, headers={"HX-Request": "true"})
    mine = re.findall(r'event--customer_message event--mine" id="event-(\d+)"', answer.text)
    assert "Here is the photo." in answer.text and answer.text.count('tabindex="-1"') == 1
    assert f'id="event-{mine[-1]}" tabindex="-1" data-focus-after-swap' in answer.text


def _staff_timeline(client, case) -> str:
    page = client.get(f"/admin/cases/{case.reference}").text
    return page.split('id="staff-timeline"')[1].split("</ol>")[0]


def test_the_kept_staff_timeline_shows_each_change_on_the_next_load(client, login, story):
    """The workspace timeline is kept whole: a new event, a note, a renamed author, a
    reaction and the customer seeing our reply each make a new key."""
    case, agent, dana = story["case"], story["agent"], story["dana"]
    login(client, agent)
    assert "Not yet seen since our last reply" in _staff_timeline(client, case)
    case.customer_seen_at = utcnow()  # bumps no case version
    db.session.commit()
    assert "Seen by <bdi>Dana Whitfield</bdi>" in _staff_timeline(client, case)
    dana.name = "Dana Whitfield-Ng"
    db.session.commit()
    timeline_now = _staff_timeline(client, case)
    assert "Seen by <bdi>Dana Whitfield-Ng</bdi>" in timeline_now
    assert "<bdi>Dana Whitfield-Ng</bdi> wrote" in timeline_now
    cases.add_staff_reply(case, agent, "A note for the team.", internal=True)
    assert "A note for the team." in _staff_timeline(client, case)
    agent.name = "Thomas Berger"
    db.session.commit()
    timeline_now = _staff_timeline(client, case)
    assert "Internal note by <bdi>Thomas Berger</bdi>" in timeline_now
    assert "<bdi>Tom Berger</bdi>" not in timeline_now  # a promise's words keep the old name
    reply = timeline.public_events(case)[-1]
    before = _staff_timeline(client, case)
    feedback.react(reply.id, dana, helpful=True)
    assert _staff_timeline(client, case) != before
    cases.add_staff_reply(case, agent, "Any news from the garage?")
    timeline_now = _staff_timeline(client, case)
    assert "Any news from the garage?" in timeline_now
    assert "Not yet seen since our last reply" in timeline_now


def test_the_before_contact_panel_names_each_author_as_now(client, login, story):
    """The panel reads plain rows: a renamed colleague and another case's new status show."""
    case, agent, dana = story["case"], story["agent"], story["dana"]
    other = factories.case(dana, "Wiper blades", cat=case.category)
    cases.add_staff_reply(other, agent, "New blades are in.")
    login(client, agent)
    before = '<section class="panel before-contact"'
    assert "Tom Berger replied" in _panel(client, case, before)
    agent.name = "Thomas Berger"
    db.session.commit()
    panel = _panel(client, case, before)
    assert "Thomas Berger replied" in panel and "Tom Berger" not in panel
    assert f"({other.reference})" in panel
    cases.change_status(other, agent, Status.RESOLVED, "Fitted.")
    assert "Solved" in _panel(client, case, before) or "Resolved" in _panel(client, case, before)


def test_the_kept_workspace_colleagues_show_each_change_on_the_next_load(client, login, story):
    case, agent, dana, colleague = (story["case"], story["agent"], story["dana"],
                                    story["colleague"])
    login(client, agent)
    people = 'id="people"'
    assert "<bdi>Chris Lee</bdi>" in _panel(client, case, people)
    colleague.name = "Christine Lee"  # a rename bumps no case version
    db.session.commit()
    assert "<bdi>Christine Lee</bdi>" in _panel(client, case, people)
    newcomer = factories.customer("Pat Novak")
    participants.add(case, dana, newcomer.email)
    db.session.commit()
    assert "<bdi>Pat Novak</bdi>" in _panel(client, case, people)
    for p in participants.of_case(case):
        participants.remove(case, agent, p.id)
    db.session.commit()
    assert "Only the customer follows this case." in _panel(client, case, people)
