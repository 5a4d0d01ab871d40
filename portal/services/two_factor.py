"""Staff two-factor sign-in: TOTP enrolment and codes, recovery codes, admin reset."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

import pyotp
from flask import current_app
from flask_babel import gettext
from sqlalchemy import delete, func, or_, select, update

from ..extensions import db
from ..models import RecoveryCode, Role, TwoFactor, User, utcnow
from . import audit, effects, site_settings
from .errors import ServiceError

ISSUER = "Caseloop"
RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: recovery codes are read off paper and typed by hand.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
WRONG_CODE = ("That code is not right. Use the current 6-digit code from your app (it changes "
              "every 30 seconds), or one of your recovery codes.")


def _record(user: User) -> TwoFactor | None:
    return db.session.get(TwoFactor, user.id)


def is_enrolled(user: User) -> bool:
    record = _record(user)
    return record is not None and record.confirmed_at is not None


def required_for(user: User) -> bool:
    """Managers and admins always; agents when an admin has switched it on."""
    if user.role in (Role.MANAGER, Role.ADMIN):
        return True
    return user.role == Role.AGENT and site_settings.flag(site_settings.AGENTS_NEED_TWO_FACTOR)


def must_enrol(user: User) -> bool:
    return user.is_staff and required_for(user) and not is_enrolled(user)


def enrolled_ids(users: list[User]) -> set[int]:
    """Which of these people have a confirmed authenticator (one query for a list page)."""
    ids = [u.id for u in users]
    return set(db.session.scalars(select(TwoFactor.user_id).where(
        TwoFactor.user_id.in_(ids), TwoFactor.confirmed_at.is_not(None))))


def set_agents_requirement(actor: User, on: bool) -> bool:
    """Require two-factor sign-in for agents (or not), audited; when it comes on, agents
    without it are signed out everywhere and must set it up at their next sign-in."""
    if on and not site_settings.flag(site_settings.AGENTS_NEED_TWO_FACTOR):
        enrolled = select(TwoFactor.user_id).where(TwoFactor.confirmed_at.is_not(None))
        db.session.execute(
            update(User).where(User.role == Role.AGENT, User.id.not_in(enrolled))
            .values(session_version=User.session_version + 1)
            .execution_options(synchronize_session=False))
    return site_settings.set_flag(actor, site_settings.AGENTS_NEED_TWO_FACTOR, on)


def offered_secret(user: User, nonce: str) -> str:
    """The secret the set-up page offers: derived from the app's key, the account and a
    nonce the session keeps, not stored, so showing the page writes nothing and a reload
    shows the same QR code. Only a confirmed secret is saved (confirm_enrolment)."""
    if is_enrolled(user):
        raise ServiceError(gettext("Two-factor sign-in is already set up for this account."))
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"two-factor:{user.id}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:32]  # 160 bits, as pyotp.random_base32(32)


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def confirm_enrolment(user: User, secret: str, code: str) -> list[str]:
    """Switch two-factor on once a code from the offered secret checks out; returns the fresh
    recovery codes (shown once, stored hashed). ServiceError for a wrong code."""
    record = _record(user)
    if record is not None and record.confirmed_at is not None:
        raise ServiceError(gettext("Two-factor sign-in is already set up for this account."),
                           "code")
    if record is None:
        record = TwoFactor(user_id=user.id, secret=secret)
        db.session.add(record)
    record.secret = secret
    db.session.flush()
    if not _accept_totp(record, code):
        db.session.rollback()  # nothing is kept of a secret nobody has proved they hold
        raise ServiceError(
            gettext("That code is not right. Type the 6-digit code your app shows now."), "code")
    record.confirmed_at = utcnow()
    codes = _new_recovery_codes(user)
    audit.record(user, "staff.two_factor_on", user,
                 f"{user.name} set up two-factor sign-in", after={"two_factor": True})
    effects.commit()
    return codes


def verify(user: User, code: str) -> str | None:
    """Check a sign-in code: "totp" or "recovery" when accepted (and used up), else None."""
    record = _record(user)
    if record is None or record.confirmed_at is None:
        return None
    accepted = "totp" if _accept_totp(record, code) else None
    if accepted is None and _use_recovery_code(user, code):
        accepted = "recovery"
    effects.commit()
    return accepted


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def replace_recovery_codes(user: User) -> list[str]:
    """New recovery codes for an enrolled user; the old ones stop working."""
    if not is_enrolled(user):
        raise ServiceError(gettext("Set up two-factor sign-in first."))
    codes = _new_recovery_codes(user)
    audit.record(user, "staff.recovery_codes", user, f"{user.name} made new recovery codes")
    effects.commit()
    return codes


def reset(actor: User, member: User) -> bool:
    """Remove a staff member's authenticator and codes and sign them out everywhere, so
    they set two-factor up again at their next sign-in; False if there was nothing to reset."""
    record = _record(member)
    if record is None:
        return False
    was_enrolled = record.confirmed_at is not None
    db.session.delete(record)
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == member.id))
    member.session_version += 1
    audit.record(actor, "staff.two_factor_reset", member,
                 f"Reset two-factor sign-in of {member.name} <{member.email}>",
                 before={"two_factor": was_enrolled}, after={"two_factor": False})
    effects.commit()
    return True


def _accept_totp(record: TwoFactor, code: str) -> bool:
    """A code of the previous, current or next 30-second step (clock drift), newer than the
    last one accepted; claimed atomically so the same code never works twice."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(record.secret)
    now = totp.timecode(utcnow())
    for step in (now - 1, now, now + 1):
        if record.last_step is not None and step <= record.last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            claimed = db.session.execute(
                update(TwoFactor)
                .where(TwoFactor.user_id == record.user_id,
                       or_(TwoFactor.last_step.is_(None), TwoFactor.last_step < step))
                .values(last_step=step)
                .execution_options(synchronize_session=False)
            ).rowcount
            db.session.refresh(record)
            return claimed == 1
    return False


def _normal(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _hash(code: str) -> str:
    return hashlib.sha256(_normal(code).encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(c)) for c in codes)
    return codes


def _use_recovery_code(user: User, code: str) -> bool:
    if len(_normal(code)) != 10:
        return False
    used = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code),
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
    ).rowcount
    return used == 1
