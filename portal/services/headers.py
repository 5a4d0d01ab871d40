"""Header cleaning: one line, no control characters, so a value can never split a header.

Email subjects and addresses, names that end up in them, and case titles (which become
subjects) pass through here; portal/mail does the same for headers it reads and writes.
"""

from __future__ import annotations


def clean_header(value: str, limit: int = 200) -> str:
    """Collapse CR/LF and other control characters so a header can never be split."""
    flat = "".join(ch if ch.isprintable() else " " for ch in value)
    return " ".join(flat.split())[:limit]
