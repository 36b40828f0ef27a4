"""The scheduler's jobs and how one run of a job happens.

Every job is a catch-up scan over the database ("which cases have a timer due / a deadline passed and not
yet recorded?"), never a one-shot timer held in memory: a scheduler that was down runs the scan on start
and finds everything it missed. Every job is idempotent (running it twice changes nothing the second
time) and returns a dict of counts; each run is a ``SchedulerRun`` row and one log line.

The functions are named by import path and imported only when a job runs, so this registry can be read
(``flask scheduler status``) without importing the code the jobs use.
"""
from __future__ import annotations

import contextlib
import importlib
import json
import time
import traceback
from dataclasses import dataclass
from typing import Callable, Iterator, Literal

from flask import current_app

from app.core.clock import china_today, utcnow
from app.extensions import db
from app.scheduler import lease
from app.scheduler.models import SchedulerRun

LEASE_NAME = "jobs"


@dataclass(frozen=True)
class Job:
    name: str
    func_path: str  # "package.module:function"
    interval_seconds: int
    description: str = ""
    argument: Literal["today", "now"] = "today"  # today: the China date; now: naive UTC datetime

    def resolve(self) -> Callable:
        module, _, attr = self.func_path.partition(":")
        if not module or not attr:
            raise ValueError(f"job {self.name}: func_path must be 'module:function', not {self.func_path!r}")
        return getattr(importlib.import_module(module), attr)


JOBS: dict[str, Job] = {}


def register(job: Job) -> Job:
    """Add (or replace) a job in the registry. Each feature registers its jobs from its ``init_app``."""
    JOBS[job.name] = job
    return job


@contextlib.contextmanager
def override_jobs(*jobs: Job) -> Iterator[dict[str, Job]]:
    """Run with exactly ``jobs`` registered (tests use dummy jobs); the registry is restored afterwards.
    The dict is changed in place, so every module holding ``JOBS`` sees the override."""
    saved = dict(JOBS)
    JOBS.clear()
    for job in jobs:
        register(job)
    try:
        yield JOBS
    finally:
        JOBS.clear()
        JOBS.update(saved)




def lease_seconds() -> float:
    """How long the lease lasts without renewal (SCHEDULER_LEASE_SECONDS, default 20 s): a standby takes
    over at most this plus one heartbeat after the holder died."""
    return float(current_app.config.get("SCHEDULER_LEASE_SECONDS") or 20)


def heartbeat_seconds() -> float:
    """How often every scheduler renews or tries to take the lease (SCHEDULER_HEARTBEAT_SECONDS, default a
    quarter of the lease: a holder survives three failed heartbeats in a row)."""
    return float(current_app.config.get("SCHEDULER_HEARTBEAT_SECONDS") or lease_seconds() / 4)


class UnknownJob(KeyError):
    pass


def get_job(name: str) -> Job:
    try:
        return JOBS[name]
    except KeyError:
        raise UnknownJob(f"no such job: {name} (jobs: {', '.join(JOBS) or 'none'})") from None


def _json_safe(counts) -> dict:
    if counts is None:
        return {}
    if not isinstance(counts, dict):
        counts = {"result": counts}
    return json.loads(json.dumps(counts, default=str, ensure_ascii=False))


def run_job(name: str, holder: str, *, force: bool = False) -> SchedulerRun | None:
    """Run job ``name`` once as ``holder``, if ``holder`` holds (or can take) the jobs lease; else None.

    Needs an application context. The run is a ``SchedulerRun`` row committed before the job starts, then
    completed with the job's counts or its error; an exception in the job is caught, recorded and logged,
    and never propagates (the scheduler goes on). ``force`` runs without the lease (a manual run).
    """
    job = get_job(name)
    log = current_app.logger
    db.session.rollback()  # start clean: nothing of the caller's is committed with the run
    if not force and not lease.acquire(LEASE_NAME, holder, lease_seconds()):
        log.debug("job %s: not run, another scheduler holds the lease", name)
        return None
    run = SchedulerRun(job=name, holder=holder, started_at=utcnow(), counts={})
    db.session.add(run)
    db.session.commit()
    run_id = run.id
    started = time.perf_counter()
    counts, error = {}, None
    try:
        func = job.resolve()
        counts = _json_safe(func(utcnow() if job.argument == "now" else china_today()))
        db.session.commit()  # whatever the job left uncommitted belongs to its run
    except Exception as exc:  # noqa: BLE001 — a failing job must not stop the scheduler
        db.session.rollback()
        error = "".join(traceback.format_exception(exc))[-8000:]
        counts = {}
    elapsed_ms = (time.perf_counter() - started) * 1000
    run = db.session.get(SchedulerRun, run_id)
    run.counts = counts
    run.error = error
    run.finished_at = utcnow()
    db.session.commit()
    if error:
        log.error("job %s failed in %.0f ms: %s", name, elapsed_ms, error.rstrip().splitlines()[-1])
    else:
        log.info("job %s: %s in %.0f ms", name, json.dumps(counts, ensure_ascii=False), elapsed_ms)
    return run
