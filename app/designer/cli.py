"""``flask definitions …``: deploy, list, lint, diff and verify process definitions and decision tables, and
move running cases to the latest versions."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.core.cli import run_action
from app.definitions.models import DefinitionVersion
from app.definitions.service import latest_versions, major_process_keys, revocation_process_keys
from app.designer import migration
from app.designer.deploy import deploy, deploy_directories
from app.designer.diffing import diff_versions
from app.designer.linter import lint_files
from app.designer.records import verify_deployments
from app.engine.definitions import read_source
from app.extensions import db
from app.users.lookup import user_by_name

definitions_cli = AppGroup("definitions", help="Deploy and list BPMN processes and DMN decision tables.")


@definitions_cli.command("deploy")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "username", default="designer", show_default=True, help="who deploys")
@click.option("--note", default=None, help="change note")
def deploy_command(files, username, note):
    """Deploy FILES (default: everything in bpmn/ and rules/). Unchanged content makes no new version."""
    if not user_by_name(username).has_role("designer"):
        raise click.ClickException(f"只有流程设计人员可以部署 / only a process designer may deploy: {username} "
                                   "does not hold the designer role")
    if files:
        result = run_action(lambda: deploy([(Path(f).name, Path(f).read_bytes()) for f in files], username, note))
    else:
        result = run_action(lambda: deploy_directories(current_app.config["DEFINITION_DIRS"], username, note))
    for v in result.created:
        click.echo(f"deployed  {v.kind:4} {v.key} v{v.version}  sha256 {v.sha256[:12]}…")
    for v in result.unchanged:
        click.echo(f"unchanged {v.kind:4} {v.key} v{v.version}")


@definitions_cli.command("list")
def list_definitions():
    """Every version of every definition."""
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
    stored, major, revocation = [], None, None
    if not alone:
        try:
            stored = [read_source(f"{v.filename} (deployed v{v.version})", v.content)
                      for v in latest_versions().values()]
            major = major_process_keys()
            revocation = revocation_process_keys()
        except SQLAlchemyError:  # no database yet: lint the files on their own
            db.session.rollback()
    problems = lint_files([(str(f), Path(f).read_bytes()) for f in files], stored, major, revocation)
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
    user = user_by_name(username)
    if not user.has_role(migration.ROLE):
        raise click.ClickException(f"只有监督人员可以迁移运行中案件 / only a supervisor may move running cases: "
                                   f"{username} does not hold the supervisor role")
    if not dry_run and not case_no and not all_cases:
        raise click.ClickException("--case CASE_NO, --all or --dry-run")
    current = run_action(lambda: migration.plan(key, version))
    checks = [c for c in current.cases if not case_no or c.case_no == case_no]
    if dry_run:
        for c in checks:
            state = "can move" if c.can_move else "refused: " + "; ".join(r.text() for r in c.reasons)
            click.echo(f"{c.case_no}  at {', '.join(c.current_steps) or '-'}  {state}")
        click.echo(f"{len([c for c in checks if c.can_move])} of {len(checks)} case(s) can move to "
                   f"{key} v{current.to_version}")
        return
    if case_no:
        moved = run_action(lambda: migration.migrate_case(user, case_no, key, version))
        click.echo(f"moved {moved.case_no} to {key} v{current.to_version}; open: {', '.join(moved.current_steps) or '-'}")
        return
    moved, refused = run_action(lambda: migration.migrate_all(user, key, version))
    for c in moved:
        click.echo(f"moved {c.case_no}")
    for c in refused:
        click.echo(f"refused {c.case_no}: {'; '.join(r.text() for r in c.reasons)}")
    click.echo(f"{len(moved)} moved, {len(refused)} refused")
