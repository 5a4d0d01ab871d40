"""End to end: a staff reply is emailed, the customer answers from their mail client."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

from portal.mail import worker
from portal.models import Role
from portal.services import cases
from tests import factories


def test_the_customer_answers_a_staff_email_and_sees_it_on_the_case(smtp, client, login):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    case = factories.case(dana)
    tom = factories.staff(Role.AGENT, [case.department], name="Tom Berger")
    cases.add_staff_reply(case, tom, "Which day suits you for the recall?")
    assert worker.run_once().sent == 1
    [received] = smtp.handler.messages()

    # Dana presses "Reply" in her mail client: it answers the Reply-To and quotes us.
    answer = EmailMessage()
    answer["From"] = "Dana Whitfield <dana@example.com>"
    answer["To"] = received["Reply-To"]
    answer["Subject"] = "Re: " + received["Subject"]
    answer["Message-ID"] = make_msgid(domain="mail.example.com")
    answer["In-Reply-To"] = received["Message-ID"]
    answer["References"] = f"{received['References']} {received['Message-ID']}"
    quoted = "\n".join("> " + line for line in
                       received.get_body(("plain",)).get_content().splitlines())
    answer.set_content("Thursday morning, please.\n\nOn Tue, Tom wrote:\n" + quoted)
    from portal.mail.inbound import ingest

    mail = ingest(bytes(answer))
    assert mail.status == "processed", mail.reason

    login(client, dana)
    page = client.get(f"/cases/{case.reference}")
    assert page.status_code == 200
    assert "Thursday morning, please." in page.text
    assert "Which day suits you for the recall?" in page.text  # Tom's reply, once
    assert page.text.count("Which day suits you for the recall?") == 1  # not the quote again
    assert "Waiting on us" in page.text  # her answer puts the ball back with us
