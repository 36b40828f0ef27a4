"""Staff accounts and their roles, signing in (server-side sessions for the web, bearer tokens for the API,
both revocable), sign-in throttling, the password policy, the account log and the enforcement officers
among them."""


def init_app(app) -> None:
    from app.core.i18n import register_messages
    from app.users.messages import MESSAGES
    register_messages(MESSAGES)
    # the tables, and the routes (which register on import)
    from app.users import api, models, records, web, web_admin  # noqa: F401
    web.init_app(app)
    from app.users.cli import users_cli
    app.cli.add_command(users_cli)
    from app.users.lookup import display_name
    app.jinja_env.filters["person"] = display_name  # {{ task.claimed_by|person }}: names, never sign-in names
