"""The scheduler: the database lease, runs of (mostly dummy) jobs, the APScheduler process and its CLI."""
from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from app.cases.models import Case
from app.core.clock import CHINA, utcnow
from app.extensions import db
from app.scheduler import lease
from app.scheduler.jobs import JOBS, LEASE_NAME, Job, override_jobs, run_job
from app.scheduler.models import SchedulerLease, SchedulerRun
from app.scheduler.runner import run_scheduler

ROOT = Path(__file__).resolve().parent.parent
CALLS: list = []  # what the dummy jobs were called with, in this process
CHILD: dict = {}  # set in a forked child: its holder and the file the dummy job appends to


def _job(func: str, interval: int = 60, argument: str = "today", name: str | None = None) -> Job:
    return Job(name or func.strip("_"), f"{__name__}:{func}", interval, "dummy", argument)


def _record(arg):
    CALLS.append(arg)
    return {"calls": len(CALLS)}


def _boom(_today):
    raise RuntimeError("boom: the job failed")


def _flag_cases(_today):
    """Idempotent: flags only the cases that lack the flag."""
    result = db.session.execute(update(Case).where(Case.stuck_recorded.is_(False)).values(stuck_recorded=True))
    return {"flagged": result.rowcount}


def _append_holder(_today):
    with open(CHILD["path"], "a") as fh:
        fh.write(CHILD["holder"] + "\n")
    return {"appended": 1}


@pytest.fixture
def sched(app):
    """Empty scheduler tables before and after (conftest only wipes the case tables), a long lease."""
    def wipe():
        with app.app_context():
            db.session.execute(delete(SchedulerRun))
            db.session.execute(delete(SchedulerLease))
            db.session.commit()
    saved, level = app.config.get("SCHEDULER_LEASE_SECONDS"), app.logger.level
    app.config["SCHEDULER_LEASE_SECONDS"] = 60
    CALLS.clear()
    wipe()
    yield
    wipe()
    CALLS.clear()
    app.config["SCHEDULER_LEASE_SECONDS"] = saved
    app.logger.setLevel(level)  # the CLI commands turn on INFO


