"""Bulk changes in the queue, in Chromium: tick, choose, change; on a phone too."""

from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Case, Priority, Role
from tests import factories
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import staff_sign_in


def _world():
    service = factories.department("Northside Service Centre")
    cat = factories.category(service, "Vehicle service and recalls")
    factories.staff(Role.MANAGER, [service], "Mia Lindqvist", "mia@example.com")
    hana = factories.staff(Role.AGENT, [service], "Hana Okafor", "hana@example.com")
    made = [factories.case(factories.customer(name), title, cat=cat) for name, title in (
        ("Dana Whitfield", "Recall RC-42 is not in the garage's system"),
        ("Ravi Menon", "Wireless CarPlay question"),
        ("Lena Park", "Brake noise after the service"),
        ("Omar Haddad", "Invoice shows the wrong VAT"))]
    db.session.commit()
    return made, hana


def test_a_manager_reassigns_ticked_cases_then_changes_all_matching(page, monkeypatch):
    monkeypatch.setattr("portal.services.queue.PAGE_SIZE", 3)  # the server runs in-process
    made, hana = _world()
    staff_sign_in(page, "mia@example.com")
    rows = page.locator("#queue-results tbody tr")
    expect(rows).to_have_count(3)
    listed = [db.session.get(Case, int(v)) for v in
              rows.locator("input[name=case]").evaluate_all("els => els.map(e => e.value)")]
    for case in listed[:2]:
        page.get_by_label(f"Select {case.reference}").check()
    page.get_by_label("Change to").select_option(f"assignee:{hana.id}")
    page.get_by_label("Handoff note (staff only)").fill("Hana takes the recall batch today.")
    page.screenshot(path=str(ARTIFACTS / "queue-bulk-selected-desktop.png"), full_page=True,
                    caret="initial")
    page.get_by_role("button", name="Change ticked cases").click()
    expect(page.locator("#flashes")).to_contain_text("2 cases changed.")
    expect(rows.filter(has_text="Hana Okafor")).to_have_count(2)
    db.session.commit()  # a fresh read: the server wrote meanwhile
    assert sorted(c.id for c in made if db.session.get(Case, c.id).assignee_id == hana.id) \
        == sorted(c.id for c in listed[:2])

    # "All matching" covers the next page too, and asks in the browser first (hx-confirm).
    dialogs: list[str] = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.get_by_label("Change to").select_option("priority:high")
    page.get_by_role("button", name="Change all 4 matching these filters").click()
    expect(page.locator("#flashes")).to_contain_text("4 cases changed.")
    assert "(4)" in dialogs[0]
    db.session.commit()  # a fresh read: the server wrote meanwhile
    assert [db.session.get(Case, c.id).priority for c in made] == [Priority.HIGH] * 4
    assert not page.console_errors


def test_checkboxes_are_finger_sized_on_a_phone(page, browser):
    made, _hana = _world()
    staff_sign_in(page, "mia@example.com")
    phone = browser.new_context(base_url=page.url.split("/admin")[0],
                                viewport={"width": 375, "height": 800},
                                storage_state=page.context.storage_state())
    try:
        narrow = phone.new_page()
        narrow.goto("/admin/cases")
        for case in made[:2]:
            box = narrow.get_by_label(f"Select {case.reference}")
            target = narrow.locator("label.queue-pick").filter(has=box).bounding_box()
            assert target["width"] >= 40 and target["height"] >= 40, target
            box.check()
            expect(box).to_be_checked()
        width = narrow.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the phone page scrolls sideways ({width} px)"
        narrow.get_by_label("Change to").select_option("status:acknowledged")
        narrow.screenshot(path=str(ARTIFACTS / "queue-bulk-selected-mobile.png"),
                          full_page=True, caret="initial")
        narrow.get_by_label(f"Select {made[0].reference}").scroll_into_view_if_needed()
        narrow.screenshot(path=str(ARTIFACTS / "queue-bulk-cards-mobile.png"), caret="initial")
    finally:
        phone.close()
