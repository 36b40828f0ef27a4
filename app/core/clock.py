"""Time, the one way: stored in naive UTC, read by people in Beijing time, dates of the legal clocks in China.

``china_today`` is what every legal clock calls "today" (tests freeze it with time-machine).
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def utcnow() -> dt.datetime:
    """Naive UTC: stored the same way on SQLite and PostgreSQL, so hashes over timestamps are stable."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def china_today() -> dt.date:
    return dt.datetime.now(CHINA).date()


def to_china(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored naive-UTC timestamp as an aware Beijing time."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(CHINA)


def china_date(moment: dt.datetime | None) -> dt.date | None:
    """A stored naive-UTC timestamp as a China date."""
    local = to_china(moment)
    return local.date() if local is not None else None


def china_time_text(moment: dt.datetime | None, seconds: bool = False) -> str:
    """Beijing time as people read it: ``2026-11-29 19:57`` (no zone name: every time shown is Beijing time)."""
    local = to_china(moment)
    if local is None:
        return ""
    return local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
