"""One working-day calendar for the whole app (行政许可法 第82条: periods are working days).

Where a day's status comes from, first match wins:

1. ``calendar_day`` rows: days of an administrator-loaded State Council notice and local closures;
2. a year with a ``calendar_year`` row (a loaded notice) is authoritative: its other days are Mon–Fri;
3. the ``chinesecalendar`` package, for the years it covers (2004–2026 in 1.11);
4. otherwise the day is unknown: ``is_workday`` returns None and deadlines are estimated
   conservatively (see ``UNKNOWN_YEAR_WINDOWS``) and marked unconfirmed.

Counting follows 民法典 第201条: the start day is not counted; the result is the n-th working day
after it. 调休 working Saturdays/Sundays count; weekday rest days inside a 调休 block do not.
(Never ``chinese_calendar.get_workdays(..., include_weekends=False)``: it drops 调休 weekends.)
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version
from typing import Any, Iterable, NamedTuple

import chinese_calendar as cc
from blinker import Namespace
from flask import current_app, g, has_app_context
from flask_babel import gettext as _
from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates_schema,
)
from sqlalchemy import delete, select

from app.calendar.models import LOCAL_SOURCE, CalendarDay, CalendarYear
from app.core.clock import utcnow
from app.core.errors import Conflict, Forbidden, InvalidData
from app.core.i18n import t
from app.extensions import db

try:
    CC_VERSION = _dist_version("chinesecalendar")
except PackageNotFoundError:  # pragma: no cover - installed from source
    CC_VERSION = getattr(cc, "__version__", "unknown")

CC_SOURCE = f"chinesecalendar {CC_VERSION}"
ONE_DAY = dt.timedelta(days=1)
ADMIN_ROLE = "admin"

# Sent after a notice is loaded or a closure added, so open deadlines can be recomputed.
# Receivers get (app, calendar=<WorkingCalendar>, year=<int>, change='notice'|'closure').
calendar_changed = Namespace().signal("calendar-changed")

# --- the conservative rule for years without data ---------------------------------------------------
# Days fixed by 《全国年节及纪念日放假办法》 (2024 revision) on Gregorian dates: always rest days.
FIXED_HOLIDAYS = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})


@dataclass(frozen=True)
class HolidayWindow:
    """Where a holiday's rest block can fall (month, day inclusive) and the most weekdays it can take."""
    name: str
    start: tuple[int, int]
    end: tuple[int, int]
    margin: int

    def key_for(self, d: dt.date) -> int | None:
        """The year of the holiday instance whose window holds ``d``, or None."""
        md = (d.month, d.day)
        if self.start <= self.end:
            return d.year if self.start <= md <= self.end else None
        if md >= self.start:  # a window across New Year (元旦: Dec 30 – Jan 3) belongs to January's year
            return d.year + 1
        return d.year if md <= self.end else None


# Every rest block of 2008–2026 (chinesecalendar data) lies inside its window, lunar holidays included
# (春节 starts between Jan 21 and Feb 20; 端午 between May 28 and Jun 25; 中秋 between Sep 7 and Oct 8).
# The margin is the most weekdays the longest block can contain (9 days → 7, 8 → 6, ≤5 → all).
UNKNOWN_YEAR_WINDOWS: tuple[HolidayWindow, ...] = (
    HolidayWindow("元旦", (12, 30), (1, 3), 3),
    HolidayWindow("春节", (1, 18), (2, 28), 7),
    HolidayWindow("清明", (4, 2), (4, 7), 3),
    HolidayWindow("劳动节", (4, 28), (5, 6), 5),
    HolidayWindow("端午", (5, 26), (6, 27), 3),
    HolidayWindow("中秋", (9, 5), (10, 10), 3),
    HolidayWindow("国庆节", (9, 28), (10, 10), 6),
)


def estimated_workday(d: dt.date) -> bool:
    """For a day of a year without data: Mon–Fri and not a fixed-date statutory holiday."""
    return d.weekday() < 5 and (d.month, d.day) not in FIXED_HOLIDAYS


@dataclass(frozen=True)
class Deadline:
    date: dt.date
    confirmed: bool  # False when any day counted lies in a year without data (estimate, later not earlier)
    calendar_version: str


