"""CSV downloads, one way for every desk: UTF-8 with a BOM (spreadsheet programs then read the Chinese
correctly) and no cell a spreadsheet would run as a formula (names can come from the public forms)."""
from __future__ import annotations

import csv
import io
from typing import Any, Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def csv_bytes(rows: Iterable[Iterable[Any]]) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue().encode("utf-8")
