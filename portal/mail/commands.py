"""`caseloop mail …` and `caseloop worker` (filled in by the email channel work)."""

from __future__ import annotations

import click


@click.group("mail")
def mail_group() -> None:
    """Inbound and outbound email."""


COMMANDS: list[click.Command] = [mail_group]
