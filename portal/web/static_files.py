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

    # Per process, once a file was found: each page names seven files, and checking them
    # on disk cost about 40 µs a URL. A deploy restarts the workers; the debug server, where
    # files change under a running process, still checks every time.
    versions: dict[str, str] = {}

    @app.url_defaults
    def _version(endpoint: str, values: dict) -> None:
        if endpoint != "static" or "filename" not in values or "v" in values:
            return
        filename = values["filename"]
        version = None if app.debug else versions.get(filename)
        if version is None:
            version = _version_on_disk(app, filename)
            if version is not None:
                versions[filename] = version
        if version is not None:
            values["v"] = version


def static_generation(app: Flask) -> str | None:
    """A digest of every static file, read once per process: for kept pieces that name
    static URLs (the layout's head), so a deploy that changes a file keys them afresh. None
    under the debug server, where files change under a running process: keep nothing."""
    return None if app.debug else _folder_digest(app.static_folder or "")


@lru_cache(maxsize=8)
def _folder_digest(folder: str) -> str:
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _version_on_disk(app: Flask, filename: str) -> str | None:
    path = Path(app.static_folder or "") / filename
    try:  # one stat, not is_file() then stat()
        found = path.stat()
    except (OSError, ValueError):
        return None
    return _fingerprint(str(path), found.st_mtime) if S_ISREG(found.st_mode) else None
