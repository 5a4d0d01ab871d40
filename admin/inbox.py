"""Mail the channel could not place: staff read it, attach it to a case, or dismiss it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from portal.models import Role
from portal.services import intake, triage
from portal.services.errors import ServiceError
from portal.web.choices import options
from portal.web.lazy_text import lazy_gettext as _l

from . import bp
from .decorators import staff_required
from .new_case_forms import TriageCaseForm
from .new_cases import fill_categories
from .views import arg_choice, found, refuse, saved

TABS = {"": _l("Needs a person and automatic"), "triage": _l("Needs a person"),
        "automatic": _l("Automatic")}


class AttachMailForm(FlaskForm):
    # Here rather than in forms.py: the inbox is self-contained (the mail channel owns it).
    reference = StringField(_l("Case reference"), description=_l("For example CL-000123."),
                            validators=[DataRequired(_l("Enter a case reference.")),
                                        Length(max=20)])


class DismissMailForm(FlaskForm):
    """Only the CSRF token: dismissing needs no input."""


def _mail(mail_id: int):
    return found(triage.get_mail, mail_id, current_user)


@bp.get("/inbox")
@staff_required(Role.AGENT)
def inbox():
    status = arg_choice("status", TABS, "")
    return render_template("admin/inbox/list.html", mails=triage.waiting(status or None),
                           status=status, tabs=TABS)


def _detail(mail, form=None, code: int = 200, new_form=None):
    q = request.args.get("q", "")[:100]
    new_form = new_form or TriageCaseForm(formdata=None, data={"q": q, "who": "new"} |
                                          triage.suggested(mail))
    found = _who_choices(new_form)
    return render_template("admin/inbox/detail.html", mail=mail,
                           form=form or AttachMailForm(formdata=None),
                           dismiss_form=DismissMailForm(formdata=None), new_form=new_form,
                           found=found, waiting=mail.status in triage.WAITING), code


def _who_choices(form: TriageCaseForm) -> list:
    """The sender is a new customer, or one of those the search found; categories to choose."""
    found = intake.find_customers(form.q.data or "")
    form.who.choices = options([("new", _("A new customer (below)"))] + [
        (str(c.id), _("%(name)s (%(email)s): add this address to them", name=c.name,
                      email=c.email or _("no email address"))) for c in found])
    fill_categories(form)
    return found


@bp.get("/inbox/<int:mail_id>")
@staff_required(Role.AGENT)
def inbox_mail(mail_id: int):
    return _detail(_mail(mail_id))


@bp.post("/inbox/<int:mail_id>/attach")
@staff_required(Role.AGENT)
def inbox_attach(mail_id: int):
    mail, form = _mail(mail_id), AttachMailForm()
    if saved(form, lambda: triage.attach(mail, current_user, form.reference.data.strip())):
        flash(_("Added to %(reference)s as the customer's message.",
                reference=mail.case.reference), "success")
        return redirect(url_for("admin.inbox"))
    return _detail(mail, form, 422)


@bp.post("/inbox/<int:mail_id>/open")
@staff_required(Role.AGENT)
def inbox_open_case(mail_id: int):
    """Make the sender a customer (new, or one found) and open a case from the mail."""
    mail, form = _mail(mail_id), TriageCaseForm()
    found = {str(c.id): c for c in _who_choices(form)}
    if form.validate_on_submit():
        who = found.get(form.who.data) or intake.NewCustomer(form.name.data or "",
                                                            form.email.data or "")
        try:
            case = triage.open_case(mail, current_user, who, form.category.data,
                                    form.title.data)
        except ServiceError as exc:
            refuse(form, exc)
        else:
            flash(_("Case %(reference)s opened from the email.", reference=case.reference),
                  "success")
            return redirect(url_for("admin.workspace", reference=case.reference))
    return _detail(mail, code=422, new_form=form)


@bp.post("/inbox/<int:mail_id>/dismiss")
@staff_required(Role.AGENT)
def inbox_dismiss(mail_id: int):
    mail = _mail(mail_id)
    if DismissMailForm().validate_on_submit():
        try:
            triage.dismiss(mail, current_user)
        except ServiceError as exc:
            flash(exc.message, "error")
            return redirect(url_for("admin.inbox_mail", mail_id=mail.id))
        flash(_("Dismissed. The original is kept."), "success")
    return redirect(url_for("admin.inbox"))
