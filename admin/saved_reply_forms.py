"""The form for a saved reply: its title, its words and who may use it."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField

from portal.services.saved_replies import MAX_BODY, MAX_TITLE
from portal.web.form_input import required_text
from portal.web.lazy_text import lazy_gettext as _l


class SavedReplyForm(FlaskForm):
    title = required_text(
        StringField, _l("Title"), _l("Give it a title."), MAX_TITLE,
        description=_l("What you pick it by in the composer, e.g. “Recall booked”."))
    body = required_text(
        TextAreaField, _l("Text"), _l("Write the text."), MAX_BODY,
        description=_l("These are filled in for the case: {customer_name}, {case_reference} "
                       "and {next_update} (when we next update the customer, in their time "
                       "zone). Staff read and edit it before sending."))
    # 0: personal; else the department that shares it (the view lists those one manages,
    # the service refuses any other in words that say why).
    owner = SelectField(_l("Who can use it"), coerce=int, validate_choice=False)
