"""What a change triggers is called by name, and does not depend on registered blueprints.

A customer's reply through their case page, then an internal note, a staff reply and
resolving the case through the services, are played twice: in the full app, and in an app
with the customer pages only (no admin, no API, no mail webhook). Both must write the same
timeline rows, outbox emails, webhook deliveries and audit entries, and announce the same
live updates: each is called by name from the service (or effects.commit()), none is
installed by a blueprint. And every service commits through effects.commit(), the one
dispatcher of what happens after a commit.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import SessionEvents

import portal
from portal import database, live
from portal.customer import bp as customer_bp
from portal.extensions import db
from portal.models import AuditEntry, Case, CaseEvent, OutboxMessage, Status
from portal.models.api import WEBHOOK_EVENTS, Webhook, WebhookDelivery
from portal.services import cases
from portal.web.urls import IdConverter
from tests import factories
from tests.conftest import BrowserLikeClient


@dataclass(frozen=True)
class Effects:
    timeline: list[str]
    emails: list[tuple[str, str]]  # (who: customer or staff, subject)
    webhooks: list[str]
    audit: list[str]
    staff_heard: int  # live messages on the department's channel
    customer_heard: int  # live messages on the customer's channel


def _customer_pages_only(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    app.register_blueprint(customer_bp)  # the emails' links lead to its pages


@pytest.fixture
def bare_app(app, monkeypatch) -> Iterator[Flask]:
    """The factory as usual, on the same database, with the customer blueprint only."""
    monkeypatch.setattr(portal, "register_blueprints", _customer_pages_only)
    keep = ("TESTING", "WTF_CSRF_ENABLED", "ATTACHMENT_DIR", "ENV_NAME", "RATELIMIT_ENABLED",
            "SQLALCHEMY_DATABASE_URI")
    bare = portal.create_app({key: app.config[key] for key in keep})
    yield bare
    with bare.app_context():
        db.session.remove()
        db.engine.dispose()


def _heard(subscription: live.Subscription) -> int:
    count = 0
    while next(subscription) is not None:  # None: a quiet heartbeat, nothing more queued
        count += 1
    subscription.close()
    return count


def _play(login) -> Effects:
    """The story, in whatever app's context is current; returns what it caused."""
    department = factories.department()
    agent = factories.staff(departments=[department])
    db.session.add(Webhook(name="Head office", url="https://hooks.example.com/caseloop",
                           secret="s" * 64, event_types=list(WEBHOOK_EVENTS),
                           department_ids=[], created_by_id=agent.id))
    customer = factories.customer()
    staff_channel = live.listen([live.department_channel(department.id)], timeout=0.01)
    customer_channel = live.listen([live.customer_channel(customer.id)], timeout=0.01)
    case = factories.case(owner=customer, cat=factories.category(department),
                          status=Status.WAITING_ON_CUSTOMER)
    this_app = current_app._get_current_object()
    client = BrowserLikeClient(this_app, this_app.response_class)
    login(client, customer)
    reply = client.post(f"/cases/{case.reference}/replies",
                        data={"body": "The garage still cannot see it."})
    assert reply.status_code == 302, reply.text
    db.session.expire_all()  # the request saved it in a session of its own
    cases.add_staff_reply(case, agent, "Called the garage.", internal=True)
    cases.add_staff_reply(case, agent, "Booked for Monday.")
    cases.change_status(case, agent, Status.RESOLVED, "Booked and done.")
    return _effects_of(case, customer, staff_channel, customer_channel)


def _effects_of(case: Case, customer, staff_channel, customer_channel) -> Effects:
    db.session.expire_all()
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)
                               .order_by(OutboxMessage.id))
    deliveries = db.session.scalars(select(WebhookDelivery).join(CaseEvent)
                                    .where(CaseEvent.case_id == case.id)
                                    .order_by(WebhookDelivery.id))
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.target_id == case.id)
                               .order_by(AuditEntry.id))
    return Effects(
        timeline=[e.kind.value for e in case.events],
        emails=[("customer" if m.to_address == customer.email else "staff",
                 m.subject.replace(case.reference, "REF")) for m in mails],
        webhooks=[d.event_type for d in deliveries],
        audit=[a.action for a in audit],
        staff_heard=_heard(staff_channel),
        customer_heard=_heard(customer_channel),
    )


def test_a_reply_causes_the_same_effects_without_the_admin_and_api_blueprints(
        bare_app, login):
    assert "admin" not in bare_app.blueprints and "api" not in bare_app.blueprints
    full = _play(login)
    db.session.execute(Webhook.__table__.update().values(active=False))  # one hook a run
    db.session.commit()
    with bare_app.app_context():
        bare = _play(login)
    assert bare == full
    # And they are the effects a reader of cases.py expects, not two empty lists.
    assert full.timeline == ["opened", "customer_message", "status_change", "internal_note",
                             "staff_reply", "status_change"]
    assert [who for who, _ in full.emails] == ["customer", "customer"]
    assert full.webhooks == ["case.opened", "case.status_changed", "case.public_reply",
                             "case.status_changed"]
    assert full.audit == ["case.status"]
    assert full.staff_heard == 5 and full.customer_heard == 4  # the note stays internal


def test_the_only_session_listeners_are_the_databases_own():
    """Write tracking (portal/database.py) is the one thing installed on sessions; nothing
    the app's packages register listens to a commit or a flush."""
    session = db.session()
    names = [n for n in dir(SessionEvents) if not n.startswith("_")]
    listeners = {(name, fn.__module__) for name in names
                 for fn in getattr(session.dispatch, name, ())}
    ours = {(name, module) for name, module in listeners if module.startswith(("portal", "admin"))}
    assert ours == {(name, "portal.database") for name, _hook in database._SESSION_HOOKS}


def _plain_commits(path: Path) -> list[int]:
    """Lines that call `<something>.session.commit()` or `session.commit()` directly."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "commit" and "session" in ast.unparse(node.func.value)]


def test_services_commit_through_the_effects_dispatcher_only():
    services = Path(portal.__file__).parent / "services"
    plain = [f"{path.name}:{line}" for path in sorted(services.glob("*.py"))
             if path.name != "effects.py" for line in _plain_commits(path)]
    assert not plain, "commits that skip effects.commit(): " + ", ".join(plain)
    assert _plain_commits(services / "effects.py")  # the check sees a commit where one is
