"""Admin settings: staff accounts, departments and categories; only admins may change them."""

import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEntry, Category, Department, OutboxMessage, Role, User
from tests import factories
from tests.helpers import mails_to

NEW_PASSWORD = "a brand new password"


def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def _set_password_link(body: str) -> str:
    return re.findall(r"https?://[^/\s]+(/reset/\S+)", body)[0]


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def admin(client, login):
    user = factories.staff(Role.ADMIN, name="Ada Admin")
    login(client, user)
    return user


# Staff accounts ----------------------------------------------------------------------------

def test_invited_staff_choose_a_password_by_email_and_sign_in(app, client, admin, login):
    sales = factories.department("Sales")
    response = client.post("/admin/settings/staff/new", data={
        "name": "Nina New", "email": "Nina@Staff.example.com", "role": "agent",
        "departments": [sales.id]})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/settings/staff"
    nina = db.session.scalar(select(User).where(User.email == "nina@staff.example.com"))
    assert nina.role == Role.AGENT and nina.password_hash is None
    assert [d.name for d in nina.departments] == ["Sales"]
    mail = mails_to(nina.email)[-1]
    assert mail.subject == "You have been invited to Caseloop"
    assert "/admin/login" in mail.body_text
    entry = _audit("staff.invite")[-1]
    assert entry.actor_id == admin.id and entry.target_id == nina.id
    assert entry.after["role"] == "agent" and entry.after["departments"] == ["Sales"]
    assert "Nina New" in client.get("/admin/settings/staff").text

    invitee = app.test_client()
    link = _set_password_link(mail.body_text)
    assert invitee.get(link).status_code == 200
    done = invitee.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    signed_in = invitee.post("/admin/login", data={"email": nina.email,
                                                    "password": NEW_PASSWORD})
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/admin/cases"
    assert invitee.get("/admin/cases").status_code == 200


def test_invite_refuses_a_taken_email_and_keeps_what_was_typed(client, admin):
    taken = factories.customer(email="dana@example.com")
    users, mails = _count(User), _count(OutboxMessage)
    response = client.post("/admin/settings/staff/new", data={
        "name": "Dana Again", "email": taken.email, "role": "manager"})
    assert response.status_code == 422
    assert "An account with that email already exists." in response.text
    assert 'value="Dana Again"' in response.text
    assert _count(User) == users and _count(OutboxMessage) == mails
    assert db.session.get(User, taken.id).role == Role.CUSTOMER


@pytest.mark.parametrize("field, value", [
    ("role", "customer"), ("role", "owner"), ("departments", "999999"), ("departments", "x"),
    ("email", "not an email"), ("name", ""),
])
def test_invite_with_bad_input_is_422_and_creates_nobody(client, admin, field, value):
    data = {"name": "Nina New", "email": "nina@staff.example.com", "role": "agent"}
    data[field] = value
    users = _count(User)
    response = client.post("/admin/settings/staff/new", data=data)
    assert response.status_code == 422
    assert 'class="error"' in response.text
    assert _count(User) == users and not mails_to("nina@staff.example.com")


def test_admin_changes_role_and_departments_with_an_audit_row(client, admin):
    north, south = factories.department("North"), factories.department("South")
    tom = factories.staff(Role.AGENT, departments=[north], name="Tom Berger")
    page = client.get(f"/admin/settings/staff/{tom.id}")
    assert page.status_code == 200 and "Tom Berger" in page.text
    response = client.post(f"/admin/settings/staff/{tom.id}", data={
        "role": "manager", "departments": [north.id, south.id]})
    assert response.status_code == 302
    tom = db.session.get(User, tom.id)
    assert tom.role == Role.MANAGER and tom.department_ids == {north.id, south.id}
    entry = _audit("staff.update")[-1]
    assert entry.before == {"role": "agent", "departments": ["North"]}
    assert entry.after == {"role": "manager", "departments": ["North", "South"]}


def test_unticking_every_department_removes_them_all(client, admin):
    north = factories.department("North")
    tom = factories.staff(Role.AGENT, departments=[north])
    client.post(f"/admin/settings/staff/{tom.id}", data={"role": "agent"})
    assert db.session.get(User, tom.id).department_ids == set()


def test_deactivating_ends_their_session_at_once(app, client, admin, login):
    tom = factories.staff(Role.AGENT)
    toms_browser = app.test_client()
    login(toms_browser, tom)
    assert toms_browser.get("/admin/cases").status_code == 200

    response = client.post(f"/admin/settings/staff/{tom.id}/access", data={"active": "0"})
    assert response.status_code == 302
    assert db.session.get(User, tom.id).active is False
    assert toms_browser.get("/admin/cases").status_code == 302  # back to the sign-in page
    again = toms_browser.post("/admin/login", data={"email": tom.email,
                                                     "password": factories.PASSWORD})
    assert again.status_code == 422
    assert _audit("staff.deactivate")[-1].after == {"active": False}
    assert "Deactivated" in client.get("/admin/settings/staff").text

    client.post(f"/admin/settings/staff/{tom.id}/access", data={"active": "1"})
    assert db.session.get(User, tom.id).active is True
    login(toms_browser, tom)


