"""Staff accounts and their roles, signing in (a session for the web, bearer tokens for the API) and the
enforcement officers among them."""


def init_app(app) -> None:
    # the tables, and the routes (which register on import)
    from app.users import api, models, web  # noqa: F401
    web.init_app(app)
