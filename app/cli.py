"""Command-line interface: ``flask <group> <command>``. Run ``flask --help`` for the list."""
from __future__ import annotations

import json
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .extensions import db
from .models import User

definitions_cli = AppGroup("definitions", help="Deploy and list BPMN processes and DMN decision tables.")
records_cli = AppGroup("records", help="Execution records: verify the hash chains.")
cases_cli = AppGroup("cases", help="Register and inspect cases.")
tasks_cli = AppGroup("tasks", help="List, claim, release and complete tasks.")
demo_cli = AppGroup("demo", help="Demo data (never in production).")
catalogue_cli = AppGroup("catalogue", help="The service-item catalogue (rules/service_items.json).")


def _user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"用户不存在 / no such user: {username}")
    return user


def _run(action):
    """Run a service action; print its error (with the reason) instead of a traceback."""
    from .services.errors import ServiceError
    try:
        return action()
    except ServiceError as exc:
        click.echo(f"错误 / error [{exc.status} {exc.code}]: {exc.message}", err=True)
        for field, messages in (exc.fields or {}).items():
            click.echo(f"  {field}: {'; '.join(map(str, messages))}", err=True)
        for problem in exc.problems or []:
            click.echo(f"  {problem.get('file') or ''}#{problem.get('element_id') or ''}: {problem['message']}",
                       err=True)
        sys.exit(1)


@definitions_cli.command("deploy")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "username", default="designer", show_default=True, help="who deploys")
@click.option("--note", default=None, help="change note")
def deploy_command(files, username, note):
    """Deploy FILES (default: everything in bpmn/ and rules/). Unchanged content makes no new version."""
    from pathlib import Path
    from .services.definitions import deploy, deploy_directories
    if not _user(username).has_role("designer"):
        raise click.ClickException(f"只有流程设计人员可以部署 / only a process designer may deploy: {username} "
                                   "does not hold the designer role")
    if files:
        result = _run(lambda: deploy([(Path(f).name, Path(f).read_bytes()) for f in files], username, note))
    else:
        result = _run(lambda: deploy_directories(current_app.config["DEFINITION_DIRS"], username, note))
    for v in result.created:
        click.echo(f"deployed  {v.kind:4} {v.key} v{v.version}  sha256 {v.sha256[:12]}…")
    for v in result.unchanged:
        click.echo(f"unchanged {v.kind:4} {v.key} v{v.version}")


@definitions_cli.command("list")
def list_definitions():
    """Every version of every definition."""
    from .models import DefinitionVersion
    for v in db.session.scalars(select(DefinitionVersion).order_by(DefinitionVersion.key, DefinitionVersion.version)):
        click.echo(f"{v.kind:4} {v.key:20} v{v.version:<3} {v.sha256[:12]}  {v.deployed_by:10} "
                   f"{v.deployed_at:%Y-%m-%d %H:%M}  {v.note or ''}")


@definitions_cli.command("lint")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--alone", is_flag=True, help="do not resolve called processes and decisions from the deployed versions")
def lint_command(files, alone):
    """Check FILES with the definition compiler and the designer's policy rules, together with the latest
    deployed versions of the other definitions. Prints file, element id and name for each problem; exit 1
    if there is any."""
    from pathlib import Path
    from sqlalchemy.exc import SQLAlchemyError
    from .designer.linter import lint_files
    from .engine.definitions import read_source
    from .services.definitions import latest_versions, major_process_keys
    stored, major = [], None
    if not alone:
        try:
            stored = [read_source(f"{v.filename} (deployed v{v.version})", v.content)
                      for v in latest_versions().values()]
            major = major_process_keys()
        except SQLAlchemyError:  # no database yet: lint the files on their own
            db.session.rollback()
    problems = lint_files([(str(f), Path(f).read_bytes()) for f in files], stored, major)
    for problem in problems:
        click.echo(problem.line())
    click.echo(f"{len(files)} file(s) checked, {len(problems)} problem(s)")
    sys.exit(1 if problems else 0)


