"""The form staff write a help article in."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField

from portal.services.help_articles import MAX_BODY, MAX_TITLE
from portal.web.form_input import required_text
from portal.web.lazy_text import lazy_gettext as _l


class ArticleForm(FlaskForm):
    title = required_text(
        StringField, _l("Title"), _l("Give it a title."), MAX_TITLE,
        description=_l("The customer's question in their words, e.g. “My parcel is late”."))
    # The view lists the categories one writes for; the service refuses any other.
    category = SelectField(_l("Category"), coerce=int, validate_choice=False)
    body = required_text(
        TextAreaField, _l("Article"), _l("Write the article."), MAX_BODY,
        description=_l("Markdown: **bold**, *italic*, - lists, [links](https://…), ## headings. "
                       "HTML is shown as text."))
