"""The form for a saved reply: its title, its words and who may use it."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.services.saved_replies import MAX_BODY, MAX_TITLE
from portal.web.lazy_text import lazy_gettext as _l

TOO_LONG = _l("Keep it under %(max)d characters.")


class SavedReplyForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Give it a title.")),
                                 Length(max=MAX_TITLE, message=TOO_LONG)],
        description=_l("What you pick it by in the composer, e.g. “Recall booked”."))
    body = TextAreaField(
        _l("Text"), validators=[DataRequired(_l("Write the text.")),
                                Length(max=MAX_BODY, message=TOO_LONG)],
        description=_l("These are filled in for the case: {customer_name}, {case_reference} "
                       "and {next_update} (when we next update the customer, in their time "
                       "zone). Staff read and edit it before sending."))
    # 0: personal; else the department that shares it (the view lists those one manages,
    # the service refuses any other in words that say why).
    owner = SelectField(_l("Who can use it"), coerce=int, validate_choice=False)