def test_an_admin_cannot_demote_or_deactivate_themselves(client, admin):
    demote = client.post(f"/admin/settings/staff/{admin.id}", data={"role": "agent"})
    assert demote.status_code == 422
    assert "You cannot lower your own role" in demote.text
    deactivate = client.post(f"/admin/settings/staff/{admin.id}/access", data={"active": "0"})
    assert deactivate.status_code == 422
    assert "You cannot deactivate your own account" in deactivate.text
    me = db.session.get(User, admin.id)
    assert me.role == Role.ADMIN and me.active
    assert client.get("/admin/settings/staff").status_code == 200  # still signed in
    assert not _audit("staff.update") and not _audit("staff.deactivate")


def test_posting_extra_fields_changes_nothing_else(client, admin):
    north = factories.department("North")
    tom = factories.staff(Role.AGENT, name="Tom Berger")
    email, version = tom.email, tom.session_version
    client.post(f"/admin/settings/staff/{tom.id}", data={
        "role": "agent", "departments": [north.id], "email": "evil@example.com",
        "name": "Evil", "active": "0", "session_version": "99", "password_hash": "x"})
    tom = db.session.get(User, tom.id)
    assert (tom.email, tom.name, tom.active, tom.session_version) == \
        (email, "Tom Berger", True, version)
    assert tom.department_ids == {north.id}
    # A rename form carrying role=admin and someone's id renames and does nothing more.
    client.post(f"/admin/settings/departments/{north.id}", data={
        "name": "Northside", "role": "admin", "user_id": tom.id, "id": 12345})
    assert db.session.get(User, tom.id).role == Role.AGENT
    assert db.session.get(Department, north.id).name == "Northside"


def test_a_foreign_department_id_is_refused_and_nothing_changes(client, admin):
    north = factories.department("North")
    tom = factories.staff(Role.AGENT, departments=[north])
    response = client.post(f"/admin/settings/staff/{tom.id}", data={
        "role": "manager", "departments": [north.id, 999999]})
    assert response.status_code == 422
    tom = db.session.get(User, tom.id)
    assert tom.role == Role.AGENT and tom.department_ids == {north.id}


def test_customers_are_never_listed_or_editable(client, admin):
    dana = factories.customer(email="dana@example.com")
    assert "dana@example.com" not in client.get("/admin/settings/staff").text
    assert client.get(f"/admin/settings/staff/{dana.id}").status_code == 404
    assert client.post(f"/admin/settings/staff/{dana.id}",
                       data={"role": "admin"}).status_code == 404
    assert client.post(f"/admin/settings/staff/{dana.id}/access",
                       data={"active": "0"}).status_code == 404
    dana = db.session.get(User, dana.id)
    assert dana.role == Role.CUSTOMER and dana.active


# Departments and categories ----------------------------------------------------------------

def test_departments_list_counts_create_and_rename(client, admin):
    north = factories.department("North")
    factories.staff(Role.AGENT, departments=[north])
    factories.case(cat=factories.category(north))
    page = client.get("/admin/settings/departments")
    assert page.status_code == 200
    row = page.text.split("North</th>")[1].split("</tr>")[0]
    assert '"num">1</td>' in row and row.count('"num">1</td>') == 2  # 1 staff, 1 open case

    created = client.post("/admin/settings/departments", data={"name": "  Finance "})
    assert created.status_code == 302
    finance = db.session.scalar(select(Department).where(Department.name == "Finance"))
    assert _audit("department.create")[-1].after == {"name": "Finance"}

    renamed = client.post(f"/admin/settings/departments/{finance.id}", data={"name": "Billing"})
    assert renamed.status_code == 302
    assert db.session.get(Department, finance.id).name == "Billing"
    entry = _audit("department.rename")[-1]
    assert (entry.before, entry.after, entry.department_id) == \
        ({"name": "Finance"}, {"name": "Billing"}, finance.id)


def test_duplicate_department_names_are_refused_with_a_message(client, admin):
    north, south = factories.department("North"), factories.department("South")
    count = _count(Department)
    created = client.post("/admin/settings/departments", data={"name": "north"})
    assert created.status_code == 422
    assert "That name is already in use" in created.text and 'value="north"' in created.text
    renamed = client.post(f"/admin/settings/departments/{south.id}", data={"name": "North"})
    assert renamed.status_code == 422 and "That name is already in use" in renamed.text
    assert _count(Department) == count
    assert db.session.get(Department, south.id).name == "South"
    assert db.session.get(Department, north.id).name == "North"
    assert not _audit("department.create") and not _audit("department.rename")


