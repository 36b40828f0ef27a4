"""``flask annual generate|show``: the annual report from the command line."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from app.annual.export import to_csv, to_json
from app.annual.figures import ITEM_KEYS, check_year, indicators, label
from app.annual.service import View, get_draft, get_version, publish
from app.core.cli import run_action
from app.users.lookup import user_by_name

annual_cli = AppGroup("annual", help="统计年报: generate, publish (locked versions) and show the annual report.")


def _print_view(view: View, fmt: str) -> None:
    if fmt == "json":
        click.echo(to_json(view).decode("utf-8"))
    elif fmt == "csv":
        click.echo(to_csv(view).decode("utf-8").lstrip("\ufeff"), nl=False)
    else:
        state = f"v{view.version} {label('published')} sha256={view.sha256}" if view.version else label("preview")
        click.echo(f"{view.figures['bureau']} {view.year} 年度统计年报 [{state}] as of {view.figures['as_of']}")
        for _key, text_, value in indicators(view.figures):
            click.echo(f"  {text_}: {value}")
        click.echo(f"  {_('分事项统计')}:")
        for row in view.figures["items"]:
            click.echo(f"    {row['code']} {row['name']}: "
                       + ", ".join(f"{label(k)} {row.get(k, 0)}" for k in ITEM_KEYS))
        if view.reason:
            click.echo(f"  {label('reason')}: {view.reason}")
        if view.narrative:
            click.echo(f"  {label('narrative')}: {view.narrative}")


@annual_cli.command("generate")
@click.argument("year", type=int)
@click.option("--publish", "do_publish", is_flag=True, help="publish a new locked version")
@click.option("--as", "username", default="supervisor", show_default=True, help="who publishes (a supervisor)")
@click.option("--reason", default=None, help="why a new version corrects the last one (required from version 2)")
@click.option("--narrative", default=None, help="行政执法情况说明 (default: the saved draft's)")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)
def generate_command(year, do_publish, username, reason, narrative, fmt):
    """Generate YEAR's figures from the case data (a preview), or publish them with --publish."""
    run_action(lambda: check_year(year))
    if not do_publish:
        draft = get_draft(year)
        _print_view(View.preview(year, narrative if narrative is not None else (draft.narrative if draft else "")),
                    fmt)
        return
    user = user_by_name(username)
    if narrative is None:
        draft = get_draft(year)
        narrative = draft.narrative if draft else ""
    report = run_action(lambda: publish(user, year, narrative, reason))
    click.echo(f"published {year} version {report.version} sha256={report.sha256}")


@annual_cli.command("show")
@click.argument("year", type=int)
@click.option("--version", "version", type=int, default=None, help="a published version (default: the latest)")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)
def show_command(year, version, fmt):
    """Show a published version of YEAR's report."""
    report = run_action(lambda: get_version(check_year(year), version))
    _print_view(View.of(report), fmt)
