"""CSV files for spreadsheets: UTF-8 with a byte-order mark."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

# Spreadsheet programs (Excel above all) read UTF-8 as a legacy code page without this mark,
# which garbles Thai, Chinese or Vietnamese text.
BOM = "\ufeff"


def csv_bytes(header: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """A header row and data rows as a UTF-8 CSV file with BOM."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")
