"""CLI commands on a database that is not migrated yet (or migrated to an older revision) say so, and
what to run, instead of printing a traceback about a missing table."""
from __future__ import annotations

import functools
import re

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

# SQLite: "no such table: x" / "no such column: x"; PostgreSQL: relation "x" does not exist (42P01),
# column "x" does not exist (42703).
_MISSING = re.compile(r'no such (?:table|column): (\S+)|(?:relation|column) "([^"]+)" does not exist')
_UNDEFINED = {"42P01", "42703"}


class NotMigrated(click.ClickException):
    def __init__(self, what: str):
        super().__init__(f"数据库尚未迁移 / the database is not migrated to this version of the code "
                         f"({what} is missing): run `flask db upgrade` first "
                         f"(and `flask demo load` for the demo users, catalogue and diagrams)")


def missing_schema(exc: BaseException) -> str | None:
    """The missing table or column this error is about, or None if it is about something else."""
    if not isinstance(exc, (OperationalError, ProgrammingError)):
        return None
    found = _MISSING.search(str(exc.orig))
    if found:
        return found.group(1) or found.group(2)
    return "a table" if getattr(exc.orig, "sqlstate", None) in _UNDEFINED else None


def needs_schema(callback):
    if getattr(callback, "_needs_schema", False):  # the groups are module-level: every app factory call comes here
        return callback

    @functools.wraps(callback)
    def guarded(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except (OperationalError, ProgrammingError) as exc:
            what = missing_schema(exc)
            if what is None:
                raise
            raise NotMigrated(what) from None
    guarded._needs_schema = True
    return guarded


def guard_commands(command: click.Command) -> None:
    """Guard ``command`` and, for a group, every command in it (recursively)."""
    if command.callback is not None:
        command.callback = needs_schema(command.callback)
    for sub in getattr(command, "commands", {}).values():
        guard_commands(sub)
