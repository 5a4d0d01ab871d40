"""Pick up new messages from a Maildir (what an MTA's local delivery writes)."""

from __future__ import annotations

import mailbox
import os
from collections.abc import Callable
from pathlib import Path

from ..models.mail import InboundMail


def poll(path: str, ingest: Callable[[bytes], InboundMail]) -> list[InboundMail]:
    """Ingest every message in new/ and move it to cur/ marked seen; returns what was stored.

    A message is moved only after it is stored, so a crash means it is read again, never lost
    (and a second reading is caught as a duplicate by its Message-ID).
    """
    box = mailbox.Maildir(path, factory=None, create=False)
    new_dir, cur_dir = Path(path) / "new", Path(path) / "cur"
    stored = []
    for entry in sorted(new_dir.iterdir()):
        if entry.name.startswith("."):
            continue  # not a message: Maildir readers skip dot files
        key = entry.name.split(":", 1)[0]
        stored.append(ingest(box.get_bytes(key)))
        # Renaming is the Maildir way to move a message; rewriting it could change its bytes.
        os.replace(entry, cur_dir / f"{key}:2,S")
    return stored
