"""``flask calendar ...``: compute deadlines, load a year's holiday notice, add local closures, show a month."""
from __future__ import annotations

import datetime as dt
import json
import sys

import click
from flask.cli import AppGroup

from app.calendar.service import calendar, flatten_errors
from app.core.errors import ServiceError
from app.users.lookup import user_by_name

calendar_cli = AppGroup("calendar", help="The working-day calendar: deadlines, holiday notices, closures.")

_WEEKDAYS = "一二三四五六日"


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"不是日期 / not a date (YYYY-MM-DD): {value}")


def run_action(action):
    """app.core.cli.run_action, with a notice's nested field errors one per line ('holidays.0.to: …')."""
    try:
        return action()
    except ServiceError as exc:
        click.echo(f"错误 / error [{exc.status} {exc.code}]: {exc.message}", err=True)
        for line in flatten_errors(exc.fields or {}):
            click.echo(f"  {line}", err=True)
        sys.exit(1)


@calendar_cli.command("add-workdays")
@click.argument("start")
@click.argument("n", type=click.IntRange(min=0))
def add_workdays_command(start, n):
    """The N-th working day after START (START not counted). Prints the date, plus ' unconfirmed'
    when it rests on a year without holiday data (then it is a conservative, late estimate)."""
    deadline = calendar().add_workdays(_date(start), n)
    click.echo(deadline.date.isoformat() + ("" if deadline.confirmed else " unconfirmed"))


@calendar_cli.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "username", default="admin", show_default=True, help="administrator who loads it")
def load_command(file, username):
    """Load a year's State Council holiday notice from a JSON FILE (see docs/calendar.md)."""
    try:
        with open(file, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        click.echo(f"错误 / error: {file} 不是有效的 JSON / is not valid JSON: {exc}", err=True)
        sys.exit(1)
    user = user_by_name(username)
    summary = run_action(lambda: calendar().load_notice(data, user))
    click.echo(f"{summary['year']} {summary['source']}: {summary['holiday_days']} holiday day(s), "
               f"{summary['adjusted_workdays']} adjusted workday(s); version {summary['version']}; "
               f"calendar {summary['calendar_version']}")
    if summary["kept_local"]:
        click.echo(f"local closures kept: {', '.join(summary['kept_local'])}")


@calendar_cli.command("close")
@click.argument("day")
@click.option("--note", required=True, help="reason for the closure")
@click.option("--as", "username", default="admin", show_default=True)
def close_command(day, note, username):
    """Add a local closure: DAY is not a working day."""
    d = _date(day)
    user = user_by_name(username)
    run_action(lambda: calendar().add_closure(d, note, user))
    click.echo(f"closed {d.isoformat()}: {note}; calendar {calendar().version}")


@calendar_cli.command("show")
@click.argument("month")
def show_command(month):
    """Every day of MONTH (YYYY-MM): 工作日/休息日/调休上班/节假日 and the source."""
    try:
        first = dt.date.fromisoformat(f"{month}-01")
    except ValueError:
        raise click.BadParameter(f"不是月份 / not a month (YYYY-MM): {month}")
    cal = calendar()
    d = first
    while d.month == first.month:
        info = cal.describe(d)
        note = f"  {info.note}" if info.note else ""
        click.echo(f"{d.isoformat()} 周{_WEEKDAYS[d.weekday()]} {info.label}  {info.source}{note}")
        d += dt.timedelta(days=1)
    click.echo(f"calendar {cal.version}")
