"""The working-day calendar (app/calendar): every worked example of domain.md §6, unknown years,
loading a notice, local closures and the CLI."""
from __future__ import annotations

import datetime as dt
import json

import chinese_calendar as cc
import pytest
from sqlalchemy import func, select

from app.calendar import WorkingCalendar, calendar
from app.calendar.models import CalendarDay, CalendarYear
from app.core.errors import Conflict, Forbidden, InvalidData
from app.extensions import db
from app.users.models import User

D = dt.date

NOTICE_2027 = {
    "year": 2027,
    "source": "国办发明电〔2026〕99号",
    "holidays": [
        {"from": "2027-01-01", "to": "2027-01-03", "name": "元旦"},
        {"from": "2027-02-05", "to": "2027-02-13", "name": "春节"},
        {"from": "2027-04-03", "to": "2027-04-05", "name": "清明节"},
        {"from": "2027-05-01", "to": "2027-05-05", "name": "劳动节"},
        {"from": "2027-06-09", "to": "2027-06-11", "name": "端午节"},
        {"from": "2027-09-15", "to": "2027-09-17", "name": "中秋节"},
        {"from": "2027-10-01", "to": "2027-10-07", "name": "国庆节"},
    ],
    "adjusted_workdays": ["2027-01-31", "2027-02-20", "2027-05-08", "2027-09-26", "2027-10-09"],
}


@pytest.fixture
def admin(ctx):
    return db.session.scalar(select(User).where(User.username == "admin"))


def _snapshot():
    days = db.session.execute(select(CalendarDay.date, CalendarDay.is_workday, CalendarDay.kind,
                                     CalendarDay.source).order_by(CalendarDay.date)).all()
    years = db.session.execute(select(CalendarYear.year, CalendarYear.version, CalendarYear.source)).all()
    return days, years


# --- domain.md §6, verified examples (chinesecalendar 1.11.0) --------------------------------------------
@pytest.mark.parametrize("start, n, expected", [
    (D(2025, 9, 26), 20, D(2025, 10, 30)),   # accepted; 9/28 Sun and 10/11 Sat count, 10/1–8 do not
    (D(2025, 9, 30), 7, D(2025, 10, 16)),    # publication after a decision on the eve of 国庆
    (D(2025, 9, 30), 10, D(2025, 10, 21)),   # certificate
    (D(2025, 12, 31), 5, D(2026, 1, 8)),     # 补正 notice; 1/4 Sun counts
    (D(2026, 1, 5), 20, D(2026, 2, 2)),
    (D(2026, 1, 5), 30, D(2026, 2, 14)),     # +10 extension ends on a 调休 Saturday
    (D(2026, 1, 5), 45, D(2026, 3, 13)),
    (D(2026, 2, 14), 7, D(2026, 3, 3)),      # decision on the 调休 Saturday
    (D(2026, 4, 30), 7, D(2026, 5, 13)),     # legal review
    (D(2026, 4, 30), 10, D(2026, 5, 18)),    # legal review + 3
    (D(2026, 3, 2), 20, D(2026, 3, 30)),     # hearing example, without the pause
    (D(2026, 3, 2), 29, D(2026, 4, 13)),     # ... and with its 9 paused working days (清明 4/4–6 inside)
])
def test_worked_examples(ctx, start, n, expected):
    deadline = calendar().add_workdays(start, n)
    assert deadline.date == expected
    assert deadline.confirmed is True
    assert deadline.calendar_version == "cc-1.11.0+ov-0"


def test_adjusted_saturday_is_a_workday_and_block_weekday_is_not(ctx):
    cal = calendar()
    assert cal.is_workday(D(2026, 2, 14)) is True    # 调休 Saturday
    assert cal.is_workday(D(2026, 2, 28)) is True
    assert cal.is_workday(D(2025, 2, 3)) is False    # Monday inside the 2025 春节 block
    assert cal.is_workday(D(2025, 2, 4)) is False
    assert cal.is_workday(D(2025, 10, 8)) is False
    assert cal.is_workday(D(2027, 1, 4)) is None     # no data
    assert cal.describe(D(2026, 2, 14)).label == "调休上班"
    assert cal.describe(D(2026, 2, 16)).label == "节假日"


def test_hearing_pause_holds_nine_working_days(ctx):
    cal = calendar()
    assert cal.workdays_between(D(2026, 3, 9), D(2026, 3, 20)) == 9     # 03-10 .. 03-20
    assert cal.workdays_between(D(2026, 3, 20), D(2026, 3, 9)) == -9
    assert cal.workdays_between(D(2026, 3, 9), D(2026, 3, 9)) == 0
    assert cal.workdays_between(D(2025, 9, 26), D(2025, 10, 30)) == 20


def test_zero_and_negative_counts(ctx):
    assert calendar().add_workdays(D(2026, 2, 14), 0).date == D(2026, 2, 14)
    with pytest.raises(ValueError):
        calendar().add_workdays(D(2026, 2, 14), -1)


