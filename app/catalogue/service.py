"""Loading the service-item catalogue (rules/service_items.json) into the database."""
from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from app.catalogue.models import ServiceItem
from app.extensions import db

_FIELDS = ("name", "name_en", "category", "major", "process_key", "authority", "legal_basis", "conditions",
           "materials", "statutory_days", "promised_days", "fees", "joint_handling", "where_when",
           "complaint_channel", "publication_exception", "case_prefix", "licence_procedure", "licence_name",
           "licence_valid_years", "licence_item", "renewal_lead_days", "renewal_basis")
_DEFAULTS = {"joint_handling": False, "case_prefix": "XK"}


def load_catalogue(path: str) -> tuple[int, int]:
    """Insert new items and update changed ones; returns (created, updated)."""
    items = json.loads(Path(path).read_text(encoding="utf-8"))["items"]
    created = updated = 0
    for entry in items:
        item = db.session.scalar(select(ServiceItem).where(ServiceItem.code == entry["code"]))
        if item is None:
            item = ServiceItem(code=entry["code"])
            db.session.add(item)
            created += 1
        elif any(getattr(item, f) != entry.get(f, _DEFAULTS.get(f)) for f in _FIELDS):
            updated += 1
        for f in _FIELDS:
            setattr(item, f, entry.get(f, _DEFAULTS.get(f)))
    db.session.commit()
    return created, updated