@pytest.fixture
def log_lines(app):
    """The app logger's lines at INFO and above during the test."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    handler, level = Collect(logging.INFO), app.logger.level
    app.logger.addHandler(handler)
    app.logger.setLevel(logging.INFO)
    yield lines
    app.logger.removeHandler(handler)
    app.logger.setLevel(level)


def _runs(job=None) -> list[SchedulerRun]:
    stmt = select(SchedulerRun).order_by(SchedulerRun.id)
    return list(db.session.scalars(stmt.where(SchedulerRun.job == job) if job else stmt))


# ---------------------------------------------------------------------------------------------- lease

def test_lease_excludes_a_second_holder_until_it_expires_and_the_holder_renews(ctx, sched):
    assert lease.acquire("t-lease", "host:1:a", 0.6)
    assert not lease.acquire("t-lease", "host:2:b", 60)  # valid: b must wait
    first = lease.current("t-lease").expires_at
    time.sleep(0.05)
    assert lease.acquire("t-lease", "host:1:a", 0.6)  # the holder renews
    assert lease.current("t-lease").expires_at > first
    assert not lease.acquire("t-lease", "host:2:b", 60)
    time.sleep(0.7)  # a's lease expires without renewal
    assert lease.acquire("t-lease", "host:2:b", 60)
    assert lease.current("t-lease").holder == "host:2:b"
    assert not lease.acquire("t-lease", "host:1:a", 60)  # a came back too late


def test_release_only_by_the_holder_and_then_anyone_can_take_it(ctx, sched):
    assert lease.acquire("t-lease", "a", 60)
    assert lease.release("t-lease", "b") is False
    assert not lease.acquire("t-lease", "b", 60)
    assert lease.release("t-lease", "a") is True
    assert lease.current("t-lease") is None
    assert lease.acquire("t-lease", "b", 60)


def test_holder_ids_differ_between_processes_and_restarts():
    one, two = lease.new_holder(), lease.new_holder()
    assert one != two and f":{os.getpid()}:" in one


# ---------------------------------------------------------------------------------------------- run_job

def test_each_run_is_logged_with_counts_and_an_idempotent_job_changes_nothing_the_second_time(api, ctx, sched,
                                                                                               log_lines):
    api.new_case()
    api.new_case()
    with override_jobs(_job("_flag_cases", name="flag")):
        first = run_job("flag", "me")
        second = run_job("flag", "me")
    assert first.counts == {"flagged": 2} and first.error is None and first.finished_at >= first.started_at
    assert second.counts == {"flagged": 0} and second.error is None
    assert [(r.job, r.holder, r.counts) for r in _runs()] == [("flag", "me", {"flagged": 2}),
                                                              ("flag", "me", {"flagged": 0})]
    assert db.session.scalar(select(db.func.count()).select_from(Case).where(Case.stuck_recorded.is_(False))) == 0
    assert [line.rsplit(" in ", 1)[0] for line in log_lines if line.startswith("job flag")] == \
        ['job flag: {"flagged": 2}', 'job flag: {"flagged": 0}']
    assert all(line.endswith(" ms") for line in log_lines if line.startswith("job flag"))


def test_a_failing_job_is_recorded_and_logged_and_the_next_job_still_runs(ctx, sched, log_lines):
    with override_jobs(_job("_boom"), _job("_record")):
        failed = run_job("boom", "me")  # does not raise
        ok = run_job("record", "me")
    assert failed.finished_at is not None and failed.counts == {}
    assert "RuntimeError: boom: the job failed" in failed.error
    assert ok.error is None and ok.counts == {"calls": 1}
    assert any(line.startswith("job boom failed") and "boom: the job failed" in line for line in log_lines)


def test_jobs_get_the_china_date_or_naive_utc_now(ctx, sched):
    before = dt.datetime.now(CHINA).date()
    with override_jobs(_job("_record", name="today"), _job("_record", name="now", argument="now")):
        run_job("today", "me")
        run_job("now", "me")
    today, now = CALLS
    assert isinstance(today, dt.date) and not isinstance(today, dt.datetime)
    assert today in {before, dt.datetime.now(CHINA).date()}
    assert isinstance(now, dt.datetime) and now.tzinfo is None and abs((utcnow() - now).total_seconds()) < 5


def test_run_job_does_nothing_while_another_scheduler_holds_the_lease(ctx, sched):
    assert lease.acquire(LEASE_NAME, "other", 60)
    with override_jobs(_job("_record")):
        assert run_job("record", "me") is None
        assert CALLS == [] and _runs() == []
        forced = run_job("record", "me", force=True)  # a manual run may ignore it
    assert forced.counts == {"calls": 1}
    assert lease.current(LEASE_NAME).holder == "other"


def test_an_unknown_job_is_an_error(ctx, sched):
    from app.scheduler.jobs import UnknownJob
    with pytest.raises(UnknownJob):
        run_job("no-such-job", "me")


def test_the_registry_names_every_scan_without_importing_it():
    assert {"timers", "deemed_acceptance", "overdue", "publication", "stuck", "annual_report"} <= set(JOBS)
    assert JOBS["timers"].interval_seconds == 30 and JOBS["timers"].argument == "now"
    assert JOBS["annual_report"].interval_seconds == 6 * 3600
    # the registry names each job's function by import path; nothing is imported until the job runs
    assert all(":" in job.func_path and job.func_path.startswith("app.") for job in JOBS.values())


# ---------------------------------------------------------------------------------------------- two schedulers

def _scheduler_child(app, holder, path, rounds, barrier, results):
    """A forked process: its own connections, then run the dummy job as fast as it can."""
    try:
        CHILD.update(holder=holder, path=path)
        with app.app_context():
            db.engine.dispose(close=False)  # never share the parent's connections across fork
            barrier.wait(30)
            ran = sum(run_job("append_holder", holder) is not None for _ in range(rounds))
        results.put((holder, ran, None))
    except BaseException as exc:  # noqa: BLE001 — report it to the test instead of dying silently
        import traceback
        results.put((holder, -1, "".join(traceback.format_exception(exc))))


@pytest.mark.parametrize("start", ["no lease yet", "expired lease"])
@pytest.mark.multiprocess
def test_two_schedulers_at_once_never_both_run_a_job(app, sched, tmp_path, start):
    """Both race for a lease nobody has taken (insert) or one whose holder died (conditional update)."""
    import multiprocessing
    mp = multiprocessing.get_context("fork")
    path, rounds = str(tmp_path / "ran.txt"), 25
    barrier, results = mp.Barrier(2), mp.Queue()
    with override_jobs(_job("_append_holder")):
        with app.app_context():
            if start == "expired lease":
                db.session.add(SchedulerLease(name=LEASE_NAME, holder="host:0:dead",
                                              expires_at=utcnow() - dt.timedelta(seconds=1)))
                db.session.commit()
            db.engine.dispose()
        procs = [mp.Process(target=_scheduler_child, args=(app, f"host:{n}:x", path, rounds, barrier, results))
                 for n in (1, 2)]
        for p in procs:
            p.start()
        outcome = sorted(results.get(timeout=120) for _ in procs)
        for p in procs:
            p.join(30)
    assert [error for _, _, error in outcome] == [None, None], outcome
    ran = {holder: n for holder, n, _ in outcome}
    assert sorted(ran.values()) == [0, rounds], ran  # one ran every time, the other never
    winner = max(ran, key=ran.get)
    assert Path(path).read_text().splitlines() == [winner] * rounds
    with app.app_context():
        assert [(r.holder, r.counts) for r in _runs()] == [(winner, {"appended": 1})] * rounds


# ---------------------------------------------------------------------------------------------- the runner

def test_run_scheduler_once_runs_every_registered_job_exactly_once_and_releases_the_lease(app, sched):
    jobs = [_job("_record", name=f"job{n}", interval=10 ** n) for n in range(1, 4)]
    with override_jobs(*jobs):
        runs = run_scheduler(app, once=True, holder="me")
    assert sorted(run.job for run in runs) == ["job1", "job2", "job3"]
    assert len(CALLS) == 3
    with app.app_context():
        assert sorted(r.job for r in _runs()) == ["job1", "job2", "job3"]
        assert all(r.error is None and r.holder == "me" for r in _runs())
        assert lease.current(LEASE_NAME) is None  # released: another scheduler may start at once


def test_run_scheduler_once_runs_nothing_if_another_scheduler_holds_the_lease(app, sched):
    with app.app_context():
        assert lease.acquire(LEASE_NAME, "other", 60)
    with override_jobs(_job("_record")):
        assert run_scheduler(app, once=True, holder="me") == []
    assert CALLS == []
    with app.app_context():
        assert lease.current(LEASE_NAME).holder == "other"


def test_a_failing_job_does_not_stop_the_others_in_a_scheduler_run(app, sched):
    with override_jobs(_job("_record", name="a"), _job("_boom"), _job("_record", name="c")):
        runs = run_scheduler(app, once=True, holder="me")
    assert [(r.job, r.error is not None) for r in runs] == [("a", False), ("boom", True), ("c", False)]
    assert len(CALLS) == 2


# ---------------------------------------------------------------------------------------------- the real jobs

def test_the_timers_job_wakes_cases_whose_timer_is_due_once(api, app, sched, monkeypatch):
    from app.cases import timers
    case_no = api.new_case()["case_no"]
    with app.app_context():
        db.session.execute(update(Case).where(Case.case_no == case_no)
                           .values(next_timer_at=utcnow() - dt.timedelta(minutes=1)))
        db.session.commit()
        first = run_job("timers", "me")
        second = run_job("timers", "me")
        assert first.error is None, first.error
        assert first.counts["due"] == 1 and first.counts["fired"] == 1
        assert second.counts["due"] == 0  # the wake-up recomputed next_timer_at: nothing fires twice
        assert db.session.scalar(select(Case.next_timer_at).where(Case.case_no == case_no)) is None
    seen = []
    monkeypatch.setattr(timers, "fire_due_timers", lambda now: seen.append(now) or {"due": 0})
    with app.app_context():
        run_job("timers", "me")
    assert len(seen) == 1 and seen[0].tzinfo is None and abs((utcnow() - seen[0]).total_seconds()) < 5


def test_every_registered_job_runs_without_error(app, sched):
    runs = run_scheduler(app, once=True, holder="me")
    assert sorted(r.job for r in runs) == sorted(JOBS)
    assert {r.job: r.error for r in runs if r.error} == {}
    assert all(isinstance(r.counts, dict) for r in runs)


# ---------------------------------------------------------------------------------------------- the process

def _start_scheduler(app, log: Path, lease_seconds: float = 60, heartbeat: float | None = None) -> subprocess.Popen:
    env = dict(os.environ, FLASK_APP="app", DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               SECRET_KEY="test-secret", SCHEDULER_LEASE_SECONDS=str(lease_seconds))
    if heartbeat:
        env["SCHEDULER_HEARTBEAT_SECONDS"] = str(heartbeat)
    return subprocess.Popen([str(Path(sys.executable).parent / "flask"), "scheduler", "run"], cwd=ROOT, env=env,
                            stdout=log.open("w"), stderr=subprocess.STDOUT)


def _wait_for(condition, timeout=60, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _holders_run(app, pid: int) -> set[str]:
    with app.app_context():
        runs = db.session.scalars(select(SchedulerRun).where(SchedulerRun.holder.like(f"%:{pid}:%"))).all()
        return {r.job for r in runs if r.finished_at is not None}


def _lease_holder(app) -> str | None:
    with app.app_context():
        held = lease.current(LEASE_NAME)
        return held.holder if held else None


@pytest.mark.multiprocess
def test_the_scheduler_process_catches_up_at_start_and_releases_the_lease_on_sigterm(app, sched, tmp_path):
    log = tmp_path / "scheduler.log"
    proc = _start_scheduler(app, log)
    try:
        _wait_for(lambda: _holders_run(app, proc.pid) >= set(JOBS), what=f"every job to run: {log.read_text()}")
        assert f":{proc.pid}:" in (_lease_holder(app) or "")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert _lease_holder(app) is None, log.read_text()
    output = log.read_text()
    assert "job timers:" in output and "lease released" in output and "Traceback" not in output


@pytest.mark.multiprocess
def test_a_standby_scheduler_takes_over_within_lease_plus_heartbeat_when_the_holder_dies(app, sched, tmp_path):
    ttl, beat = 2, 0.5
    first = _start_scheduler(app, tmp_path / "first.log", lease_seconds=ttl, heartbeat=beat)
    second = None
    try:
        _wait_for(lambda: f":{first.pid}:" in (_lease_holder(app) or ""), what="the first scheduler's lease")
        second = _start_scheduler(app, tmp_path / "second.log", lease_seconds=ttl, heartbeat=beat)
        _wait_for(lambda: "standing by" in (tmp_path / "second.log").read_text(), what="the second to start")
        time.sleep(ttl + beat)  # longer than the lease: only the holder's heartbeats keep it
        assert f":{first.pid}:" in _lease_holder(app)
        assert _holders_run(app, second.pid) == set()
        first.kill()  # no clean shutdown: the lease must expire
        first.wait()
        killed = time.monotonic()
        _wait_for(lambda: f":{second.pid}:" in (_lease_holder(app) or ""), timeout=30, what="the standby's lease")
        took = time.monotonic() - killed
        # at most one lease (expiry) plus one heartbeat (the standby's next try), and 3 s for a busy machine:
        # still short of the default heartbeat (5 s) a scheduler ignoring the setting would wait
        assert took < ttl + beat + 3, f"failover took {took:.1f} s"
        _wait_for(lambda: _holders_run(app, second.pid) >= set(JOBS), timeout=30,
                  what=f"the standby to run every job: {(tmp_path / 'second.log').read_text()}")
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def test_by_default_a_standby_takes_over_within_30_s(app, monkeypatch, tmp_path):
    from flask import Flask

    from app.config import load_config
    from app.scheduler.jobs import heartbeat_seconds, lease_seconds
    for name in ("SCHEDULER_LEASE_SECONDS", "SCHEDULER_HEARTBEAT_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "x")
    bare = Flask(__name__)
    bare.config.update(load_config(str(tmp_path)))
    with bare.app_context():
        assert (lease_seconds(), heartbeat_seconds()) == (20, 5)
    monkeypatch.setenv("SCHEDULER_HEARTBEAT_SECONDS", "2")
    bare.config.update(load_config(str(tmp_path)))
    with bare.app_context():
        assert heartbeat_seconds() == 2


@pytest.mark.postgres_only
def test_after_the_database_dropped_its_connections_the_heartbeat_recovers_and_a_stop_releases_the_lease(
        app, sched, tmp_path):
    from tests.support.processes import terminate_backends
    url, log = app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "scheduler.log"
    proc = _start_scheduler(app, log, lease_seconds=4, heartbeat=0.5)
    try:
        _wait_for(lambda: f":{proc.pid}:" in (_lease_holder(app) or ""), what=f"the lease: {log.read_text()}")
        _wait_for(lambda: _holders_run(app, proc.pid) >= set(JOBS), what="the first runs")
        assert terminate_backends(url) >= 1
        with app.app_context():
            before = lease.current(LEASE_NAME).expires_at
            _wait_for(lambda: lease.current(LEASE_NAME).expires_at > before, timeout=10,
                      what=f"a heartbeat on a new connection: {log.read_text()}")
        terminate_backends(url)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    output = log.read_text()
    assert _lease_holder(app) is None, output
    assert "lease released" in output and "heartbeat failed" not in output and "Traceback" not in output


# ---------------------------------------------------------------------------------------------- CLI

def test_cli_run_job_and_status(app, sched):
    runner = app.test_cli_runner()
    with override_jobs(_job("_record"), _job("_boom")):
        result = runner.invoke(args=["scheduler", "run-job", "record"])
        assert result.exit_code == 0, result.output
        assert 'record: {"calls": 1}' in result.output
        failed = runner.invoke(args=["scheduler", "run-job", "boom"])
        assert failed.exit_code == 1 and "RuntimeError: boom" in failed.output
        assert runner.invoke(args=["scheduler", "run-job", "nope"]).exit_code != 0
        status = runner.invoke(args=["scheduler", "status"])
    assert status.exit_code == 0, status.output
    assert "lease: nobody" in status.output  # run-job released what it took
    lines = {line.split()[0]: line for line in status.output.splitlines()[1:]}
    assert '{"calls": 1}' in lines["record"] and "ERROR RuntimeError: boom" in lines["boom"]


def test_cli_run_job_refuses_while_a_scheduler_holds_the_lease(app, sched):
    with app.app_context():
        assert lease.acquire(LEASE_NAME, "host:9:other", 60)
    with override_jobs(_job("_record")):
        result = app.test_cli_runner().invoke(args=["scheduler", "run-job", "record"])
    assert result.exit_code == 1 and "host:9:other" in result.output and CALLS == []
