"""Customer-facing forms; the services re-check every rule that matters."""

from __future__ import annotations

import secrets

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Email,
    EqualTo,
    Length,
    Optional,
    ValidationError,
)

from portal.web.lazy_text import lazy_gettext as _l

from ..models import FACT_KINDS
from ..services.cases import MAX_BODY, MAX_TITLE
from ..services.passwords import MAX_PASSWORD, MIN_PASSWORD, common_message, is_common
from ..services.time_zones import canonical, zone_names
from ..web.choices import options


def once_field() -> HiddenField:
    """A random id per rendered form: the same form sent twice is stored once (a double click;
    Back then Send, see customer.cases._offer_once)."""
    return HiddenField(default=lambda: secrets.token_urlsafe(16),
                       filters=[lambda value: value[:64] if value else value])


def limit(most: int) -> Length:
    """A length limit said plainly: the text is refused and kept, never cut (the page counts
    down to it as well, static/js/app.js)."""
    return Length(max=most, message=_l("That is longer than %(max)d characters. Shorten it "
                                       "and send it again: nothing was sent, and nothing was "
                                       "cut."))


def one_newline(value: str | None) -> str | None:
    """Count a line break as one character, as the page's counter does (browsers send two)."""
    return value.replace("\r\n", "\n") if value else value


# People's own words: `dir="auto"` lets Arabic or Hebrew run right to left as it is typed.
WORDS = {"dir": "auto"}


EMAIL = [DataRequired(_l("Enter your email address.")),
         Email(_l("Enter a valid email address.")), Length(max=254)]


class PasswordSignInForm(FlaskForm):
    email = EmailField(_l("Email"), validators=EMAIL)
    password = PasswordField(_l("Password"),
                             validators=[DataRequired(_l("Enter your password."))])


class LinkRequestForm(FlaskForm):
    email = EmailField(_l("Email"), validators=EMAIL)


class ConfirmForm(FlaskForm):
    """Only the CSRF token: a button that makes a GET-delivered link into a POST."""


class DeleteAccountForm(FlaskForm):
    """"Delete my account": the person types the email address shown to confirm."""

    confirm = StringField(_l("Type your email address to confirm"),
                          validators=[DataRequired(_l("Type your email address to confirm."))])


def not_common(_form: FlaskForm, field: PasswordField) -> None:
    """Refuse a password on the common-passwords list, next to the field, before any work."""
    if field.data and is_common(field.data):
        raise ValidationError(common_message())


class SignUpForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(_l("Tell us your name.")),
                                                     Length(max=120)], render_kw=WORDS)
    email = EmailField(_l("Email"), validators=EMAIL)
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Choose a password.")),
                    Length(min=MIN_PASSWORD, max=MAX_PASSWORD), not_common],
        description=_l("At least %(count)d characters.", count=MIN_PASSWORD),
    )
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[EqualTo("password", _l("The passwords do not match."))],
    )


class NewPasswordForm(FlaskForm):
    password = SignUpForm.password
    confirm = SignUpForm.confirm


class NewCaseForm(FlaskForm):
    category = SelectField(_l("What is it about?"), coerce=int,
                           validators=[DataRequired(_l("Choose what your case is about."))])
    title = StringField(
        _l("Subject"), validators=[DataRequired(_l("Give your case a short subject.")),
                                   limit(MAX_TITLE)], render_kw=WORDS,
        description=_l("A few words, e.g. “Recall RC-42 not booked at my garage”."),
    )
    body = TextAreaField(
        _l("Tell us what happened"), validators=[DataRequired(_l("Tell us what happened.")),
                                                 limit(MAX_BODY)],
        filters=[one_newline], render_kw=WORDS,
        description=_l("Include anything we will need: order, account or vehicle numbers."),
    )
    attachments = MultipleFileField(_l("Attach files (optional)"))
    once = once_field()
    # Set once the customer has seen the "same topic?" suggestion and still wants a new case.
    confirmed_new = HiddenField(default="")


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Your reply"),
                         validators=[DataRequired(_l("Write your reply first.")),
                                     limit(MAX_BODY)], filters=[one_newline], render_kw=WORDS)
    attachments = MultipleFileField(_l("Attach files (optional)"), validators=[Optional()])
    once = once_field()


class EscalateForm(FlaskForm):
    reason = TextAreaField(_l("What is taking too long?"),
                           validators=[DataRequired(_l("Tell us what is taking too long.")),
                                       limit(1000)], filters=[one_newline],
                           description=_l("A manager will own the answer, by a time you "
                                          "will see here."))


class ParticipantForm(FlaskForm):
    """A colleague to put on the case by address (a new address gets an invitation)."""

    email = EmailField(_l("Colleague’s email address"),
                       validators=[DataRequired(_l("Enter their email address.")),
                                   Length(max=254)])
    name = StringField(_l("Their name (optional)"), validators=[Optional(), Length(max=120)])


class FactForm(FlaskForm):
    """A detail about the customer (VIN, address…), shared by staff and customer pages."""

    kind = SelectField(_l("Detail"), choices=options(FACT_KINDS.items()))
    value = StringField(_l("Value"), validators=[DataRequired(_l("Enter the value.")),
                                                 Length(max=500)])


class TimeZoneForm(FlaskForm):
    """The zone a person reads times in; `next` brings them back to the page they were on."""

    # The offer posts the browser's name for its zone, which may be an old one (Asia/Calcutta).
    timezone = SelectField(_l("Time zone"), validators=[DataRequired(_l("Choose a time zone."))],
                           filters=[lambda name: canonical(name) if name else name])
    next = HiddenField(default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = [(name, name) for name in zone_names()]


class EmailUpdatesForm(FlaskForm):
    channel = RadioField(
        _l("Where we tell you about changes to your cases"), choices=options([
            ("email", _l("By email (and on your case pages)")),
            ("portal", _l("Only on your case pages: no email about changes")),
        ]), validators=[Optional()])  # left out (an older page): the channel stays
    email_updates = RadioField(
        _l("Emails about your cases"), choices=options([
            ("immediate", _l("As each update happens")),
            ("daily", _l("One summary a day, listing every update per case")),
        ]), validators=[DataRequired(_l("Choose how often we email you."))])


class FollowForm(FlaskForm):
    """One case's notifications: "on" follows it, "off" mutes it."""

    following = HiddenField(validators=[AnyOf(("on", "off"))])


MANAGE_ACTIONS = ("mute_case", "follow_case", "email_off", "email_on")


class ManageNotificationsForm(FlaskForm):
    """A button on the signed manage page; the link's token says whose choices these are."""

    action = HiddenField(validators=[AnyOf(MANAGE_ACTIONS)])


class FeedbackForm(FlaskForm):
    solved = RadioField(_l("Did we solve it?"), choices=options(
        [("yes", _l("Yes")), ("partly", _l("Partly")), ("no", _l("No"))]),
        validators=[DataRequired(_l("Choose yes, partly or no."))])
    rating = RadioField(_l("How would you rate how we handled it? (0 = very badly, 10 = very "
                           "well)"), choices=options((str(n), str(n)) for n in range(11)),
                        validators=[Optional()])
    comment = TextAreaField(_l("Anything you want to tell us? (optional)"),
                            validators=[limit(2000)], filters=[one_newline], render_kw=WORDS)
    # "1" when the page offered a first answer: one recorded meanwhile (another tab) stands.
    first = HiddenField(default="")


class ReactionForm(FlaskForm):
    helpful = HiddenField(validators=[DataRequired()])
    reason = StringField(_l("Why not? (optional)"), validators=[limit(500)], render_kw=WORDS)
