"""The customer's answer to "Did this answer your question?"."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf


class AnswerForm(FlaskForm):
    # Two buttons carry the value (name="answered"): one click, nothing else to fill in.
    answered = HiddenField(validators=[AnyOf(("yes", "no"))])
