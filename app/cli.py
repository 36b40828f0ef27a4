"""Command-line interface: ``flask <group> <command>``. Run ``flask --help`` for the list."""
from __future__ import annotations

import json
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.core.cli import run_action
from app.extensions import db
from app.users.lookup import user_by_name

records_cli = AppGroup("records", help="Execution records: verify the hash chains.")
cases_cli = AppGroup("cases", help="Register and inspect cases.")
tasks_cli = AppGroup("tasks", help="List, claim, release and complete tasks.")
demo_cli = AppGroup("demo", help="Demo data (never in production).")
catalogue_cli = AppGroup("catalogue", help="The service-item catalogue (rules/service_items.json).")


@records_cli.command("verify")
@click.option("--case", "case_no", default=None, help="verify one case only")
def verify_records(case_no):
    """Recompute every hash chain; name the first record that does not match. Exit 1 on any break."""
    from app.cases.access import get_case
    from app.records import verify_all, verify_case
    results = [verify_case(run_action(lambda: get_case(case_no)))] if case_no else verify_all()
    broken = checked = 0
    for result in results:
        checked += 1
        if not result.valid:
            broken += 1
            click.echo(f"BROKEN {result.case_no}: record #{result.first_invalid_seq}: {result.reason}")
        elif case_no:
            click.echo(f"OK {result.case_no}: {result.count} records")
    click.echo(f"{checked} case(s) checked, {broken} broken")
    sys.exit(1 if broken else 0)


@catalogue_cli.command("load")
def load_catalogue_command():
    from app.catalogue.service import load_catalogue
    created, updated = load_catalogue(current_app.config["SERVICE_ITEMS_FILE"])
    click.echo(f"service items: {created} created, {updated} updated")


@demo_cli.command("load")
def load_demo():
    """Demo users (password 'demo'), the catalogue and the diagrams: everything `make run` needs."""
    from app.catalogue.service import load_catalogue
    from app.designer.deploy import deploy_directories
    from app.users.demo import load_demo_users
    click.echo(f"demo users created: {load_demo_users()}")
    created, updated = load_catalogue(current_app.config["SERVICE_ITEMS_FILE"])
    click.echo(f"service items: {created} created, {updated} updated")
    result = run_action(lambda: deploy_directories(current_app.config["DEFINITION_DIRS"], "designer", "demo load"))
    click.echo(f"definitions: {len(result.created)} deployed, {len(result.unchanged)} unchanged")


@cases_cli.command("new")
@click.option("--as", "username", required=True)
@click.option("--item", required=True, help="service item code, e.g. XK-002")
@click.option("--applicant", "applicant_name", required=True)
@click.option("--type", "applicant_type", default="legal_person", show_default=True)
@click.option("--code", default=None, help="unified social credit code (法人)")
@click.option("--facts", default="{}", help="JSON object of facts")
def new_case(username, item, applicant_name, applicant_type, code, facts):
    """Register an application."""
    from marshmallow import ValidationError

    from app.cases.service import create_case
    from app.schemas import CaseCreateSchema
    try:
        body = CaseCreateSchema().load({"item": item, "facts": json.loads(facts),
                                        "applicant": {"name": applicant_name, "type": applicant_type, "code": code}})
    except (ValidationError, json.JSONDecodeError) as exc:
        raise click.ClickException(str(getattr(exc, "messages", exc)))
    case = run_action(lambda: create_case(user_by_name(username), body["item"], body["applicant"], body["facts"]))
    click.echo(f"{case.case_no} {case.status}")


@cases_cli.command("show")
@click.argument("case_no")
def show_case(case_no):
    from app.cases.access import get_case, open_tasks
    case = run_action(lambda: get_case(case_no))
    click.echo(f"{case.case_no}  {case.item.name}  {case.applicant_name}  status={case.status}  "
               f"major={case.is_major} {case.major_reason or ''}")
    for task in open_tasks(case):
        click.echo(f"  open task {task.id}  {task.name} {task.title}  role={task.role}  "
                   f"claimed_by={task.claimed_by or '-'}")


@tasks_cli.command("list")
@click.option("--as", "username", required=True)
@click.option("--mine", is_flag=True, help="only tasks I have claimed")
def list_tasks(username, mine):
    from app.cases.models import TaskItem
    user = user_by_name(username)
    stmt = select(TaskItem).options(joinedload(TaskItem.case)).where(TaskItem.state == "READY")
    stmt = stmt.where(TaskItem.claimed_by == username) if mine else stmt.where(TaskItem.role.in_(user.roles))
    for task in db.session.scalars(stmt.order_by(TaskItem.created_at)):
        click.echo(f"{task.id}  {task.case.case_no}  {task.name:16} {task.title}  claimed_by={task.claimed_by or '-'}")


@tasks_cli.command("claim")
@click.argument("task_id")
@click.option("--as", "username", required=True)
def claim(task_id, username):
    from app.cases.service import claim_task
    task = run_action(lambda: claim_task(user_by_name(username), task_id))
    click.echo(f"claimed {task.id} by {task.claimed_by}")


@tasks_cli.command("release")
@click.argument("task_id")
@click.option("--as", "username", required=True)
def release(task_id, username):
    from app.cases.service import release_task
    task = run_action(lambda: release_task(user_by_name(username), task_id))
    click.echo(f"released {task.id}")


@tasks_cli.command("complete")
@click.argument("task_id")
@click.option("--as", "username", required=True)
@click.option("--data", required=True, help="JSON object with the form's fields")
def complete(task_id, username, data):
    from app.cases.service import complete_task
    try:
        values = json.loads(data)
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"--data is not JSON: {exc}")
    result = run_action(lambda: complete_task(user_by_name(username), task_id, values))
    nxt = ", ".join(f"{t.name} ({t.role})" for t in result.next_tasks) or result.case.status
    click.echo(f"completed {result.task.name}; case {result.case.case_no} now: {nxt}")


def register_commands(app: Flask) -> None:
    for group in (records_cli, cases_cli, tasks_cli, demo_cli, catalogue_cli):
        app.cli.add_command(group)
