"""The public progress query (办理进度查询): the query code printed on the receipt, the look-up by case number
and code (the same answer for a wrong code and an unknown case), and the per-client rate limit."""
from __future__ import annotations

import datetime as dt
import hmac
import secrets
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from app.cases.models import Case
from app.catalogue.models import ServiceItem
from app.core.i18n import pick
from app.extensions import db

QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read off a paper receipt
QUERY_CODE_LENGTH = 8
_NO_CODE = b"\x00" * QUERY_CODE_LENGTH  # compared against when there is no case: same work either way


def new_query_code() -> str:
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(QUERY_CODE_LENGTH))


@dataclass
class Progress:
    case_no: str
    item: str
    item_en: str | None
    status: str
    received_on: dt.date | None
    accepted_on: dt.date | None
    decision_due: dt.date | None
    decision_due_confirmed: bool
    decided_on: dt.date | None


def pick_item_name(progress: Progress) -> str:
    return pick(progress.item, progress.item_en) if progress.item else ""


def find_progress(case_no: str | None, code: str | None) -> Progress | None:
    """The case's progress when the code matches; None for a wrong code and an unknown case alike (one
    query and one constant-time comparison either way)."""
    case_no = (case_no or "").strip().upper()[:32]
    given = "".join((code or "").split()).upper()[:32].encode()
    row = db.session.execute(
        select(Case.case_no, Case.query_code, Case.status, Case.received_on, Case.accepted_on, Case.decision_due,
               Case.decision_due_confirmed, Case.decided_on, Case.confidentiality, ServiceItem.name,
               ServiceItem.name_en)
        .join(ServiceItem, ServiceItem.id == Case.item_id).where(Case.case_no == case_no)).first()
    stored = row.query_code.encode() if row is not None and row.query_code else _NO_CODE
    matches = hmac.compare_digest(stored, given)
    if row is None or not row.query_code or not matches:
        return None
    secret = row.confidentiality == "state_secret"
    return Progress(case_no=row.case_no, item="" if secret else row.name, item_en=None if secret else row.name_en,
                    status=row.status, received_on=row.received_on, accepted_on=row.accepted_on,
                    decision_due=row.decision_due, decision_due_confirmed=row.decision_due_confirmed,
                    decided_on=row.decided_on)


class RateLimiter:
    """At most ``limit`` hits per ``window`` seconds per key, in memory; the least recently seen keys are
    forgotten beyond ``max_keys`` (per process: with several workers each counts its own)."""

    def __init__(self, limit: int, window: float, max_keys: int = 4096):
        self.limit, self.window, self.max_keys = limit, window, max_keys
        self._hits: OrderedDict[str, deque] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, key: str, now: float | None = None) -> tuple[bool, int]:
        """(allowed, seconds to wait when refused)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                hits = self._hits[key] = deque()
            else:
                self._hits.move_to_end(key)
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False, max(int(hits[0] + self.window - now) + 1, 1)
            hits.append(now)
            while len(self._hits) > self.max_keys:
                self._hits.popitem(last=False)
            return True, 0

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


def query_limiter() -> RateLimiter:
    ext = current_app.extensions
    if "publicity_query_limiter" not in ext:
        ext["publicity_query_limiter"] = RateLimiter(current_app.config.get("PUBLIC_QUERY_LIMIT", 10),
                                                     current_app.config.get("PUBLIC_QUERY_WINDOW", 60))
    return ext["publicity_query_limiter"]
