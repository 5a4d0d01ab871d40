"""`caseloop mail ingest|poll` (inbound) and `caseloop worker` (outbound delivery)."""

from __future__ import annotations

import sys

import click
from flask import current_app

from ..database import writing
from ..models.mail import InboundMail
from . import inbound, maildir, worker
from .webhook import HARD_LIMIT_FACTOR


@click.group("mail")
def mail_group() -> None:
    """Inbound and outbound email."""


def _describe(mail: InboundMail) -> str:
    case = f" → CL-{mail.case_id:06d}" if mail.case_id else ""
    return f"inbound #{mail.id}: {mail.status}{case} ({mail.reason})"


@mail_group.command("ingest")
def ingest_command() -> None:
    """Store and process one raw message read from standard input (for an MTA pipe)."""
    limit = current_app.config["MAIL_MAX_BYTES"] * HARD_LIMIT_FACTOR
    raw = sys.stdin.buffer.read(limit + 1)
    if not raw:
        raise click.ClickException("No message on standard input.")
    if len(raw) > limit:
        # A non-zero exit makes the MTA keep or bounce it: refused, not silently dropped.
        raise click.ClickException(f"Message larger than {limit:,} bytes: refused.")
    with writing():
        mail = inbound.ingest(raw)
    click.echo(_describe(mail))


@mail_group.command("poll")
@click.option("--maildir", "path", required=True,
              type=click.Path(exists=True, file_okay=False), help="Maildir to read new/ from.")
def poll_command(path: str) -> None:
    """Process the new messages of a Maildir and move them to cur/."""
    with writing():
        stored = maildir.poll(path, inbound.ingest)
    for mail in stored:
        click.echo(_describe(mail))
    click.echo(f"{len(stored)} message(s) processed.")


@click.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
def worker_command(once: bool) -> None:
    """Deliver the outbox over SMTP (MAIL_SERVER), retrying with backoff."""
    if once:
        click.echo(str(worker.run_once()))
        return
    click.echo(f"Delivering via {current_app.config['MAIL_SERVER']}:"
               f"{current_app.config['MAIL_PORT']}; Ctrl-C stops.")
    worker.run_forever()


COMMANDS: list[click.Command] = [mail_group, worker_command]