# --- unknown years -----------------------------------------------------------------------------------
def _mon_fri_estimate(start: dt.date, n: int) -> dt.date:
    """The naive estimate the rule must never undercut: Mon–Fri for years the package lacks."""
    d, counted = start, 0
    while counted < n:
        d += dt.timedelta(days=1)
        try:
            counted += cc.is_workday(d)
        except NotImplementedError:
            counted += d.weekday() < 5
    return d


def test_unknown_year_is_unconfirmed_and_late_rather_than_early(ctx):
    deadline = calendar().add_workdays(D(2026, 12, 10), 20)
    assert deadline.confirmed is False
    assert deadline.date >= _mon_fri_estimate(D(2026, 12, 10), 20) == D(2027, 1, 7)
    assert deadline.date == D(2027, 1, 13)   # 1/1 never counted, +3 for the 元旦 window
    assert calendar().is_workday(deadline.date) is None


def test_conservative_rule_never_earlier_than_real_calendar():
    """Pretend 2016–2026 had no data: the estimate is never earlier than what the real notices gave.
    (2015's one-off 抗战胜利70周年 holiday is outside any rule and is left out.)"""
    real = WorkingCalendar()

    class Blind(WorkingCalendar):
        def year_known(self, year):
            return year < 2016

        def is_workday(self, d):
            return None if d.year >= 2016 else super().is_workday(d)

    blind, d = Blind(), D(2016, 1, 1)
    while d < D(2026, 9, 1):
        for n in (5, 7, 10, 20, 45):
            estimate = blind.add_workdays(d, n)
            assert not estimate.confirmed
            assert estimate.date >= real.add_workdays(d, n).date, (d, n)
        d += dt.timedelta(days=5)


# --- loading a notice ----------------------------------------------------------------------------------
def test_loading_a_notice_confirms_the_year(ctx, admin):
    before = calendar().add_workdays(D(2026, 12, 10), 20)
    summary = calendar().load_notice(NOTICE_2027, admin)
    assert summary["year"] == 2027 and summary["version"] == 1
    assert summary["holiday_days"] == 3 + 9 + 3 + 5 + 3 + 3 + 7
    assert summary["adjusted_workdays"] == 5
    after = calendar().add_workdays(D(2026, 12, 10), 20)
    assert after.confirmed is True
    assert after.date == D(2027, 1, 8)
    assert before.date >= after.date
    assert after.calendar_version != before.calendar_version
    assert after.calendar_version.startswith("cc-1.11.0+ov-1.")
    # a fresh read of the tables (a new request) sees the same thing
    cal = WorkingCalendar.load()
    assert cal.is_workday(D(2027, 1, 31)) is True        # 调休 Sunday
    assert cal.is_workday(D(2027, 2, 8)) is False        # Monday inside 春节
    assert cal.is_workday(D(2027, 2, 15)) is True        # plain Monday of a loaded year
    assert cal.is_workday(D(2027, 2, 27)) is False       # plain Saturday
    assert cal.describe(D(2027, 2, 8)).label == "节假日"
    assert cal.describe(D(2027, 2, 8)).source == "国办发明电〔2026〕99号"
    assert cal.is_workday(D(2028, 1, 3)) is None


def test_reloading_bumps_the_version_and_replaces_rows(ctx, admin):
    calendar().load_notice(NOTICE_2027, admin)
    changed = dict(NOTICE_2027, source="国办发明电〔2026〕100号",
                   holidays=NOTICE_2027["holidays"][:1], adjusted_workdays=[])
    summary = calendar().load_notice(changed, admin)
    assert summary["version"] == 2 and summary["replaced_rows"] == 33 + 5
    days, years = _snapshot()
    assert [d.date for d in days] == [D(2027, 1, 1), D(2027, 1, 2), D(2027, 1, 3)]
    assert [(y.year, y.version, y.source) for y in years] == [(2027, 2, "国办发明电〔2026〕100号")]
    assert calendar().is_workday(D(2027, 2, 8)) is True


@pytest.mark.parametrize("mutate, field", [
    (lambda n: n["holidays"].append({"from": "2027-12-31", "to": "2028-01-01", "name": "元旦"}), "holidays"),
    (lambda n: n["holidays"].append({"from": "2027-03-05", "to": "2027-03-01", "name": "x"}), "holidays"),
    (lambda n: n["holidays"].append({"from": "2027-02-12", "to": "2027-02-14", "name": "x"}), "holidays"),
    (lambda n: n["adjusted_workdays"].append("2027-02-06"), "adjusted_workdays"),   # also a holiday
    (lambda n: n["adjusted_workdays"].append("2027-03-03"), "adjusted_workdays"),   # a Wednesday
    (lambda n: n["adjusted_workdays"].append("2026-12-27"), "adjusted_workdays"),   # other year
    (lambda n: n["adjusted_workdays"].append("not a date"), "adjusted_workdays"),
    (lambda n: n.pop("source"), "source"),
    (lambda n: n.update(year="2027x"), "year"),
    (lambda n: n.update(extra=1), "extra"),
])
def test_a_bad_notice_changes_nothing(ctx, admin, mutate, field):
    calendar().load_notice(NOTICE_2027, admin)
    before, version = _snapshot(), calendar().version
    bad = json.loads(json.dumps(NOTICE_2027))
    mutate(bad)
    with pytest.raises(InvalidData) as exc:
        calendar().load_notice(bad, admin)
    assert field in exc.value.fields
    assert _snapshot() == before
    assert WorkingCalendar.load().version == version == calendar().version


