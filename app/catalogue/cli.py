"""``flask catalogue load``: the catalogue file into the database."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app.catalogue.service import load_catalogue

catalogue_cli = AppGroup("catalogue", help="The service-item catalogue (rules/service_items.json).")


@catalogue_cli.command("load")
def load_catalogue_command():
    created, updated = load_catalogue(current_app.config["SERVICE_ITEMS_FILE"])
    click.echo(f"service items: {created} created, {updated} updated")
