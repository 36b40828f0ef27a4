"""``flask users``: the administrator's account commands (each acts ``--as`` an administrator and writes the
account log) and a user's own password change. Passwords are read from a prompt, never from the command
line (which other users of the machine can see)."""
from __future__ import annotations

import datetime as dt

import click
from flask.cli import AppGroup

from app.core.cli import run_action
from app.users import accounts, principal
from app.users.lookup import user_by_name

users_cli = AppGroup("users", help="Staff accounts: create, change, disable, enable, passwords, lockouts.")


def _certificate(post, certificate_no, category, area, valid_until) -> accounts.Certificate:
    return accounts.Certificate(post, certificate_no, category, area,
                                dt.date.fromisoformat(valid_until) if valid_until else None)


_cert_options = [
    click.option("--post", default=None), click.option("--certificate-no", default=None),
    click.option("--category", default=None, help="enforcement category (执法类别)"),
    click.option("--area", default=None), click.option("--valid-until", default=None, help="YYYY-MM-DD"),
]


def cert_options(func):
    for option in reversed(_cert_options):
        func = option(func)
    return func


@users_cli.command("list")
def list_users():
    for user in accounts.list_users():
        click.echo(f"{user.username:16} {user.full_name:12} {','.join(sorted(user.roles)):24} "
                   f"{'active' if user.active else 'DISABLED'}  {user.certificate_no or ''}")


@users_cli.command("create")
@click.argument("username")
@click.option("--name", "full_name", required=True)
@click.option("--role", "roles", multiple=True, required=True)
@click.option("--as", "admin", required=True)
@click.password_option("--password", prompt="Initial password")
@cert_options
def create(username, full_name, roles, admin, password, post, certificate_no, category, area, valid_until):
    run_action(lambda: accounts.create_user(user_by_name(admin), username, full_name, roles, password,
                                            _certificate(post, certificate_no, category, area, valid_until)))
    click.echo(f"created {username}")


@users_cli.command("update")
@click.argument("username")
@click.option("--name", "full_name", default=None)
@click.option("--role", "roles", multiple=True, help="the complete set of roles (repeat); omitted: unchanged")
@click.option("--as", "admin", required=True)
@cert_options
def update(username, full_name, roles, admin, post, certificate_no, category, area, valid_until):
    """Change a user's name, roles or certificate data (options left out keep their value)."""
    user = user_by_name(username)
    cert = accounts.Certificate(
        post if post is not None else user.post,
        certificate_no if certificate_no is not None else user.certificate_no,
        category if category is not None else user.enforcement_category, area if area is not None else user.area,
        dt.date.fromisoformat(valid_until) if valid_until else user.certificate_valid_until)
    run_action(lambda: accounts.update_user(user_by_name(admin), username, full_name or user.full_name,
                                            roles or sorted(user.roles), cert))
    click.echo(f"updated {username}")


@users_cli.command("disable")
@click.argument("username")
@click.option("--as", "admin", required=True)
@click.option("--reason", required=True)
def disable(username, admin, reason):
    run_action(lambda: accounts.set_active(user_by_name(admin), username, False, reason))
    click.echo(f"disabled {username}; every session of theirs has ended")


@users_cli.command("enable")
@click.argument("username")
@click.option("--as", "admin", required=True)
@click.option("--reason", required=True)
def enable(username, admin, reason):
    run_action(lambda: accounts.set_active(user_by_name(admin), username, True, reason))
    click.echo(f"enabled {username}")


@users_cli.command("set-password")
@click.argument("username")
@click.option("--as", "admin", required=True)
@click.password_option("--password", prompt="New password")
def set_password(username, admin, password):
    run_action(lambda: accounts.set_password(user_by_name(admin), username, password))
    click.echo(f"password of {username} set; every session of theirs has ended")


@users_cli.command("unlock")
@click.argument("username")
@click.option("--as", "admin", required=True)
def unlock(username, admin):
    run_action(lambda: accounts.unlock(user_by_name(admin), username))
    click.echo(f"sign-in lockout of {username} released")


@users_cli.command("change-password")
@click.argument("username")
@click.option("--current", prompt="Current password", hide_input=True)
@click.password_option("--new", "new", prompt="New password")
def change_password(username, current, new):
    """A user changes their own password (the current one is asked first)."""
    run_action(lambda: accounts.change_own_password(user_by_name(username), current, new))
    click.echo("password changed; every session has ended")


@users_cli.command("principal")
@click.argument("username")
@click.option("--as", "admin", required=True)
def set_principal(username, admin):
    """Make USERNAME (a leader) the principal head (主要负责人)."""
    run_action(lambda: principal.designate_principal(user_by_name(admin), username))
    click.echo(f"{username} is the principal head")


@users_cli.command("acting")
@click.argument("username")
@click.option("--as", "admin", required=True)
@click.option("--until", required=True, help="YYYY-MM-DD, the last day of the acting")
@click.option("--ref", required=True, help="the designation's document number")
def set_acting(username, admin, until, ref):
    """Designate USERNAME (a deputy leader) to act as the principal head until a day."""
    try:
        day = dt.date.fromisoformat(until)
    except ValueError:
        raise click.BadParameter("YYYY-MM-DD", param_hint="--until")
    run_action(lambda: principal.designate_acting(user_by_name(admin), username, day, ref))
    click.echo(f"{username} acts as the principal head until {day.isoformat()}")


@users_cli.command("end-acting")
@click.argument("username")
@click.option("--as", "admin", required=True)
def end_acting(username, admin):
    run_action(lambda: principal.end_acting(user_by_name(admin), username))
    click.echo(f"{username} no longer acts as the principal head")