def test_only_an_administrator_loads_a_notice(ctx):
    clerk = db.session.scalar(select(User).where(User.username == "clerk"))
    with pytest.raises(Forbidden):
        calendar().load_notice(NOTICE_2027, clerk)
    assert db.session.scalar(select(func.count()).select_from(CalendarYear)) == 0


# --- local closures ------------------------------------------------------------------------------------
def test_a_closure_pushes_a_deadline_by_one_day(ctx, admin):
    before = calendar().add_workdays(D(2025, 9, 26), 20)
    row = calendar().add_closure(D(2025, 10, 20), "停电 / power cut", admin)
    assert (row.kind, row.is_workday, row.source, row.created_by) == ("closure", False, "local", "admin")
    after = calendar().add_workdays(D(2025, 9, 26), 20)
    assert (before.date, after.date) == (D(2025, 10, 30), D(2025, 10, 31))
    assert after.calendar_version != before.calendar_version
    assert WorkingCalendar.load().is_workday(D(2025, 10, 20)) is False
    assert calendar().describe(D(2025, 10, 20)).source == "local"


def test_closure_on_a_rest_day_is_refused(ctx, admin):
    with pytest.raises(Conflict):
        calendar().add_closure(D(2025, 10, 3), "already a holiday", admin)
    with pytest.raises(Conflict):
        calendar().add_closure(D(2026, 3, 7), "a Saturday", admin)
    with pytest.raises(InvalidData):
        calendar().add_closure(D(2026, 3, 9), "  ", admin)
    assert db.session.scalar(select(func.count()).select_from(CalendarDay)) == 0


def test_closures_survive_a_notice_reload(ctx, admin):
    calendar().add_closure(D(2027, 1, 31), "台风 / typhoon", admin)   # a 调休 Sunday of the notice
    summary = calendar().load_notice(NOTICE_2027, admin)
    assert summary["kept_local"] == ["2027-01-31"]
    calendar().load_notice(NOTICE_2027, admin)
    cal = WorkingCalendar.load()
    assert cal.is_workday(D(2027, 1, 31)) is False
    assert cal.describe(D(2027, 1, 31)).source == "local"


# --- CLI -----------------------------------------------------------------------------------------------
def test_cli_add_workdays(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["calendar", "add-workdays", "2025-09-26", "20"])
    assert result.exit_code == 0, result.output
    assert result.output == "2025-10-30\n"
    result = runner.invoke(args=["calendar", "add-workdays", "2026-12-10", "20"])
    assert result.output == "2027-01-13 unconfirmed\n"


def test_cli_load_close_show(app, tmp_path):
    runner = app.test_cli_runner()
    good = tmp_path / "2027.json"
    good.write_text(json.dumps(NOTICE_2027, ensure_ascii=False), encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(dict(NOTICE_2027, adjusted_workdays=["2027-02-06"])), encoding="utf-8")

    result = runner.invoke(args=["calendar", "load", str(bad)])
    assert result.exit_code == 1
    assert "adjusted_workdays.0" in result.output
    with app.app_context():
        assert _snapshot() == ([], [])

    result = runner.invoke(args=["calendar", "load", str(good)])
    assert result.exit_code == 0, result.output
    assert "2027 国办发明电〔2026〕99号: 33 holiday day(s), 5 adjusted workday(s); version 1" in result.output
    assert runner.invoke(args=["calendar", "add-workdays", "2026-12-10", "20"]).output == "2027-01-08\n"

    result = runner.invoke(args=["calendar", "close", "2027-01-04", "--note", "停电", "--as", "admin"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["calendar", "add-workdays", "2026-12-10", "20"]).output == "2027-01-11\n"

    result = runner.invoke(args=["calendar", "close", "2027-01-05", "--note", "x", "--as", "clerk"])
    assert result.exit_code == 1

    lines = runner.invoke(args=["calendar", "show", "2027-01"]).output.splitlines()
    assert lines[0] == "2027-01-01 周五 节假日  国办发明电〔2026〕99号  元旦"
    assert lines[3].startswith("2027-01-04 周一 休息日  local  本地停止办公")
    assert lines[4] == "2027-01-05 周二 工作日  国办发明电〔2026〕99号"
    assert lines[30] == "2027-01-31 周日 调休上班  国办发明电〔2026〕99号  调休上班"

    lines = runner.invoke(args=["calendar", "show", "2026-02"]).output.splitlines()
    assert "2026-02-14 周六 调休上班  chinesecalendar 1.11.0" in lines
    assert "2026-02-17 周二 节假日  chinesecalendar 1.11.0  春节" in lines
    lines = runner.invoke(args=["calendar", "show", "2028-01"]).output.splitlines()
    assert lines[0].startswith("2028-01-01 周六 未知")
