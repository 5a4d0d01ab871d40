"""Sign-in links and signed links: used once, briefly, never tampered with."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
import time_machine
from flask import current_app
from sqlalchemy import func, select

from portal.extensions import db
from portal.mail.inbound import ingest
from portal.models import (
    Case,
    Feedback,
    Status,
    utcnow,
)
from portal.services import cases, timeline
from portal.services.mail_addresses import SALT, _Base32Signer, reply_address
from tests.helpers import last_link
from tests.security.catalogue import World, assert_nothing_stored, row_counts, sign_in_link_for

# --- 9. Sign-in links and signed links: once, briefly, untampered -------------------------

def test_a_sign_in_link_works_once(app, client, world):
    link = sign_in_link_for(client, world.dana.email)
    assert client.post(link).status_code == 302
    replay = app.test_client()
    response = replay.post(link)
    assert response.status_code == 404
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert replay.get("/cases").status_code == 302  # not signed in


def test_a_sign_in_link_expires_after_ten_minutes(client, world):
    link = sign_in_link_for(client, world.dana.email)
    with time_machine.travel(utcnow() + timedelta(minutes=10, seconds=5)):
        assert client.get(link).status_code == 404
        assert client.post(link).status_code == 404
    assert client.get("/cases").status_code == 302


@pytest.mark.parametrize("tamper", ["flip last", "truncate", "append", "uppercase", "nul"])
def test_a_tampered_sign_in_link_is_404(client, world, tamper):
    link = sign_in_link_for(client, world.dana.email)
    prefix, token = link.rsplit("/", 1)
    changed = {"flip last": token[:-1] + ("A" if token[-1] != "A" else "B"),
               "truncate": token[:-4], "append": token + "x", "uppercase": token.upper(),
               "nul": token + "%00"}[tamper]
    before = row_counts()
    response = client.post(f"{prefix}/{changed}")
    assert response.status_code == 404 and response.headers["Referrer-Policy"] == "no-referrer"
    assert_nothing_stored(before)
    assert client.post(link).status_code == 302  # the real one still works


def test_a_reset_link_is_no_sign_in_link_and_the_other_way_round(client, world):
    client.post("/reset", data={"email": world.dana.email})
    reset_token = last_link(world.dana.email).rsplit("/", 1)[1]
    sign_in_token = sign_in_link_for(client, world.dana.email).rsplit("/", 1)[1]
    assert client.post(f"/login/link/{reset_token}").status_code == 404
    assert client.get(f"/reset/{sign_in_token}").status_code == 404
    assert client.get("/cases").status_code == 302


def _reply_mail(to: str, sender: str = "dana@example.com", body: str = "Hijacked reply") -> bytes:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, to, "Re: your case"
    mail["Message-ID"] = make_msgid(domain="example.com")
    mail.set_content(body)
    return bytes(mail)


def _forged_tokens(world: World) -> dict[str, str]:
    real = reply_address(world.mine.id, world.dana.id)
    local, domain = real.split("@")
    _, _, sig = local.rpartition(".")
    other_salt = _Base32Signer(current_app.config["SECRET_KEY"], salt=SALT + "-other")
    return {
        "other case, same signature": f"reply+{world.theirs.id}.{world.dana.id}.{sig}@{domain}",
        "other customer, same signature": f"reply+{world.mine.id}.{world.eve.id}.{sig}@{domain}",
        "truncated signature": f"{local[:-3]}@{domain}",
        "signed for another purpose":
            f"reply+{other_salt.sign(f'{world.mine.id}.{world.dana.id}').decode()}@{domain}",
        "no signature": f"reply+{world.mine.id}.{world.dana.id}@{domain}",
    }


@pytest.mark.parametrize("forgery", ["other case, same signature",
                                     "other customer, same signature", "truncated signature",
                                     "signed for another purpose", "no signature"])
def test_a_tampered_reply_address_sends_the_mail_to_triage(world, forgery):
    address = _forged_tokens(world)[forgery]
    before = {c.id: c.version for c in (world.mine, world.theirs)}
    mail = ingest(_reply_mail(address))
    assert mail.status == "triage"
    for case in (world.mine, world.theirs):
        assert db.session.get(Case, case.id).version == before[case.id]
    bodies = [e.body for e in timeline.all_events(world.theirs) + timeline.all_events(world.mine)]
    assert "Hijacked reply" not in bodies


@pytest.mark.parametrize("solved", ['no"><script>alert(1)</script>', "yes&solved=no", "YES",
                                    "maybe"])
def test_a_tampered_feedback_link_preselects_nothing_and_records_nothing(client, login, world,
                                                                         solved):
    cases.change_status(world.mine, world.agent, Status.RESOLVED, "Booked.")
    login(client, world.dana)
    before = row_counts()
    page = client.get(f"/cases/{world.mine.reference}", query_string={"solved": solved})
    assert page.status_code == 200 and "<script>alert(1)" not in page.text
    radios = re.findall(r'<input[^>]*name="solved"[^>]*>', page.text)
    assert radios and not any("checked" in radio for radio in radios)
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == 0
    assert_nothing_stored(before)
