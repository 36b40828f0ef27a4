"""``flask demo load``: everything ``make run`` needs."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app.catalogue.service import load_catalogue
from app.core.cli import run_action
from app.demo.service import load_demo_users
from app.designer.deploy import deploy_directories
from app.documents.cli import demo_documents

demo_cli = AppGroup("demo", help="Demo data (never in production).")


@demo_cli.command("load")
def load_demo():
    """Demo users (password 'demo'), the catalogue, the diagrams, the demo signing key and the document
    templates: everything `make run` needs."""
    click.echo(f"demo users created: {load_demo_users()}")
    created, updated = load_catalogue(current_app.config["SERVICE_ITEMS_FILE"])
    click.echo(f"service items: {created} created, {updated} updated")
    result = run_action(lambda: deploy_directories(current_app.config["DEFINITION_DIRS"], "designer", "demo load"))
    click.echo(f"definitions: {len(result.created)} deployed, {len(result.unchanged)} unchanged")
    demo_documents()
    from app.licences.demo import demo_licences
    click.echo(f"licences: {run_action(demo_licences)} created (with a renewal, a revocation and a cancellation)")
