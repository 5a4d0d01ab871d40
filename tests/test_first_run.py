"""A fresh install is usable before anyone sets it up, and says why when it is not."""

from __future__ import annotations

from flask_migrate import upgrade
from sqlalchemy import func, select, text

from portal import demo
from portal.extensions import db
from portal.models import Case, Category, Department
from tests import factories
from tests.conftest import BrowserLikeClient


def test_a_fresh_install_has_a_category_and_its_first_customer_opens_a_case(scratch_app):
    upgrade()
    categories = db.session.scalars(select(Category)).all()
    assert [(c.name, c.department.name, c.active) for c in categories] == [
        (demo.FIRST_CATEGORY, demo.FIRST_DEPARTMENT, True)]
    customer = factories.customer("Dana Whitfield", "dana@example.com")
    scratch_app.config.update(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    scratch_app.test_client_class = BrowserLikeClient
    browser = scratch_app.test_client()
    signed_in = browser.post("/login", data={"email": customer.email,
                                             "password": factories.PASSWORD})
    assert signed_in.status_code == 302
    form = browser.get("/cases/new").text
    assert demo.FIRST_CATEGORY in form
    opened = browser.post("/cases/new", data={
        "category": str(categories[0].id), "title": "My first question",
        "body": "Hello, is anyone there?", "once": "first-run-1"})
    assert opened.status_code == 302
    assert db.session.scalar(select(Case.title)) == "My first question"


def test_an_upgrade_of_a_database_with_departments_adds_none(scratch_app):
    upgrade(revision="0012")
    # Raw SQL: the model has columns that later revisions add.
    db.session.execute(text("INSERT INTO departments (name) VALUES ('Sales')"))
    db.session.commit()
    upgrade()
    assert db.session.scalars(select(Department.name)).all() == ["Sales"]


def test_the_demo_replaces_the_unused_first_category(scratch_app):
    upgrade()
    assert demo.load()
    names = set(db.session.scalars(select(Department.name)))
    assert names == set(demo.DEPARTMENTS)
    assert db.session.scalar(select(func.count(Category.id))) == len(demo.CATEGORIES)


def test_with_nothing_to_choose_the_customer_is_told_why_and_keeps_their_words(client, login):
    dana = factories.customer()
    login(client, dana)
    page = client.get("/cases/new")
    assert page.status_code == 200
    assert "We cannot take new cases here yet" in page.text
    assert "mailto:support@caseloop.localhost" in page.text
    assert "Open a new case</button>" not in page.text
    sent = client.post("/cases/new", data={"category": "0", "title": "Broken heater",
                                           "body": "The heater you fitted stopped working."})
    assert sent.status_code == 503  # our set-up, not their mistake
    assert "We cannot take new cases here yet" in sent.text
    assert "The heater you fitted stopped working." in sent.text
    assert "copy it into your email" in sent.text
    assert db.session.scalar(select(func.count(Case.id))) == 0
