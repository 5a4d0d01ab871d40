"""Mail attachments through the same checks as uploads: type, size and magic bytes."""

from __future__ import annotations

from io import BytesIO

from werkzeug.datastructures import FileStorage

from ..services import attachments
from ..services.errors import ServiceError
from .parse import MailFile


def check_mail_files(files: list[MailFile]) -> tuple[list[attachments.CheckedFile], list[str]]:
    """The files that pass the upload rules, and one line for each that did not.

    Checked one by one, so a single bad file does not cost the customer the others.
    """
    accepted: list[attachments.CheckedFile] = []
    refused: list[str] = []
    for mail_file in files:
        if len(accepted) >= attachments.MAX_FILES:
            refused.append(f"{attachments.display_name(mail_file.filename)}: at most "
                           f"{attachments.MAX_FILES} files are kept per message.")
            continue
        upload = FileStorage(stream=BytesIO(mail_file.data), filename=mail_file.filename,
                             content_type=mail_file.content_type)
        try:
            accepted += attachments.check_uploads([upload])
        except ServiceError as exc:
            refused.append(exc.message)
    return accepted, refused
