"""Staff forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Email, Length

from portal.models import STATUS_TEXT, Status
from portal.services.cases import MAX_BODY


class StaffSignInForm(FlaskForm):
    email = EmailField("Work email", validators=[DataRequired("Enter your email address."),
                                                 Email("Enter a valid email address."),
                                                 Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])


class StaffReplyForm(FlaskForm):
    kind = RadioField(
        "This message is",
        choices=[("public", "Reply to customer"), ("internal", "Internal note (staff only)")],
        default="public",
        validators=[DataRequired()],
    )
    body = TextAreaField("Message", validators=[DataRequired("Write a message first."),
                                                Length(max=MAX_BODY)])


class StatusForm(FlaskForm):
    status = SelectField("Status", choices=[(s.value, STATUS_TEXT[s].label) for s in Status])
    explanation = TextAreaField(
        "What to tell the customer (optional)", validators=[Length(max=MAX_BODY)]
    )
