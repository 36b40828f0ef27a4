"""Users by name, for commands that act as someone (``--as clerk``)."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import click
from flask import g, has_app_context, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.i18n import t
from app.extensions import db
from app.users.models import User


def user_by_name(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(t("unknown_user", value=username))
    return user


# Accounts the system acts as (records' actor) rather than people.
SYSTEM_ACTORS = {"engine": _l("流程引擎"), "scheduler": _l("系统定时任务"), "system": _l("系统")}


def display_name(username: str | None) -> str:
    """The person's name as staff read it (``张三``), never the sign-in name; unknown names stay as they are.
    All names are read once per request (a bureau has a few hundred staff)."""
    if not username:
        return ""
    if username in SYSTEM_ACTORS:
        return str(SYSTEM_ACTORS[username])
    names = _names()
    return names.get(username, username)


def display_names(usernames) -> dict[str, str]:
    """Username → the person's name, for what users read (unknown usernames are left out)."""
    names = list(dict.fromkeys(u for u in usernames if u))
    if not names:
        return {}
    return dict(db.session.execute(select(User.username, User.full_name).where(User.username.in_(names))).all())


def joined_names(usernames) -> str:
    """The people's names joined for reading (``张三、李四``)."""
    return "、".join(display_name(u) for u in usernames or ())


@contextmanager
def names_read_once() -> Iterator[None]:
    """Within it, every display name comes from one read of the users, as in a request: for a scan that
    writes thousands of notices (outside it, each name is read afresh, which a long-lived context needs)."""
    if not has_app_context() or "display_names" in g:
        yield
        return
    g.display_names = _read_names()
    try:
        yield
    finally:
        g.pop("display_names", None)


def _names() -> dict[str, str]:
    if has_app_context() and "display_names" in g:
        return g.display_names
    if has_request_context():
        g.display_names = _read_names()
        return g.display_names
    return _read_names()


def _read_names() -> dict[str, str]:
    return dict(db.session.execute(select(User.username, User.full_name)).all())
