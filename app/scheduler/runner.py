"""The scheduler process: APScheduler runs every registered job at its interval, but a job only does
something in the process that holds the database lease (see lease.py), so with several web processes
each starting a scheduler, exactly one runs the jobs and the others stand by.

Every job runs once immediately on start (a restarted scheduler catches up at once: the jobs are scans
over the database), and again at once when a standby scheduler takes the lease over from one that died.
Jobs run one after another in one worker thread, each in its own application context. SIGTERM / SIGINT
let the running job finish, then release the lease so another scheduler can take over without waiting.
"""
from __future__ import annotations

import datetime as dt
import logging
import signal
import threading

from flask import Flask

from app.extensions import db
from app.scheduler import lease
from app.scheduler.jobs import (
    JOBS,
    LEASE_NAME,
    heartbeat_seconds,
    lease_seconds,
    run_job,
)
from app.scheduler.models import SchedulerRun

HEARTBEAT = "__lease__"


def _run_in_context(app: Flask, name: str, holder: str) -> SchedulerRun | None:
    """One job in its own application context; a database outage is logged, never fatal."""
    with app.app_context():
        try:
            run = run_job(name, holder)
            if run is not None:  # usable after this context (and its session) ends
                db.session.refresh(run)
                db.session.expunge(run)
            return run
        except Exception:  # noqa: BLE001 — e.g. the database is unreachable: try again next time
            app.logger.exception("job %s: could not run", name)
            return None


def _holder_now() -> str:
    """Who holds the lease, for a log line (which must not fail while the database is away)."""
    try:
        other = lease.current(LEASE_NAME)
    except Exception:  # noqa: BLE001
        return "? (the database cannot be reached)"
    return other.holder if other else "nobody"


def _release(app: Flask, holder: str) -> None:
    with app.app_context():
        try:
            if lease.release(LEASE_NAME, holder):
                app.logger.info("scheduler %s: lease released", holder)
        except Exception:  # noqa: BLE001
            app.logger.exception("scheduler %s: could not release the lease (it expires by itself)", holder)


def run_once(app: Flask, holder: str) -> list[SchedulerRun]:
    """Run every registered job once, if this holder gets the lease; then release it."""
    runs: list[SchedulerRun] = []
    try:
        for name in list(JOBS):
            run = _run_in_context(app, name, holder)
            if run is None:
                with app.app_context():
                    other = lease.current(LEASE_NAME)
                app.logger.info("scheduler %s: not running %s, the lease is held by %s", holder, name,
                                other.holder if other else "nobody")
                break
            runs.append(run)
    finally:
        _release(app, holder)
    return runs


def run_scheduler(app: Flask, once: bool = False, holder: str | None = None) -> list[SchedulerRun] | None:
    """Run the scheduler until SIGTERM / SIGINT (or, with ``once``, every job once and return its runs)."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    holder = holder or lease.new_holder()
    if once:
        return run_once(app, holder)

    with app.app_context():
        ttl, beat = lease_seconds(), heartbeat_seconds()
    scheduler = BlockingScheduler(
        timezone=dt.timezone.utc,
        executors={"default": ThreadPoolExecutor(1), "lease": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})
    leading = {"now": False}

    def heartbeat() -> None:
        """Renew the lease between jobs (a long job must not lose it); on taking it over, catch up now."""
        with app.app_context():
            try:
                got = lease.acquire(LEASE_NAME, holder, ttl)
            except Exception:  # noqa: BLE001
                app.logger.exception("scheduler %s: lease heartbeat failed", holder)
                got = False
            if got and not leading["now"]:
                app.logger.info("scheduler %s: holds the lease, running every job now", holder)
                for name in JOBS:
                    try:
                        scheduler.modify_job(name, next_run_time=dt.datetime.now(dt.timezone.utc))
                    except Exception:  # noqa: BLE001 — shutting down
                        pass
            elif not got and leading["now"]:
                app.logger.warning("scheduler %s: lost the lease to %s, standing by", holder, _holder_now())
        leading["now"] = got

    now = dt.datetime.now(dt.timezone.utc)
    for job in JOBS.values():
        scheduler.add_job(_run_in_context, IntervalTrigger(seconds=job.interval_seconds, timezone=dt.timezone.utc),
                          args=(app, job.name, holder), id=job.name, name=job.name, next_run_time=now)
    scheduler.add_job(heartbeat, IntervalTrigger(seconds=beat, timezone=dt.timezone.utc), id=HEARTBEAT,
                      name="lease heartbeat", executor="lease", next_run_time=now + dt.timedelta(seconds=beat))
    with app.app_context():
        try:
            leading["now"] = lease.acquire(LEASE_NAME, holder, ttl)
        except Exception:  # noqa: BLE001 — the jobs and the heartbeat retry
            app.logger.exception("scheduler %s: could not reach the lease", holder)
        app.logger.info("scheduler %s: started, %d jobs (%s), lease %.0f s, heartbeat %.1f s, %s", holder, len(JOBS),
                        ", ".join(JOBS), ttl, beat, "running them" if leading["now"] else
                        f"standing by (lease held by {_holder_now()})")

    stopper: list[threading.Thread] = []

    def stop(signum, _frame) -> None:
        # Not here in the signal handler (it may interrupt the scheduler while it holds its locks): in a
        # thread, which lets the running job finish and then wakes the scheduler's main loop.
        if not stopper:
            app.logger.info("scheduler %s: %s, stopping after the running job", holder, signal.Signals(signum).name)
            stopper.append(threading.Thread(target=scheduler.shutdown, kwargs={"wait": True}, daemon=True))
            stopper[0].start()

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, stop)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line per run is ours
    try:
        scheduler.start()
    finally:
        for thread in stopper:
            thread.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _release(app, holder)
        app.logger.info("scheduler %s: stopped", holder)
    return None
