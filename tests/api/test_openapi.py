"""The OpenAPI document stays true: routes and paths match, and answers match the schemas."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance

from portal.api.openapi import SPEC
from portal.extensions import db
from portal.models import Role, utcnow
from portal.services import api_tokens as tokens
from portal.services import (
    customer_escalations,
    help_articles,
    organisations,
    participants,
    problems,
    promises,
)
from tests import factories, snapshots

PREFIX = "/api/v1"
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


def _routed(app) -> set[tuple[str, str]]:
    """(path, method) of every API route, written the OpenAPI way: /cases/{reference}."""
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX + "/"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(PREFIX):])
            found |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def _documented() -> set[tuple[str, str]]:
    return {(path, method) for path, item in SPEC["paths"].items()
            for method in item if method in HTTP_METHODS}


def test_every_route_is_documented_and_every_documented_path_exists(app):
    assert SPEC["servers"] == [{"url": PREFIX}]
    routed, documented = _routed(app), _documented()
    assert routed - documented == set(), "routes missing from openapi.py"
    assert documented - routed == set(), "documented operations that do not exist"


def test_the_served_document_is_the_spec(client):
    response = client.get(f"{PREFIX}/openapi.json")
    assert response.json == SPEC


def test_every_reference_resolves_and_every_operation_has_an_id():
    text = str(SPEC)
    for name in re.findall(r"#/components/(?:schemas|responses)/(\w+)", text):
        assert name in SPEC["components"]["schemas"] or name in SPEC["components"]["responses"]
    ids = [op["operationId"] for item in SPEC["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids)) == len(_documented())


@pytest.fixture
def seeded():
    """A write token and a real case, so generated requests reach real rows too; built once,
    copied into each operation's empty tables (tests/snapshots.py)."""
    return snapshots.reuse("openapi seeded", _seed)


def _seed() -> dict:
    admin = factories.staff(Role.ADMIN, name="Ada Admin")
    dep = factories.department("Northside")
    cat = factories.category(dep, "Recalls")
    case = factories.case(cat=cat)
    tom = factories.staff(Role.AGENT, departments=[dep], email="tom@staff.example.com")
    promise = promises.make(case, tom, "Call back", tom, utcnow() + timedelta(days=1))
    problem = problems.create(tom, "Brake recall", "Parts arrive Friday.", [cat.id], "RC-42")
    article = help_articles.save(tom, "Booking a recall", "Call the garage.", cat.id)
    org = organisations.create(None, "Johnson Hardware", "johnson.example", False, "all")
    organisations.add_member(org, None, case.customer.email)
    colleague = participants.add(case, tom, "clerk@johnson.example")
    # The case JSON carries the customer's escalations: one, so its shape is checked too.
    factories.staff(Role.MANAGER, departments=[dep], email="ken@staff.example.com")
    customer_escalations.escalate(case, case.customer, "This is taking too long.")
    _, secret = tokens.create(admin, "Head office recall system", "write", [])
    db.session.commit()
    return {"secret": secret, "reference": case.reference, "customer_id": case.customer_id,
            "promise_id": promise.id, "problem_id": problem.id, "article_id": article.id,
            "organisation_id": org.id, "participant_id": colleague.id}





def _realistic(case):
    """Point generated bodies at the seeded category, customer and staff member."""
    real = {"category": "Recalls", "customer_email": "dana@example.com",
            "owner_email": "tom@staff.example.com",
            "due_at": (utcnow() + timedelta(days=1)).isoformat()}
    if isinstance(case.body, dict):
        case.body.update({k: v for k, v in real.items() if k in case.body})
    return case


def _really_sent(case) -> bool:
    """False for "negative" cases whose only fault is an extra query parameter with no value:
    nothing of it reaches the server, so the request it sends is a valid one."""
    return not any(value in ([], None) for value in (case.query or {}).values())


OPERATIONS = [op["operationId"] for item in SPEC["paths"].values() for op in item.values()]
EXAMPLES = settings(max_examples=30, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))


# One test per operation, with Hypothesis driven here: schemathesis.pytest.from_fixture
# reads `request.node._nodeid`, which pytest 9 no longer has.
@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_answers_match_the_document_and_are_never_500(app, seeded, operation_id):
    schema = schemathesis.openapi.from_wsgi(f"{PREFIX}/openapi.json", app)
    operation = schema.find_operation_by_id(operation_id)
    real = {name: seeded[name] for name in re.findall(r"{(\w+)}", operation.path)}
    strategy = st.one_of(
        # Real rows and real names, so writes get past the lookups and succeed too.
        operation.as_strategy(GenerationMode.POSITIVE, path_parameters=real).map(_realistic),
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE).filter(_really_sent),
    )
    headers = {"Authorization": f"Bearer {seeded['secret']}"}

    @EXAMPLES
    @given(case=strategy)
    def check(case) -> None:
        # Valid by the schema is not valid by the rules: an unknown category, an address
        # email_validator refuses or a cursor we never gave out is rightly 422 or 400.
        case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

    check()