def test_categories_create_edit_and_deactivate_hides_them_from_customers(client, admin, app,
                                                                         login):
    north, south = factories.department("North"), factories.department("South")
    created = client.post("/admin/settings/categories",
                          data={"name": "Recalls", "department": north.id})
    assert created.status_code == 302
    recalls = db.session.scalar(select(Category).where(Category.name == "Recalls"))
    assert recalls.department_id == north.id and recalls.active
    dana = factories.customer()
    customer = app.test_client()
    login(customer, dana)
    assert "Recalls" in customer.get("/cases/new").text

    edited = client.post(f"/admin/settings/categories/{recalls.id}",
                         data={"name": "Vehicle recalls", "department": south.id})
    assert edited.status_code == 302  # the unticked "active" box deactivates it
    recalls = db.session.get(Category, recalls.id)
    assert (recalls.name, recalls.department_id, recalls.active) == \
        ("Vehicle recalls", south.id, False)
    assert "recalls" not in customer.get("/cases/new").text.lower()
    entry = _audit("category.deactivate")[-1]
    assert entry.before == {"name": "Recalls", "department": "North", "active": True}
    assert entry.after == {"name": "Vehicle recalls", "department": "South", "active": False}

    client.post(f"/admin/settings/categories/{recalls.id}",
                data={"name": "Vehicle recalls", "department": south.id, "active": "y"})
    assert "Vehicle recalls" in customer.get("/cases/new").text


@pytest.mark.parametrize("data, message", [
    ({"name": "Recalls"}, "Choose a department."),
    ({"name": "recalls", "department": "DEP"}, "That name is already in use"),
    ({"name": "Refunds", "department": "999999"}, "Not a valid choice"),
    ({"name": "", "department": "DEP"}, "Enter a name."),
])
def test_bad_categories_are_refused_and_nothing_changes(client, admin, data, message):
    north = factories.department("North")
    factories.category(north, name="Recalls")
    data = {k: str(north.id) if v == "DEP" else v for k, v in data.items()}
    count = _count(Category)
    response = client.post("/admin/settings/categories", data=data)
    assert response.status_code == 422 and message in response.text
    assert _count(Category) == count


# Who may use the settings ------------------------------------------------------------------

def _routes(user: User, dep: Department, cat: Category) -> tuple[list[str], list[str]]:
    gets = ["/admin/settings", "/admin/settings/staff", "/admin/settings/staff/new",
            f"/admin/settings/staff/{user.id}", "/admin/settings/departments",
            f"/admin/settings/departments/{dep.id}", "/admin/settings/categories",
            f"/admin/settings/categories/{cat.id}"]
    posts = ["/admin/settings/staff/new", f"/admin/settings/staff/{user.id}",
             f"/admin/settings/staff/{user.id}/access", "/admin/settings/departments",
             f"/admin/settings/departments/{dep.id}", "/admin/settings/categories",
             f"/admin/settings/categories/{cat.id}"]
    return gets, posts


@pytest.mark.parametrize("role", [Role.AGENT, Role.MANAGER])
def test_lower_roles_are_refused_everywhere_and_posts_are_audited(client, login, role):
    dep = factories.department("North")
    cat = factories.category(dep, name="Recalls")
    me = factories.staff(role, departments=[dep])
    login(client, me)
    gets, posts = _routes(me, dep, cat)
    for url in gets:
        assert client.get(url).status_code == 403, url
    for url in posts:
        response = client.post(url, data={"role": "admin", "departments": [dep.id],
                                          "name": "Hijacked", "email": "x@example.com",
                                          "active": "0", "department": dep.id})
        assert response.status_code == 403, url
    me = db.session.get(User, me.id)
    assert me.role == role and me.active
    assert db.session.get(Department, dep.id).name == "North"
    assert db.session.get(Category, cat.id).name == "Recalls"
    assert _count(User) == 1
    denied = _audit("denied")
    assert len(denied) == len(posts) and {e.actor_id for e in denied} == {me.id}
    assert "role" in denied[0].after["fields"]
    assert "was refused POST /admin/settings/staff/new" in denied[0].summary


def test_customers_get_404_and_strangers_the_sign_in_page(client, login):
    assert client.get("/admin/settings/staff").headers["Location"].startswith("/admin/login")
    login(client, factories.customer())
    assert client.get("/admin/settings/staff").status_code == 404
    assert client.post("/admin/settings/departments", data={"name": "X"}).status_code == 404
    assert not _audit("denied") and _count(Department) == 0
