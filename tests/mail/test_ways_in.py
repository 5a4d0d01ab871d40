"""The three ways mail gets in: `caseloop mail ingest`, the Maildir poller, POST /mail/inbound."""

from __future__ import annotations

import mailbox

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Case
from portal.models.mail import InboundMail
from tests import factories

SECRET = "s3cret-shared-with-the-mta"  # noqa: S105 - a test value


@pytest.fixture
def dana():
    factories.category()
    return factories.customer("Dana Whitfield", "dana@example.com")


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(InboundMail))


def test_cli_ingest_reads_the_message_from_stdin(runner, eml, dana, trusted_mta):
    raw = trusted_mta(eml("multipart_alternative.eml", "dana@example.com"))
    result = runner.invoke(args=["mail", "ingest"], input=raw)
    assert result.exit_code == 0, result.output
    assert "processed" in result.output and "CL-" in result.output
    mail = db.session.scalar(select(InboundMail))
    assert mail.raw == raw and mail.case_id is not None


def test_cli_ingest_refuses_an_empty_stdin(runner):
    result = runner.invoke(args=["mail", "ingest"], input=b"")
    assert result.exit_code != 0 and _count() == 0


def test_cli_ingest_refuses_beyond_the_hard_limit_so_the_mta_keeps_it(runner, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_BYTES", 1000)
    result = runner.invoke(args=["mail", "ingest"], input=b"x" * 2001)
    assert result.exit_code != 0 and "refused" in result.output and _count() == 0


def test_maildir_poll_processes_new_messages_and_moves_them_to_cur(runner, eml, dana, tmp_path,
                                                                   trusted_mta):
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(mailbox.MaildirMessage(trusted_mta(eml("multipart_alternative.eml",
                                                   "dana@example.com"))))
    box.add(mailbox.MaildirMessage(eml("bounce.eml")))
    seen = mailbox.MaildirMessage(eml("forwarded.eml", "dana@example.com"))
    seen.set_subdir("cur")
    box.add(seen)  # already read: the poller leaves it alone

    result = runner.invoke(args=["mail", "poll", "--maildir", str(tmp_path / "Maildir")])

    assert result.exit_code == 0, result.output
    assert "2 message(s) processed" in result.output
    assert sorted(m.status for m in db.session.scalars(select(InboundMail))) == [
        "automatic", "processed"]
    assert list((tmp_path / "Maildir" / "new").iterdir()) == []
    assert len(list((tmp_path / "Maildir" / "cur").iterdir())) == 3
    again = runner.invoke(args=["mail", "poll", "--maildir", str(tmp_path / "Maildir")])
    assert "0 message(s) processed" in again.output and _count() == 2


def test_webhook_is_404_while_no_secret_is_configured(client, eml):
    response = client.post("/mail/inbound", data=eml("bounce.eml"),
                           headers={"X-Caseloop-Secret": ""})
    assert response.status_code == 404 and _count() == 0


@pytest.fixture
def secret(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_INBOUND_SECRET", SECRET)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # exempt: no token needed
    return SECRET


@pytest.mark.parametrize("given", [None, "", "wrong", SECRET + "x", SECRET.upper()])
def test_webhook_refuses_a_missing_or_wrong_secret(client, eml, secret, given):
    headers = {} if given is None else {"X-Caseloop-Secret": given}
    response = client.post("/mail/inbound", data=eml("bounce.eml"), headers=headers)
    assert response.status_code == 403 and _count() == 0


def test_webhook_with_the_secret_stores_and_processes_the_raw_body(client, eml, dana, secret,
                                                                  trusted_mta):
    raw = trusted_mta(eml("multipart_alternative.eml", "dana@example.com"))
    response = client.post("/mail/inbound", data=raw, content_type="message/rfc822",
                           headers={"X-Caseloop-Secret": secret})
    assert response.status_code == 202, response.text
    assert response.json["status"] == "processed"
    mail = db.session.get(InboundMail, response.json["id"])
    assert mail.raw == raw and db.session.get(Case, mail.case_id).customer_id == dana.id


def test_webhook_answers_400_for_an_empty_body(client, secret):
    response = client.post("/mail/inbound", data=b"", headers={"X-Caseloop-Secret": secret})
    assert response.status_code == 400


def test_webhook_refuses_bodies_beyond_the_hard_limit_with_413(client, secret, app,
                                                               monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_BYTES", 1000)
    response = client.post("/mail/inbound", data=b"x" * 2001,
                           headers={"X-Caseloop-Secret": secret})
    assert response.status_code == 413 and _count() == 0


def test_webhook_stores_an_oversized_but_acceptable_body_in_triage(client, secret, app,
                                                                   monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_BYTES", 1000)
    response = client.post("/mail/inbound", data=b"x" * 1500,
                           headers={"X-Caseloop-Secret": secret})
    assert response.status_code == 202 and response.json["status"] == "triage"
