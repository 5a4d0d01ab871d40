"""Each case's search document: the text staff search finds it by.

One text per case (title, outside references, every message of any visibility) means a
search for a common word tests one row per case, newest first, and stops after a page,
instead of joining ten million messages. The document only grows: messages are never
edited, and a removed reference would still find its case, which is what staff expect of
"where did I see RC-4217".
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, inspect, update

from ..extensions import db
from ..models import Case

SEPARATOR = "\n"


def add(case: Case, text: str) -> None:
    """Append words to the case's document, in the caller's transaction."""
    if not text:
        return
    if not inspect(case).persistent:  # a new case: its document starts with its title
        case.search_text = SEPARATOR.join(filter(None, [case.search_text or case.title, text]))
        return
    # In SQL, so that appending never loads the document (it can be long); the row is
    # locked already on PostgreSQL (timeline._wait_for_other_writers).
    db.session.execute(
        update(Case).where(Case.id == case.id)
        .values(search_text=Case.search_text + SEPARATOR + text)
        .execution_options(synchronize_session=False))


def matches(word: str) -> ColumnElement[bool]:
    """Cases whose title, references or messages contain this word, in any case."""
    return Case.search_text.icontains(word, autoescape=True)
