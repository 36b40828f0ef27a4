"""The annual report as a file: CSV (UTF-8 with BOM, for spreadsheets) or JSON."""
from __future__ import annotations

import json

from app.annual.figures import ITEM_KEYS, indicators, label
from app.annual.service import View
from app.core.exports import csv_bytes
from app.core.i18n import current_language


def to_csv(view: View, lang: str | None = None) -> bytes:
    """A header block, the headline figures, then the per-item table (see app.core.exports)."""
    rows = [[label("year", lang), view.year, label("version", lang), view.version or "",
             label("status", lang), label(view.status, lang)],
            [label("as_of", lang), view.figures["as_of"], label("sha256", lang), view.sha256 or ""]]
    if view.reason:
        rows.append([label("reason", lang), view.reason])
    rows += [[], [label("indicator", lang), label("value", lang)]]
    rows += [[text_, value] for _key, text_, value in indicators(view.figures, lang)]
    rows += [[], [label("item_code", lang), label("item_name", lang)] + [label(k, lang) for k in ITEM_KEYS]]
    en = (lang or current_language()) == "en"
    rows += [[row["code"], row["name_en"] if en else row["name"]] + [int(row.get(k) or 0) for k in ITEM_KEYS]
             for row in view.figures["items"]]
    rows += [[], [label("narrative", lang), view.narrative]]
    return csv_bytes(rows)


def to_json(view: View) -> bytes:
    return json.dumps(view.as_json(), ensure_ascii=False, indent=2).encode("utf-8")


def export_name(view: View, fmt: str) -> str:
    return f"annual-report-{view.year}-" + (f"v{view.version}" if view.version else "preview") + f".{fmt}"
