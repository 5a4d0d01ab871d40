"""CSV downloads that spreadsheets open as plain text and never run as formulas."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response

from ..models import utcnow

# Spreadsheets run cells that start like a formula; a leading quote makes them plain text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """A CSV cell a spreadsheet shows as text and never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_download(prefix: str, header: Sequence[str],
                 rows: Iterable[Sequence[Any]]) -> Response:
    """An attachment `<prefix>-<UTC time>.csv`: the header, then every row, each cell safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    name = f"{prefix}-{utcnow():%Y%m%d-%H%M}.csv"
    # An export is a copy of people's data: no cache on the way may keep one.
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "no-store"})
