"""Customers through the API: create or match by email, the other system's own id.

Creating answers the same whether the address was new or known, so a token cannot be
used to learn who has an account.
"""

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Role, User
from tests import factories


def _customers() -> int:
    return db.session.scalar(select(func.count()).select_from(User)
                             .where(User.role == Role.CUSTOMER))


def _dana() -> User:
    return db.session.scalar(select(User).where(User.email == "dana@example.com"))


def test_a_new_email_creates_a_customer_and_a_known_one_matches(api):
    created = api.post("/customers", {"email": " Dana@Example.com ", "name": "Dana Whitfield",
                                      "external_id": "HO-7781"})
    assert created.status_code == 202
    assert created.json == {"email": "dana@example.com", "external_id": "HO-7781"}
    assert "Location" not in created.headers
    matched = api.post("/customers", {"email": "dana@example.com", "name": "Someone Else"})
    assert matched.status_code == 202
    assert matched.json == {"email": "dana@example.com", "external_id": None}
    assert _customers() == 1
    dana = _dana()
    assert dana.name == "Dana Whitfield"  # a second system's name does not overwrite hers
    assert dana.role == Role.CUSTOMER and dana.password_hash is None
    assert dana.email_verified_at is None  # another system's word does not prove the address
    fetched = api.get(f"/customers/{dana.id}")
    assert fetched.json["external_id"] == "HO-7781"


def test_get_customer_returns_the_customer(api):
    api.post("/customers", {"email": "ravi@example.com"})
    ravi = db.session.scalar(select(User).where(User.email == "ravi@example.com"))
    fetched = api.get(f"/customers/{ravi.id}")
    assert fetched.status_code == 200
    assert fetched.json["email"] == "ravi@example.com"
    assert fetched.json["name"] == "ravi@example.com"


def test_staff_addresses_and_unknown_ids_are_not_customers(api):
    tom = factories.staff()
    response = api.post("/customers", {"email": tom.email})
    # The same answer as for anyone: nothing says this address is a staff member's.
    assert response.status_code == 202
    assert response.json == {"email": tom.email, "external_id": None}
    db.session.expire_all()
    assert db.session.get(User, tom.id).role == Role.AGENT and _customers() == 0
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
    assert response.status_code == 202
    name = db.session.scalar(select(User.name).where(User.email == "c@example.com"))
    assert "\n" not in name and "\r" not in name


def test_a_department_token_sees_only_customers_it_serves(api_as, make_token):
    branch = factories.department("Northside")
    _, secret = make_token("write", [branch])
    scoped = api_as(secret)
    served = factories.case(cat=factories.category(branch))
    assert scoped.get(f"/customers/{served.customer_id}").status_code == 200
    # Linking an address it guessed is no way in: only a case in its departments is.
    scoped.post("/customers", {"email": "l@example.com", "external_id": "L1"})
    linked = db.session.scalar(select(User).where(User.email == "l@example.com"))
    assert scoped.get(f"/customers/{linked.id}").status_code == 404
    stranger = factories.customer()
    assert scoped.get(f"/customers/{stranger.id}").status_code == 404
