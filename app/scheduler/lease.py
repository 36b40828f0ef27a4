"""A database lease: of several scheduler processes (one per web process, on PostgreSQL), exactly one runs
the jobs. The holder renews its lease on every job and every heartbeat; the others take it over only after
it has expired (the holder died or hangs). Works the same on SQLite and PostgreSQL.

Each call is its own short transaction on its own connection, committed before it returns, so it never
mixes with (or waits for) whatever the caller's session is doing. A connection the database dropped is
replaced (the pool pings before use, and a call that still meets a dead one runs once more on a new one),
so a heartbeat recovers at once and a stop still releases the lease after the database restarted. Expiry uses this host's clock (naive
UTC): hosts sharing a database must keep their clocks in sync (NTP) well within the lease's length.
"""
from __future__ import annotations

import datetime as dt
import os
import secrets
import socket

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.core.clock import utcnow
from app.extensions import db
from app.scheduler.models import SchedulerLease

_table = SchedulerLease.__table__


def new_holder() -> str:
    """An id no other process has: host, pid and a random part (a reused pid on a restart differs)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"[:128]


def _in_transaction(work):
    """``work(conn)`` in a transaction of its own; if the connection turns out dead, once more on a new one
    (every statement here is safe to repeat: renewing or releasing twice is the same as once)."""
    try:
        with db.engine.begin() as conn:
            return work(conn)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    with db.engine.begin() as conn:
        return work(conn)


def acquire(name: str, holder: str, ttl_seconds: float) -> bool:
    """Take or renew the lease ``name`` for ``ttl_seconds``. True if ``holder`` now holds it.

    One conditional UPDATE decides atomically (a row lock on PostgreSQL, the database write lock on
    SQLite): it succeeds only if the row is ours or has expired. A missing row is inserted; if another
    process inserts it at the same moment, the primary key lets exactly one of the two win.
    """
    now = utcnow()
    expires = now + dt.timedelta(seconds=ttl_seconds)

    def take_or_renew(conn) -> bool | None:
        taken = conn.execute(
            update(_table)
            .where(_table.c.name == name, or_(_table.c.holder == holder, _table.c.expires_at < now))
            .values(holder=holder, expires_at=expires))
        if taken.rowcount == 1:
            return True
        if conn.execute(select(_table.c.name).where(_table.c.name == name)).first() is not None:
            return False  # held by someone else, not expired
        return None  # nobody has taken it yet

    got = _in_transaction(take_or_renew)
    if got is not None:
        return got
    try:
        _in_transaction(lambda conn: conn.execute(insert(_table).values(name=name, holder=holder, expires_at=expires)))
        return True
    except IntegrityError:
        return False  # another process created it just now: it holds the lease


def release(name: str, holder: str) -> bool:
    """Give the lease up (only if ``holder`` holds it), so another scheduler can take it at once."""
    return _in_transaction(lambda conn: conn.execute(
        delete(_table).where(_table.c.name == name, _table.c.holder == holder)).rowcount == 1)


def current(name: str) -> SchedulerLease | None:
    """The lease row as it is now (holder and expiry), or None if nobody has taken it."""
    row = _in_transaction(lambda conn: conn.execute(select(_table).where(_table.c.name == name)).first())
    return SchedulerLease(name=row.name, holder=row.holder, expires_at=row.expires_at) if row else None
