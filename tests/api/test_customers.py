"""Customers through the API: create or match by email, the other system's own id."""

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Role, User
from tests import factories


def _customers() -> int:
    return db.session.scalar(select(func.count()).select_from(User)
                             .where(User.role == Role.CUSTOMER))


def test_a_new_email_creates_a_customer_and_a_known_one_matches(api):
    created = api.post("/customers", {"email": " Dana@Example.com ", "name": "Dana Whitfield",
                                      "external_id": "HO-7781"})
    assert created.status_code == 201
    assert created.json["email"] == "dana@example.com"
    assert created.json["external_id"] == "HO-7781"
    assert created.headers["Location"] == f"/api/v1/customers/{created.json['id']}"
    matched = api.post("/customers", {"email": "dana@example.com", "name": "Someone Else"})
    assert matched.status_code == 200
    assert matched.json["id"] == created.json["id"] and matched.json["name"] == "Dana Whitfield"
    assert matched.json["external_id"] == "HO-7781"
    assert _customers() == 1
    dana = db.session.get(User, created.json["id"])
    assert dana.role == Role.CUSTOMER and dana.password_hash is None
    assert dana.email_verified_at is None  # another system's word does not prove the address


def test_get_customer_returns_the_same_shape(api):
    made = api.post("/customers", {"email": "ravi@example.com"}).json
    fetched = api.get(f"/customers/{made['id']}")
    assert fetched.status_code == 200 and fetched.json == made
    assert fetched.json["name"] == "ravi@example.com"


def test_staff_addresses_and_unknown_ids_are_not_customers(api):
    tom = factories.staff()
    response = api.post("/customers", {"email": tom.email})
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "email"
    assert api.get(f"/customers/{tom.id}").status_code == 404
    assert api.get("/customers/999999").status_code == 404
    assert api.get("/customers/99999999999999999999999").status_code == 404


def test_an_external_id_names_one_customer_only(api):
    api.post("/customers", {"email": "a@example.com", "external_id": "X-1"})
    response = api.post("/customers", {"email": "b@example.com", "external_id": "X-1"})
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "external_id"


def test_names_cannot_smuggle_header_lines(api):
    response = api.post("/customers", {"email": "c@example.com",
                                       "name": "Eve\r\nBcc: all@example.com"})
    assert response.status_code == 201
    assert "\n" not in response.json["name"] and "\r" not in response.json["name"]


def test_a_department_token_sees_customers_it_linked_or_serves(api_as, make_token):
    branch = factories.department("Northside")
    _, secret = make_token("write", [branch])
    scoped = api_as(secret)
    linked = scoped.post("/customers", {"email": "l@example.com", "external_id": "L1"}).json
    assert scoped.get(f"/customers/{linked['id']}").status_code == 200
    served = factories.case(cat=factories.category(branch))
    assert scoped.get(f"/customers/{served.customer_id}").status_code == 200
    stranger = factories.customer()
    assert scoped.get(f"/customers/{stranger.id}").status_code == 404