class DayInfo(NamedTuple):
    date: dt.date
    is_workday: bool | None
    label: str  # 工作日 | 休息日 | 调休上班 | 节假日 | 未知
    source: str
    note: str | None


_CC_CHINESE = {h.value: h.chinese for h in cc.Holiday}
_CC_YEARS: dict[int, bool] = {}


def _cc_covers(year: int) -> bool:
    if year not in _CC_YEARS:
        try:
            cc.is_workday(dt.date(year, 6, 1))
            _CC_YEARS[year] = True
        except NotImplementedError:
            _CC_YEARS[year] = False
    return _CC_YEARS[year]


def _username(user: Any) -> str:
    return user if isinstance(user, str) else user.username


def _require_admin(user: Any) -> None:
    """A User object must hold the admin role; a plain username is a trusted internal caller."""
    if not isinstance(user, str) and not user.has_role(ADMIN_ROLE):
        raise Forbidden(t("calendar_admin_required", user=user.username))


# --- the notice document -----------------------------------------------------------------------------
class _HolidaySchema(Schema):
    class Meta:
        unknown = RAISE

    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))


class NoticeSchema(Schema):
    """{"year": 2027, "source": "国办发明电〔2026〕N号",
        "holidays": [{"from": "2027-01-01", "to": "2027-01-03", "name": "元旦"}, ...],
        "adjusted_workdays": ["2027-02-07", ...]}"""

    class Meta:
        unknown = RAISE

    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=2004, max=2100))
    source = fields.String(required=True, validate=validate.Length(min=1, max=100))
    holidays = fields.List(fields.Nested(_HolidaySchema), required=True, validate=validate.Length(min=1))
    adjusted_workdays = fields.List(fields.Date(), load_default=list)

    @validates_schema
    def _consistent(self, data, **kwargs):
        year = data["year"]
        errors: dict[str, dict[int, Any]] = {"holidays": {}, "adjusted_workdays": {}}
        outside = t("notice_outside_year", year=year)
        seen: dict[dt.date, int] = {}
        for i, h in enumerate(data["holidays"]):
            item: dict[str, list[str]] = {}
            if h["from_"].year != year:
                item.setdefault("from", []).append(outside)
            if h["to"].year != year:
                item.setdefault("to", []).append(outside)
            if h["from_"] > h["to"]:
                item.setdefault("to", []).append(t("notice_to_before_from"))
            if not item:
                d = h["from_"]
                while d <= h["to"]:
                    if d in seen:
                        item.setdefault("from", []).append(t("notice_overlap", day=d, other=seen[d]))
                        break
                    seen[d] = i
                    d += ONE_DAY
            if item:
                errors["holidays"][i] = item
        listed: set[dt.date] = set()
        for i, d in enumerate(data["adjusted_workdays"]):
            problems = []
            if d.year != year:
                problems.append(outside)
            if d.weekday() < 5:
                problems.append(t("notice_not_weekend", day=d))
            if d in seen:
                problems.append(t("notice_also_holiday", day=d))
            if d in listed:
                problems.append(t("notice_listed_twice", day=d))
            listed.add(d)
            if problems:
                errors["adjusted_workdays"][i] = problems
        errors = {k: v for k, v in errors.items() if v}
        if errors:
            raise ValidationError(errors)


def flatten_errors(messages: Any, prefix: str = "") -> list[str]:
    """marshmallow's nested messages as 'holidays.0.to: …' lines."""
    if isinstance(messages, dict):
        lines = []
        for key, value in messages.items():
            lines += flatten_errors(value, f"{prefix}.{key}" if prefix else str(key))
        return lines
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return [f"{prefix or 'notice'}: {'; '.join(messages)}"]
    if isinstance(messages, list):
        return [line for m in messages for line in flatten_errors(m, prefix)]
    return [f"{prefix or 'notice'}: {messages}"]


