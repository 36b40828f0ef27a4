"""Column helpers shared by the models."""
from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """Naive UTC: stored the same way on SQLite and PostgreSQL, so hashes over timestamps are stable."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
