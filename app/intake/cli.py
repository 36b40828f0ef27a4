"""``flask cases new``: register an application from the command line (added to the kernel's ``cases``
group by ``init_app``)."""
from __future__ import annotations

import json

import click
from flask.cli import with_appcontext
from marshmallow import ValidationError

from app.cases.service import create_case
from app.core.cli import run_action
from app.intake.schemas import CaseCreateSchema
from app.users.lookup import user_by_name


@click.command("new")
@with_appcontext
@click.option("--as", "username", required=True)
@click.option("--item", required=True, help="service item code, e.g. XK-002")
@click.option("--applicant", "applicant_name", required=True)
@click.option("--type", "applicant_type", default="legal_person", show_default=True)
@click.option("--code", default=None, help="unified social credit code (法人)")
@click.option("--facts", default="{}", help="JSON object of facts")
def new_case(username, item, applicant_name, applicant_type, code, facts):
    """Register an application."""
    try:
        body = CaseCreateSchema().load({"item": item, "facts": json.loads(facts),
                                        "applicant": {"name": applicant_name, "type": applicant_type, "code": code}})
    except (ValidationError, json.JSONDecodeError) as exc:
        raise click.ClickException(str(getattr(exc, "messages", exc)))
    case = run_action(lambda: create_case(user_by_name(username), body["item"], body["applicant"], body["facts"]))
    click.echo(f"{case.case_no} {case.status}")
