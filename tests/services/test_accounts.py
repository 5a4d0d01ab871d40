from datetime import timedelta

import pytest
import time_machine

from portal.models import Role, utcnow
from portal.services import accounts
from portal.services.errors import ServiceError
from tests import factories
from tests.helpers import last_link, mails_to


def _token(address: str) -> str:
    return last_link(address).rsplit("/", 1)[-1]


def test_sign_in_link_is_single_use_and_looking_does_not_use_it():
    dana = factories.customer(email="dana@example.com")
    accounts.request_sign_in_link("DANA@example.com ")
    raw = _token(dana.email)
    assert accounts.peek_token(raw, accounts.SIGN_IN) is not None
    assert accounts.peek_token(raw, accounts.SIGN_IN) is not None  # a GET twice is harmless
    assert accounts.consume_sign_in_link(raw).user_id == dana.id
    assert accounts.consume_sign_in_link(raw) is None


def test_sign_in_link_expires_after_ten_minutes():
    dana = factories.customer()
    accounts.request_sign_in_link(dana.email)
    raw = _token(dana.email)
    with time_machine.travel(utcnow() + timedelta(minutes=10, seconds=1)):
        assert accounts.consume_sign_in_link(raw) is None


def test_sign_in_link_is_never_sent_to_unknown_addresses_or_staff():
    staff = factories.staff()
    accounts.request_sign_in_link("nobody@example.com")
    accounts.request_sign_in_link(staff.email)
    assert mails_to("nobody@example.com") == [] and mails_to(staff.email) == []


def test_sign_up_says_the_same_for_known_and_unknown_addresses_but_mails_differently():
    existing = factories.customer(email="mei@example.com")
    accounts.sign_up("mei@example.com", "Impostor", "another password!")
    accounts.sign_up("new@example.com", "New Person", "a good password")
    assert "you already\nhave one" in mails_to(existing.email)[-1].body_text
    assert accounts.authenticate("mei@example.com", "another password!", staff=False) is None
    fresh = accounts.find_user("new@example.com")
    assert fresh.email_verified_at is None
    accounts.consume_sign_in_link(_token("new@example.com"))
    assert fresh.email_verified_at is not None


def test_authenticate_keeps_customers_and_staff_apart():
    customer, agent = factories.customer(), factories.staff()
    assert accounts.authenticate(customer.email, factories.PASSWORD, staff=False) == customer
    assert accounts.authenticate(customer.email, factories.PASSWORD, staff=True) is None
    assert accounts.authenticate(agent.email, factories.PASSWORD, staff=True) == agent
    assert accounts.authenticate(agent.email, factories.PASSWORD, staff=False) is None
    assert accounts.authenticate(agent.email, "wrong", staff=True) is None


def test_password_reset_changes_the_password_once_and_revokes_sessions():
    dana = factories.customer()
    version = dana.session_version
    accounts.request_password_reset(dana.email)
    raw = _token(dana.email)
    assert accounts.reset_password(raw, "a brand new password") == dana
    assert dana.session_version == version + 1
    assert accounts.reset_password(raw, "yet another password") is None
    assert accounts.authenticate(dana.email, "a brand new password", staff=False) == dana


def test_weak_passwords_and_bad_emails_are_refused():
    with pytest.raises(ServiceError, match="at least"):
        accounts.create_user("x@example.com", "X", Role.CUSTOMER, "short")
    with pytest.raises(ServiceError, match="valid email"):
        accounts.create_user("not-an-email", "X", Role.CUSTOMER, "long enough pass")
    factories.customer(email="dup@example.com")
    with pytest.raises(ServiceError, match="already exists"):
        accounts.create_user("DUP@example.com", "X", Role.CUSTOMER, "long enough pass")
