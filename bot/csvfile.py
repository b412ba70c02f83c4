"""CSV files for spreadsheets: UTF-8 with a byte-order mark."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

# Spreadsheet programs (Excel above all) read UTF-8 as a legacy code page without this mark,
# which garbles Thai, Chinese or Vietnamese text.
BOM = "\ufeff"
# A cell starting with one of these is a formula to a spreadsheet; members' text could then run
# in a coordinator's Excel (=HYPERLINK, =cmd…). A leading apostrophe makes it plain text (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_bytes(header: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """A header row and data rows as a UTF-8 CSV file with BOM."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([_cell(value) for value in row] for row in rows)
    return out.getvalue().encode("utf-8")


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