@definitions_cli.command("diff")
@click.argument("key")
@click.argument("v1", type=int)
@click.argument("v2", type=int)
def diff_command(key, v1, v2):
    """What changed in definition KEY from version V1 to version V2."""
    from .designer.diffing import diff_versions
    from .models import DefinitionVersion
    versions = {v.version: v for v in db.session.scalars(select(DefinitionVersion).where(
        DefinitionVersion.key == key, DefinitionVersion.version.in_((v1, v2))))}
    for n in (v1, v2):
        if n not in versions:
            raise click.ClickException(f"没有此版本 / no such version: {key} v{n}")
    for line in diff_versions(versions[v1], versions[v2]).lines():
        click.echo(line)


@definitions_cli.command("verify")
def verify_deployments_command():
    """Recompute the hash chain of deployment records and check every stored version against it."""
    from .designer.records import verify_deployments
    result = verify_deployments()
    if result.valid:
        click.echo(f"OK: {result.count} deployment record(s), every stored version matches")
    else:
        click.echo(f"BROKEN: record #{result.first_invalid_seq}: {result.reason}")
    sys.exit(0 if result.valid else 1)


@definitions_cli.command("migrate")
@click.argument("key")
@click.option("--to", "version", type=int, required=True, help="the latest version of KEY (the only target)")
@click.option("--case", "case_no", default=None, help="move this case only")
@click.option("--all", "all_cases", is_flag=True, help="move every running case that can move")
@click.option("--dry-run", is_flag=True, help="only list the cases, whether each can move and why not")
@click.option("--as", "username", required=True, help="who moves the cases (supervisor role)")
def migrate_command(key, version, case_no, all_cases, dry_run, username):
    """Move running cases on older versions of KEY to the latest versions of every definition (see
    app.designer.migration). Exit 1 when a named case cannot move."""
    from .designer import migration
    user = _user(username)
    if not user.has_role(migration.ROLE):
        raise click.ClickException(f"只有监督人员可以迁移运行中案件 / only a supervisor may move running cases: "
                                   f"{username} does not hold the supervisor role")
    if not dry_run and not case_no and not all_cases:
        raise click.ClickException("--case CASE_NO, --all or --dry-run")
    current = _run(lambda: migration.plan(key, version))
    checks = [c for c in current.cases if not case_no or c.case_no == case_no]
    if dry_run:
        for c in checks:
            state = "can move" if c.can_move else "refused: " + "; ".join(r.text() for r in c.reasons)
            click.echo(f"{c.case_no}  at {', '.join(c.current_steps) or '-'}  {state}")
        click.echo(f"{len([c for c in checks if c.can_move])} of {len(checks)} case(s) can move to "
                   f"{key} v{current.to_version}")
        return
    if case_no:
        moved = _run(lambda: migration.migrate_case(user, case_no, key, version))
        click.echo(f"moved {moved.case_no} to {key} v{current.to_version}; open: {', '.join(moved.current_steps) or '-'}")
        return
    moved, refused = _run(lambda: migration.migrate_all(user, key, version))
    for c in moved:
        click.echo(f"moved {c.case_no}")
    for c in refused:
        click.echo(f"refused {c.case_no}: {'; '.join(r.text() for r in c.reasons)}")
    click.echo(f"{len(moved)} moved, {len(refused)} refused")


@records_cli.command("verify")
@click.option("--case", "case_no", default=None, help="verify one case only")
def verify_records(case_no):
    """Recompute every hash chain; name the first record that does not match. Exit 1 on any break."""
    from .records import verify_all, verify_case
    from .services.cases import get_case
    results = [verify_case(_run(lambda: get_case(case_no)))] if case_no else verify_all()
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
    from .services.catalogue import load_catalogue
    created, updated = load_catalogue(current_app.config["SERVICE_ITEMS_FILE"])
    click.echo(f"service items: {created} created, {updated} updated")


