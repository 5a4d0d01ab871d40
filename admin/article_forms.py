"""The form staff write a help article in."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.services.help_articles import MAX_BODY, MAX_TITLE
from portal.web.lazy_text import lazy_gettext as _l

TOO_LONG = _l("Keep it under %(max)d characters.")


class ArticleForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Give it a title.")),
                                 Length(max=MAX_TITLE, message=TOO_LONG)],
        description=_l("The customer's question in their words, e.g. “My parcel is late”."))
    # The view lists the categories one writes for; the service refuses any other.
    category = SelectField(_l("Category"), coerce=int, validate_choice=False)
    body = TextAreaField(
        _l("Article"), validators=[DataRequired(_l("Write the article.")),
                                   Length(max=MAX_BODY, message=TOO_LONG)],
        description=_l("Markdown: **bold**, *italic*, - lists, [links](https://…), ## headings. "
                       "HTML is shown as text."))
