"""``flask cases``, ``flask tasks`` and ``flask records``: the kernel's commands (``cases new`` is intake's)."""
from __future__ import annotations

import json
import os
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.cases import grants, service
from app.cases.access import case_for_viewer, get_case, open_tasks, scoped_tasks
from app.cases.models import TaskItem
from app.cases.verify import external_problems, verify_all, verify_case_and_row
from app.core.cli import run_action
from app.extensions import db
from app.users.lookup import user_by_name

cases_cli = AppGroup("cases", help="Register and inspect cases.")
tasks_cli = AppGroup("tasks", help="List, claim, release and complete tasks.")
records_cli = AppGroup("records", help="Execution records: verify the hash chains.")


@cases_cli.command("show")
@click.argument("case_no")
@click.option("--as", "username", required=True, help="who is looking (the case-access rule applies)")
def show_case(case_no, username):
    case = run_action(lambda: case_for_viewer(user_by_name(username), case_no))
    click.echo(f"{case.case_no}  {case.item.name}  {case.applicant_name}  status={case.status}  "
               f"major={case.is_major} {case.major_reason or ''}")
    for task in open_tasks(case):
        click.echo(f"  open task {task.id}  {task.name} {task.title}  role={task.role}  "
                   f"claimed_by={task.claimed_by or '-'}")


@cases_cli.command("grant-access")
@click.argument("case_no")
@click.argument("supervisor")
@click.option("--as", "username", required=True, help="the leader granting it")
@click.option("--reason", required=True)
def grant_access(case_no, supervisor, username, reason):
    """Let a supervisor see a state-secret case (recorded on the case)."""
    run_action(lambda: grants.grant_access(user_by_name(username), case_no, supervisor, reason))
    click.echo(f"granted {case_no} to {supervisor}")


@cases_cli.command("revoke-access")
@click.argument("case_no")
@click.argument("supervisor")
@click.option("--as", "username", required=True, help="the leader revoking it")
@click.option("--reason", required=True)
def revoke_access(case_no, supervisor, username, reason):
    run_action(lambda: grants.revoke_access(user_by_name(username), case_no, supervisor, reason))
    click.echo(f"revoked {case_no} from {supervisor}")


@tasks_cli.command("list")
@click.option("--as", "username", required=True)
@click.option("--mine", is_flag=True, help="only tasks I have claimed")
def list_tasks(username, mine):
    """Open tasks open to my roles and not claimed by anyone (or, with --mine, claimed by me)."""
    stmt = scoped_tasks(select(TaskItem).options(joinedload(TaskItem.case)), "mine" if mine else "available",
                        user_by_name(username))
    for task in db.session.scalars(stmt.order_by(TaskItem.created_at, TaskItem.case_id)):
        click.echo(f"{task.id}  {task.case.case_no}  {task.name:16} {task.title}  claimed_by={task.claimed_by or '-'}")


@tasks_cli.command("claim")
@click.argument("task_id")
@click.option("--as", "username", required=True)
def claim(task_id, username):
    task = run_action(lambda: service.claim_task(user_by_name(username), task_id))
    click.echo(f"claimed {task.id} by {task.claimed_by}")


@tasks_cli.command("release")
@click.argument("task_id")
@click.option("--as", "username", required=True)
def release(task_id, username):
    task = run_action(lambda: service.release_task(user_by_name(username), task_id))
    click.echo(f"released {task.id}")


@tasks_cli.command("complete")
@click.argument("task_id")
@click.option("--as", "username", required=True)
@click.option("--data", required=True, help="JSON object with the form's fields")
def complete(task_id, username, data):
    try:
        values = json.loads(data)
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"--data is not JSON: {exc}")
    result = run_action(lambda: service.complete_task(user_by_name(username), task_id, values))
    nxt = ", ".join(f"{t.name} ({t.role})" for t in result.next_tasks) or result.case.status
    click.echo(f"completed {result.task.name}; case {result.case.case_no} now: {nxt}")


@records_cli.command("verify")
@click.option("--case", "case_no", default=None, help="verify one case only")
@click.option("--jobs", type=click.IntRange(min=1), default=lambda: os.cpu_count() or 1, show_default="CPU count",
              help="processes walking the chains side by side")
def verify_records(case_no, jobs):
    """Recompute every hash chain; name the first record that does not match. Exit 1 on any break."""
    results = [verify_case_and_row(run_action(lambda: get_case(case_no)))] if case_no else verify_all(jobs)
    broken = checked = 0
    for result in results:
        checked += 1
        if not result.valid:
            broken += 1
            click.echo(f"BROKEN {result.case_no}: record #{result.first_invalid_seq}: {result.reason}")
        elif case_no:
            click.echo(f"OK {result.case_no}: {result.count} records")
    broken += external_problems(case_no)  # e.g. chains rewritten consistently after a signed checkpoint
    click.echo(f"{checked} case(s) checked, {broken} broken")
    sys.exit(1 if broken else 0)
