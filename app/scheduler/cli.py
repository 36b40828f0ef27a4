"""``flask scheduler ...``: run the scheduler (``make run`` starts it beside the web server), run one job
by hand, show who holds the lease and how each job's last run went."""
from __future__ import annotations

import json
import logging
import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.core.clock import utcnow
from app.extensions import db

scheduler_cli = AppGroup("scheduler", help="The job scheduler: timers, deadline scans, reminders.")


def _every(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def _verbose() -> None:
    current_app.logger.setLevel(logging.INFO)


@scheduler_cli.command("run")
@click.option("--once", is_flag=True, help="run every job once (if no other scheduler holds the lease), then exit")
def run_command(once):
    """Run the jobs at their intervals until SIGTERM / Ctrl-C. Start one per web process if you like:
    only the one holding the database lease runs the jobs."""
    from app.scheduler import lease
    from app.scheduler.jobs import JOBS, LEASE_NAME
    from app.scheduler.runner import run_scheduler
    _verbose()
    app = current_app._get_current_object()
    lease.current(LEASE_NAME)  # a database not migrated yet fails here, with what to run, not in every job
    runs = run_scheduler(app, once=once)
    if once:
        if not runs and JOBS:
            raise click.ClickException("nothing run: another scheduler holds the lease (flask scheduler status)")
        failed = [run.job for run in runs if run.error]
        click.echo(f"{len(runs)} job(s) run, {len(failed)} failed{': ' + ', '.join(failed) if failed else ''}")
        sys.exit(1 if failed else 0)


@scheduler_cli.command("run-job")
@click.argument("name")
@click.option("--force", is_flag=True, help="run even though another scheduler holds the lease")
def run_job_command(name, force):
    """Run job NAME once now and print its counts."""
    from app.scheduler import lease
    from app.scheduler.jobs import LEASE_NAME, UnknownJob, run_job
    _verbose()
    holder = lease.new_holder()
    try:
        run = run_job(name, holder, force=force)
    except UnknownJob as exc:
        raise click.ClickException(exc.args[0])
    finally:
        lease.release(LEASE_NAME, holder)
    if run is None:
        other = lease.current(LEASE_NAME)
        raise click.ClickException(
            f"the scheduler {other.holder if other else '?'} holds the lease (until "
            f"{other.expires_at if other else '?'} UTC) and runs the jobs; --force runs it anyway")
    if run.error:
        click.echo(run.error, err=True)
        click.echo(f"{name}: failed (run #{run.id})")
        sys.exit(1)
    click.echo(f"{name}: {json.dumps(run.counts, ensure_ascii=False)} (run #{run.id})")


@scheduler_cli.command("status")
def status_command():
    """Who holds the lease, and the last run of every job with its counts or error."""
    from app.scheduler import lease
    from app.scheduler.jobs import JOBS, LEASE_NAME
    from app.scheduler.models import SchedulerRun
    now = utcnow()
    held = lease.current(LEASE_NAME)
    if held is None:
        click.echo("lease: nobody (no scheduler has run, or the last one stopped cleanly)")
    elif held.expires_at < now:
        click.echo(f"lease: expired {held.expires_at:%Y-%m-%d %H:%M:%S} UTC, last held by {held.holder}")
    else:
        click.echo(f"lease: {held.holder} until {held.expires_at:%Y-%m-%d %H:%M:%S} UTC "
                   f"({(held.expires_at - now).total_seconds():.0f} s left)")
    latest = select(SchedulerRun.job, func.max(SchedulerRun.id).label("id")).group_by(SchedulerRun.job).subquery()
    last = {run.job: run for run in db.session.scalars(select(SchedulerRun).join(latest, SchedulerRun.id == latest.c.id))}
    for name in sorted(set(JOBS) | set(last), key=lambda n: (n not in JOBS, list(JOBS).index(n) if n in JOBS else 0, n)):
        job = JOBS.get(name)
        every = _every(job.interval_seconds) if job else "(not registered)"
        run = last.get(name)
        if run is None:
            click.echo(f"{name:18} every {every:7} never run")
            continue
        when = f"{run.started_at:%Y-%m-%d %H:%M:%S} UTC"
        if run.finished_at is None:
            result = "running (or died while running)"
        elif run.error:
            result = "ERROR " + run.error.rstrip().splitlines()[-1]
        else:
            ms = (run.finished_at - run.started_at).total_seconds() * 1000
            result = f"{json.dumps(run.counts, ensure_ascii=False)} in {ms:.0f} ms"
        click.echo(f"{name:18} every {every:7} {when}  {run.holder}  {result}")
