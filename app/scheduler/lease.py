"""A database lease: of several scheduler processes (one per web process, on PostgreSQL), exactly one runs
the jobs. The holder renews its lease on every job and every heartbeat; the others take it over only after
it has expired (the holder died or hangs). Works the same on SQLite and PostgreSQL.

Each call is its own short transaction on its own connection, committed before it returns, so it never
mixes with (or waits for) whatever the caller's session is doing. Expiry uses this host's clock (naive
UTC): hosts sharing a database must keep their clocks in sync (NTP) well within the lease's length.
"""
from __future__ import annotations

import datetime as dt
import os
import secrets
import socket

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.core.clock import utcnow
from app.extensions import db
from app.scheduler.models import SchedulerLease

_table = SchedulerLease.__table__


def new_holder() -> str:
    """An id no other process has: host, pid and a random part (a reused pid on a restart differs)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"[:128]


def acquire(name: str, holder: str, ttl_seconds: float) -> bool:
    """Take or renew the lease ``name`` for ``ttl_seconds``. True if ``holder`` now holds it.

    One conditional UPDATE decides atomically (a row lock on PostgreSQL, the database write lock on
    SQLite): it succeeds only if the row is ours or has expired. A missing row is inserted; if another
    process inserts it at the same moment, the primary key lets exactly one of the two win.
    """
    now = utcnow()
    expires = now + dt.timedelta(seconds=ttl_seconds)
    with db.engine.begin() as conn:
        taken = conn.execute(
            update(_table)
            .where(_table.c.name == name, or_(_table.c.holder == holder, _table.c.expires_at < now))
            .values(holder=holder, expires_at=expires))
        if taken.rowcount == 1:
            return True
        if conn.execute(select(_table.c.name).where(_table.c.name == name)).first() is not None:
            return False  # held by someone else, not expired
    try:
        with db.engine.begin() as conn:
            conn.execute(insert(_table).values(name=name, holder=holder, expires_at=expires))
        return True
    except IntegrityError:
        return False  # another process created it just now: it holds the lease


def release(name: str, holder: str) -> bool:
    """Give the lease up (only if ``holder`` holds it), so another scheduler can take it at once."""
    with db.engine.begin() as conn:
        return conn.execute(
            delete(_table).where(_table.c.name == name, _table.c.holder == holder)).rowcount == 1


def current(name: str) -> SchedulerLease | None:
    """The lease row as it is now (holder and expiry), or None if nobody has taken it."""
    with db.engine.connect() as conn:
        row = conn.execute(select(_table).where(_table.c.name == name)).first()
    return SchedulerLease(name=row.name, holder=row.holder, expires_at=row.expires_at) if row else None