@demo_cli.command("load")
def load_demo():
    """Demo users (password 'demo'), the catalogue and the diagrams: everything `make run` needs."""
    from .services.catalogue import load_catalogue
    from .services.definitions import deploy_directories
    from .services.demo import load_demo_users
    click.echo(f"demo users created: {load_demo_users()}")
    created, updated = load_catalogue(current_app.config["SERVICE_ITEMS_FILE"])
    click.echo(f"service items: {created} created, {updated} updated")
    result = _run(lambda: deploy_directories(current_app.config["DEFINITION_DIRS"], "designer", "demo load"))
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
    from .schemas import CaseCreateSchema
    from .services.cases import create_case
    try:
        body = CaseCreateSchema().load({"item": item, "facts": json.loads(facts),
                                        "applicant": {"name": applicant_name, "type": applicant_type, "code": code}})
    except (ValidationError, json.JSONDecodeError) as exc:
        raise click.ClickException(str(getattr(exc, "messages", exc)))
    case = _run(lambda: create_case(_user(username), body["item"], body["applicant"], body["facts"]))
    click.echo(f"{case.case_no} {case.status}")


@cases_cli.command("show")
@click.argument("case_no")
def show_case(case_no):
    from .services.cases import get_case, open_tasks
    case = _run(lambda: get_case(case_no))
    click.echo(f"{case.case_no}  {case.item.name}  {case.applicant_name}  status={case.status}  "
               f"major={case.is_major} {case.major_reason or ''}")
    for task in open_tasks(case):
        click.echo(f"  open task {task.id}  {task.name} {task.title}  role={task.role}  "
                   f"claimed_by={task.claimed_by or '-'}")


@tasks_cli.command("list")
@click.option("--as", "username", required=True)
@click.option("--mine", is_flag=True, help="only tasks I have claimed")
def list_tasks(username, mine):
    from .models import TaskItem
    user = _user(username)
    stmt = select(TaskItem).options(joinedload(TaskItem.case)).where(TaskItem.state == "READY")
    stmt = stmt.where(TaskItem.claimed_by == username) if mine else stmt.where(TaskItem.role.in_(user.roles))
    for task in db.session.scalars(stmt.order_by(TaskItem.created_at)):
        click.echo(f"{task.id}  {task.case.case_no}  {task.name:16} {task.title}  claimed_by={task.claimed_by or '-'}")


@tasks_cli.command("claim")
@click.argument("task_id")
@click.option("--as", "username", required=True)
def claim(task_id, username):
    from .services.cases import claim_task
    task = _run(lambda: claim_task(_user(username), task_id))
    click.echo(f"claimed {task.id} by {task.claimed_by}")


@tasks_cli.command("release")
@click.argument("task_id")
@click.option("--as", "username", required=True)
def release(task_id, username):
    from .services.cases import release_task
    task = _run(lambda: release_task(_user(username), task_id))
    click.echo(f"released {task.id}")


@tasks_cli.command("complete")
@click.argument("task_id")
@click.option("--as", "username", required=True)
@click.option("--data", required=True, help="JSON object with the form's fields")
def complete(task_id, username, data):
    from .services.cases import complete_task
    try:
        values = json.loads(data)
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"--data is not JSON: {exc}")
    result = _run(lambda: complete_task(_user(username), task_id, values))
    nxt = ", ".join(f"{t.name} ({t.role})" for t in result.next_tasks) or result.case.status
    click.echo(f"completed {result.task.name}; case {result.case.case_no} now: {nxt}")


def register_commands(app: Flask) -> None:
    from .archive.cli import archive_cli
    from .publicity.annual import annual_cli
    from .calendar.cli import calendar_cli
    from .scheduler.cli import scheduler_cli
    from .schema_guard import guard_commands
    for group in (definitions_cli, records_cli, cases_cli, tasks_cli, demo_cli, catalogue_cli, calendar_cli,
                  scheduler_cli, archive_cli, annual_cli):
        app.cli.add_command(group)
        guard_commands(group)  # on a database not migrated yet: say so, and what to run, not a traceback