# --- the calendar ------------------------------------------------------------------------------------
class WorkingCalendar:
    """The calendar as of one read of the override tables. Build it with ``load()`` (or use
    ``calendar()``, which keeps one per app context, i.e. one read per request)."""

    def __init__(self, days: Iterable[Any] = (), years: Iterable[Any] = ()):
        self._set(days, years)

    def _set(self, days: Iterable[Any], years: Iterable[Any]) -> None:
        self._days = {r.date: r for r in days}
        self._years = {r.year: r for r in years}
        digest = hashlib.sha256("".join(
            f"{d.isoformat()}{int(r.is_workday)};" for d, r in sorted(self._days.items())).encode()).hexdigest()
        loads = sum(r.version for r in self._years.values())
        self.version = f"cc-{CC_VERSION}+ov-{loads}" + (f".{digest[:8]}" if self._days else "")

    @staticmethod
    def _read() -> tuple[list, list]:
        days = db.session.execute(select(CalendarDay.date, CalendarDay.is_workday, CalendarDay.kind,
                                         CalendarDay.note, CalendarDay.source)).all()
        years = db.session.execute(select(CalendarYear.year, CalendarYear.version, CalendarYear.source)).all()
        return days, years

    @classmethod
    def load(cls) -> "WorkingCalendar":
        return cls(*cls._read())

    def refresh(self) -> "WorkingCalendar":
        self._set(*self._read())
        return self

    @property
    def calendar_version(self) -> str:
        return self.version

    # --- queries -----------------------------------------------------------------------------------
    def year_known(self, year: int) -> bool:
        return year in self._years or _cc_covers(year)

    def is_workday(self, d: dt.date) -> bool | None:
        row = self._days.get(d)
        if row is not None:
            return bool(row.is_workday)
        if d.year in self._years:
            return d.weekday() < 5
        if _cc_covers(d.year):
            return cc.is_workday(d)
        return None

    def _counts(self, d: dt.date) -> bool:
        known = self.is_workday(d)
        return estimated_workday(d) if known is None else known

    def add_workdays(self, start: dt.date, n: int) -> Deadline:
        """The n-th working day after ``start`` (start not counted). In a year without data the count
        uses only Mon–Fri, never the fixed-date holidays, and adds each holiday window's margin the
        first time it reaches an unknown day in that window; the result is then confirmed=False."""
        if n < 0:
            raise ValueError("n must be >= 0")
        d, counted, needed, confirmed = start, 0, n, True
        entered: set[tuple[str, int]] = set()
        while counted < needed:
            d += ONE_DAY
            if not self.year_known(d.year):
                confirmed = False
                for window in UNKNOWN_YEAR_WINDOWS:
                    key = window.key_for(d)
                    if key is not None and (window.name, key) not in entered:
                        entered.add((window.name, key))
                        needed += window.margin
            if self._counts(d):
                counted += 1
        return Deadline(d, confirmed, self.version)

    def workdays_between(self, a: dt.date, b: dt.date) -> int:
        """Working days after ``a`` up to and including ``b``; negative when b < a (e.g. days overdue).
        Unknown days count by ``estimated_workday`` (no margins: this is a display figure)."""
        if b < a:
            return -self.workdays_between(b, a)
        count, d = 0, a + ONE_DAY
        while d <= b:
            count += self._counts(d)
            d += ONE_DAY
        return count

    def describe(self, d: dt.date) -> DayInfo:
        """The day's status with a label (工作日/休息日/调休上班/节假日/未知), its source and a note."""
        weekend = d.weekday() >= 5
        row = self._days.get(d)
        if row is not None:
            if row.kind == "closure":
                return DayInfo(d, False, "休息日", row.source, _("本地停止办公：%(note)s", note=row.note or ""))
            label = {"holiday": "节假日", "adjusted_workday": "调休上班"}.get(
                row.kind, "工作日" if row.is_workday else "休息日")
            return DayInfo(d, bool(row.is_workday), label, row.source, row.note)
        if d.year in self._years:
            return DayInfo(d, not weekend, "休息日" if weekend else "工作日", self._years[d.year].source, None)
        if _cc_covers(d.year):
            if cc.is_workday(d):
                return DayInfo(d, True, "调休上班" if weekend else "工作日", CC_SOURCE, None)
            name = cc.get_holiday_detail(d)[1]
            name = _CC_CHINESE.get(name, name) if name else None
            if name and not weekend and cc.is_in_lieu(d):
                return DayInfo(d, False, "休息日", CC_SOURCE, f"调休 ({name})")
            return DayInfo(d, False, "节假日" if name else "休息日", CC_SOURCE, name)
        guess = "工作日" if estimated_workday(d) else "休息日"
        return DayInfo(d, None, "未知", _("%(year)d 年无数据", year=d.year), _("估算：%(guess)s", guess=guess))

    # --- changes -----------------------------------------------------------------------------------
    def load_notice(self, data: dict, user: Any) -> dict:
        """Validate and load one year's State Council notice in one transaction: replace that year's
        non-local rows, keep local closures, upsert the ``calendar_year`` row (version + 1)."""
        _require_admin(user)
        try:
            notice = NoticeSchema().load(data)
        except ValidationError as exc:
            raise InvalidData(t("invalid_notice"), fields=exc.messages_dict, code="invalid_notice") from exc
        year, source, username = notice["year"], notice["source"], _username(user)
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        wanted: dict[dt.date, tuple[bool, str, str | None]] = {}
        for h in notice["holidays"]:
            d = h["from_"]
            while d <= h["to"]:
                wanted[d] = (False, "holiday", h["name"])
                d += ONE_DAY
        for d in notice["adjusted_workdays"]:
            wanted[d] = (True, "adjusted_workday", "调休上班")
        in_year = CalendarDay.date.between(first, last)
        try:
            replaced = db.session.execute(
                delete(CalendarDay).where(in_year, CalendarDay.source != LOCAL_SOURCE)).rowcount
            local = set(db.session.scalars(select(CalendarDay.date).where(in_year,
                                                                           CalendarDay.source == LOCAL_SOURCE)))
            for d, (is_workday, kind, note) in sorted(wanted.items()):
                if d not in local:  # a local closure stays: the office is closed whatever the notice says
                    db.session.add(CalendarDay(date=d, is_workday=is_workday, kind=kind, note=note,
                                               source=source, created_by=username))
            row = db.session.scalar(select(CalendarYear).where(CalendarYear.year == year).with_for_update())
            if row is None:
                row = CalendarYear(year=year, source=source, loaded_by=username, loaded_at=utcnow(), version=1)
                db.session.add(row)
            else:
                row.version += 1
                row.source, row.loaded_by, row.loaded_at = source, username, utcnow()
            new_version = row.version
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        self._changed(year, "notice")
        return {
            "year": year, "source": source, "version": new_version,
            "holiday_days": sum(1 for v in wanted.values() if v[1] == "holiday"),
            "adjusted_workdays": len(notice["adjusted_workdays"]),
            "replaced_rows": replaced or 0,
            "kept_local": sorted(d.isoformat() for d in local & wanted.keys()),
            "calendar_version": self.version,
        }

    def add_closure(self, d: dt.date, note: str, user: Any) -> CalendarDay:
        """A local ad-hoc closure (kind 'closure', not a working day). Refused on a day that is already
        a rest day; on a 调休 working day it replaces that day's notice row."""
        _require_admin(user)
        note = (note or "").strip()
        if not note:
            raise InvalidData(t("closure_note_required"), fields={"note": ["required"]})
        if self.is_workday(d) is False:
            raise Conflict.of("not_a_workday", day=d)
        try:
            row = db.session.scalar(select(CalendarDay).where(CalendarDay.date == d).with_for_update())
            if row is None:
                row = CalendarDay(date=d)
                db.session.add(row)
            elif not row.is_workday:  # changed since this calendar was read
                raise Conflict.of("not_a_workday", day=d)
            row.is_workday, row.kind, row.note, row.source = False, "closure", note[:200], LOCAL_SOURCE
            row.created_by, row.created_at = _username(user), utcnow()
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        self._changed(d.year, "closure")
        return row

    def _changed(self, year: int, change: str) -> None:
        self.refresh()
        if has_app_context():
            g._working_calendar = self
            calendar_changed.send(current_app._get_current_object(), calendar=self, year=year, change=change)


def calendar() -> WorkingCalendar:
    """The app context's calendar: the override tables are read once per request / app context."""
    cal = g.get("_working_calendar")
    if cal is None:
        cal = g._working_calendar = WorkingCalendar.load()
    return cal
