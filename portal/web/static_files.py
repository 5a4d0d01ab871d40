"""Static files: a content hash in every URL, so browsers may cache them for a year."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from stat import S_ISREG

from flask import Flask

YEAR = 365 * 24 * 3600


@lru_cache(maxsize=256)
def _fingerprint(path: str, mtime: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def init_app(app: Flask) -> None:
    if app.config.get("SEND_FILE_MAX_AGE_DEFAULT") is None:
        app.config["SEND_FILE_MAX_AGE_DEFAULT"] = YEAR

    @app.url_defaults
    def _version(endpoint: str, values: dict) -> None:
        if endpoint != "static" or "filename" not in values or "v" in values:
            return
        path = Path(app.static_folder or "") / values["filename"]
        try:  # one stat, not is_file() then stat(): a page links seven static files
            found = path.stat()
        except (OSError, ValueError):
            return
        if S_ISREG(found.st_mode):
            values["v"] = _fingerprint(str(path), found.st_mtime)
