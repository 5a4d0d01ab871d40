"""Staff two-factor sign-in (TOTP): enrolment, the code step, replay, recovery codes, reset."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
import time_machine
from sqlalchemy import func, select

from portal import demo
from portal.extensions import db
from portal.models import AuditEntry, RecoveryCode, Role, TwoFactor, utcnow
from portal.services import two_factor
from tests import factories
from tests.helpers import two_factor_code

ADMIN_PAGES = ["/admin/cases", "/admin/dashboard", "/admin/audit", "/admin/settings/staff",
               "/admin/promises", "/admin/account/security"]


def _password(client, user):
    return client.post("/admin/login", data={"email": user.email,
                                             "password": factories.PASSWORD})


def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def _enrol_through_the_page(client) -> tuple[str, list[str]]:
    """Read the key off the set-up page, type the app's code; returns (secret, codes)."""
    page = client.get("/admin/two-factor/setup")
    assert page.status_code == 200
    secret = re.search(r'aria-label="Setup key">([A-Z2-7 ]+)<', page.text)[1].replace(" ", "")
    done = client.post("/admin/two-factor/setup", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200, done.text
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", done.text)
    return secret, codes


def factories_recovery_code(user) -> str:
    """Recovery codes of a factory-enrolled user: made through the service, as on the page."""
    return two_factor.replace_recovery_codes(user)[0]


@pytest.fixture
def manager():
    return factories.staff(Role.MANAGER, [factories.department("Customer Care")],
                           "Grace Lindqvist")


def test_a_manager_without_two_factor_is_sent_to_enrol_and_reaches_no_staff_page(
        client, manager):
    response = _password(client, manager)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/two-factor/setup"
    for path in ADMIN_PAGES:
        answer = client.get(path)
        assert answer.status_code == 302, path
        assert not answer.headers["Location"].startswith(path), path
    assert "Set up two-factor sign-in" in client.get("/admin/two-factor/setup").text


def test_a_signed_in_manager_from_before_is_stopped_until_enrolled(app, client, manager):
    # A session that exists without the second factor (e.g. from before two-factor sign-in
    # was required) does not open any staff page either.
    with client.session_transaction() as session:
        session["_user_id"] = manager.get_id()
        session["_fresh"] = True
    answer = client.get("/admin/dashboard")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/admin/two-factor/setup")


def test_enrolment_shows_a_qr_code_and_key_and_needs_a_real_code(client, manager):
    _password(client, manager)
    page = client.get("/admin/two-factor/setup")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert 'hx-history="false"' in page.text  # never copied into htmx's localStorage cache
    assert re.search(r'<img src="data:image/svg\+xml[^"]+" alt="QR code', page.text)
    assert "<script" not in page.text.split("</head>", 1)[1]  # no inline script for the QR
    secret = re.search(r'aria-label="Setup key">([A-Z2-7 ]+)<', page.text)[1].replace(" ", "")
    assert len(secret) == 32
    assert client.get("/admin/two-factor/setup").text.count(secret[:4]) >= 1  # same key again
    # Showing the page stores nothing: only a secret proved by a code is kept.
    assert db.session.scalar(select(func.count()).select_from(TwoFactor)) == 0

    wrong = client.post("/admin/two-factor/setup", data={"code": "000000"})
    assert wrong.status_code == 422 and "That code is not right" in wrong.text
    assert client.get("/admin/cases").status_code == 302

    right = client.post("/admin/two-factor/setup", data={"code": pyotp.TOTP(secret).now()})
    assert right.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", right.text)
    assert len(set(codes)) == 10
    assert right.headers["Cache-Control"] == "no-store" and 'hx-history="false"' in right.text
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not any(c.replace("-", "") in h for c in codes for h in stored)
    assert client.get("/admin/cases").status_code == 200  # signed in now
    assert _audit("staff.two_factor_on")[-1].target_id == manager.id


def test_the_code_step_comes_after_the_password_and_refuses_a_wrong_code(app, client, manager):
    secret = factories.enrol_two_factor(manager)
    response = _password(client, manager)
    assert response.headers["Location"] == "/admin/login/code"
    # Between the two steps nobody is signed in: staff pages send back to sign-in.
    assert client.get("/admin/cases").headers["Location"].startswith("/admin/login")

    wrong = client.post("/admin/login/code", data={"code": "123456"})
    assert wrong.status_code == 422 and "That code is not right" in wrong.text
    assert client.get("/admin/cases").status_code == 302

    right = client.post("/admin/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert right.status_code == 302 and right.headers["Location"] == "/admin/cases"
    assert client.get("/admin/cases").status_code == 200


def test_a_code_from_a_stranger_browser_is_useless_without_the_password(app, manager):
    secret = factories.enrol_two_factor(manager)
    stranger = app.test_client()
    answer = stranger.post("/admin/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin/login"
    assert stranger.get("/admin/cases").headers["Location"].startswith("/admin/login")


def test_a_code_is_accepted_once_even_within_its_window(app, client, manager):
    secret = factories.enrol_two_factor(manager)
    with time_machine.travel(utcnow(), tick=False):
        code = pyotp.TOTP(secret).now()
        _password(client, manager)
        assert client.post("/admin/login/code", data={"code": code}).status_code == 302

        other = app.test_client()  # someone who saw the code over the shoulder
        _password(other, manager)
        replay = other.post("/admin/login/code", data={"code": code})
        assert replay.status_code == 422
        assert other.get("/admin/cases").status_code == 302


def test_clock_drift_of_one_step_is_accepted_and_two_steps_are_not(client, manager):
    secret = factories.enrol_two_factor(manager)
    totp, now = pyotp.TOTP(secret), utcnow()
    _password(client, manager)
    stale = totp.at(now - timedelta(seconds=60))
    assert client.post("/admin/login/code", data={"code": stale}).status_code == 422
    late = totp.at(now - timedelta(seconds=30))
    assert client.post("/admin/login/code", data={"code": late}).status_code == 302


def test_a_recovery_code_signs_in_once(app, client, manager):
    _password(client, manager)
    _, codes = _enrol_through_the_page(client)
    client.post("/admin/logout")

    _password(client, manager)
    used = client.post("/admin/login/code", data={"code": codes[3].upper()})
    assert used.status_code == 302
    assert "9 are left" in client.get(used.headers["Location"]).text
    client.post("/admin/logout")

    _password(client, manager)
    again = client.post("/admin/login/code", data={"code": codes[3]})
    assert again.status_code == 422
    assert client.get("/admin/cases").status_code == 302


def test_new_recovery_codes_replace_the_old_ones(client, login, manager):
    login(client, manager)  # the helper enrols them, as they would have done
    old_code = factories_recovery_code(manager)
    page = client.post("/admin/account/security/recovery-codes")
    new_codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", page.text)
    assert len(new_codes) == 10
    assert "10 unused recovery codes" in client.get("/admin/account/security").text
    client.post("/admin/logout")
    _password(client, manager)
    assert client.post("/admin/login/code", data={"code": old_code}).status_code == 422
    assert client.post("/admin/login/code", data={"code": new_codes[0]}).status_code == 302


def test_the_half_signed_in_step_expires(client, manager):
    secret = factories.enrol_two_factor(manager)
    _password(client, manager)
    with time_machine.travel(utcnow() + timedelta(minutes=11), tick=False):
        late = client.post("/admin/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert late.status_code == 302 and late.headers["Location"] == "/admin/login"


def test_agents_may_skip_it_until_an_admin_requires_it(app, client, login):
    agent = factories.staff(Role.AGENT, name="Tom Berger")
    response = _password(client, agent)
    assert response.headers["Location"] == "/admin/cases"  # optional by default
    assert client.get("/admin/cases").status_code == 200
    enrolled_agent = factories.staff(Role.AGENT, name="Hana Okafor")
    hanas_browser = app.test_client()
    login(hanas_browser, enrolled_agent)
    _enrol_through_the_page(hanas_browser)

    admin_browser = app.test_client()
    login(admin_browser, factories.staff(Role.ADMIN, name="Ada Admin"))
    page = admin_browser.get("/admin/settings/security")
    assert "Require two-factor sign-in for agents" in page.text
    saved = admin_browser.post("/admin/settings/security",
                               data={"agents_need_two_factor": "y"})
    assert saved.status_code == 302
    entry = _audit("settings.update")[-1]
    assert entry.after == {"agents_need_two_factor": True}
    # Agents without it are signed out at once; those who have it carry on.
    assert client.get("/admin/cases").headers["Location"].startswith("/admin/login")
    assert hanas_browser.get("/admin/cases").status_code == 200

    assert _password(client, agent).headers["Location"] == "/admin/two-factor/setup"
    assert client.get("/admin/cases").status_code == 302
    _enrol_through_the_page(client)
    assert client.get("/admin/cases").status_code == 200


def test_an_agent_promoted_to_manager_must_enrol_before_the_next_page(app, client, login):
    agent = factories.staff(Role.AGENT, name="Tom Berger")
    login(client, agent)
    assert client.get("/admin/cases").status_code == 200
    admin_browser = app.test_client()
    login(admin_browser, factories.staff(Role.ADMIN, name="Ada Admin"))
    promoted = admin_browser.post(f"/admin/settings/staff/{agent.id}", data={"role": "manager"})
    assert promoted.status_code == 302
    answer = client.get("/admin/cases")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/admin/two-factor/setup")


def test_an_agent_can_choose_to_enrol_from_their_security_page(client, login):
    agent = factories.staff(Role.AGENT)
    login(client, agent)
    assert "Two-factor sign-in is off" in client.get("/admin/account/security").text
    _enrol_through_the_page(client)
    assert "Two-factor sign-in is on" in client.get("/admin/account/security").text
    client.post("/admin/logout")
    assert _password(client, agent).headers["Location"] == "/admin/login/code"


def test_an_admin_reset_is_audited_signs_them_out_and_asks_them_to_enrol_again(
        app, client, login, manager):
    login(client, manager)  # enrols and passes the code step
    assert client.get("/admin/cases").status_code == 200
    admin = factories.staff(Role.ADMIN, name="Ada Admin")
    admin_browser = app.test_client()
    login(admin_browser, admin)
    assert "Reset two-factor sign-in" in admin_browser.get(
        f"/admin/settings/staff/{manager.id}").text

    reset = admin_browser.post(f"/admin/settings/staff/{manager.id}/two-factor/reset")
    assert reset.status_code == 302
    entry = _audit("staff.two_factor_reset")[-1]
    assert (entry.actor_id, entry.target_id) == (admin.id, manager.id)
    assert entry.before == {"two_factor": True} and entry.after == {"two_factor": False}
    assert db.session.get(TwoFactor, manager.id) is None
    assert not db.session.scalars(select(RecoveryCode)).all()

    assert client.get("/admin/cases").headers["Location"].startswith("/admin/login")
    assert _password(client, manager).headers["Location"] == "/admin/two-factor/setup"


def test_only_admins_may_reset_two_factor(app, client, login, manager):
    login(client, manager)
    other = factories.staff(Role.AGENT)
    factories.enrol_two_factor(other)
    refused = client.post(f"/admin/settings/staff/{other.id}/two-factor/reset")
    assert refused.status_code == 403
    assert db.session.get(TwoFactor, other.id) is not None
    assert _audit("denied")


def test_the_staff_list_shows_who_has_two_factor(client, login):
    admin = factories.staff(Role.ADMIN, name="Ada Admin")
    login(client, admin)
    factories.staff(Role.AGENT, name="Tom Berger")
    page = client.get("/admin/settings/staff").text
    assert '<th scope="col">Two-factor</th>' in page
    assert page.count('data-label="Two-factor">On<') == 1
    assert page.count('data-label="Two-factor">Off<') == 1


def test_demo_managers_sign_in_with_the_printed_key(client):
    demo.load()
    response = client.post("/admin/login", data={"email": "priya@staff.example.com",
                                                  "password": demo.PASSWORD})
    assert response.headers["Location"] == "/admin/login/code"
    code = pyotp.TOTP(demo.TOTP_SECRET).now()
    assert client.post("/admin/login/code", data={"code": code}).status_code == 302
    assert client.get("/admin/dashboard").status_code == 200


def test_the_login_helper_code_is_one_the_app_accepts(client, manager):
    factories.enrol_two_factor(manager)
    _password(client, manager)
    assert client.post("/admin/login/code",
                       data={"code": two_factor_code(manager)}).status_code == 302


def test_the_command_line_resets_a_locked_out_admins_two_factor(app, client, runner):
    """The last admin lost their phone: the operator resets it from the server's shell."""
    admin = factories.staff(Role.ADMIN, name="Ada Admin")
    factories.enrol_two_factor(admin)
    result = runner.invoke(args=["users", "reset-two-factor", admin.email.upper()])
    assert result.exit_code == 0, result.output
    assert "set it up again at their next sign-in" in result.output
    assert not two_factor.is_enrolled(admin)
    assert _password(client, admin).headers["Location"] == "/admin/two-factor/setup"
    entry = _audit("staff.two_factor_reset")[-1]
    assert entry.target_id == admin.id and entry.actor_id is None
    again = runner.invoke(args=["users", "reset-two-factor", admin.email])
    assert again.exit_code == 0 and "nothing to reset" in again.output
    customer = factories.customer()
    refused = runner.invoke(args=["users", "reset-two-factor", customer.email])
    assert refused.exit_code != 0 and "No staff account" in refused.output
