"""The service-item catalogue (政务服务事项目录): what can be applied for, under which process and time
limits, loaded from rules/service_items.json."""


def init_app(app) -> None:
    # the table, and the routes (which register on import)
    from app.catalogue import api, models  # noqa: F401
    from app.catalogue.cli import catalogue_cli
    app.cli.add_command(catalogue_cli)
    app.jinja_env.filters["item_name"] = item_name  # {{ case.item|item_name }}: name_en in English


def item_name(item) -> str:
    """A service item's name in the reader's language (the catalogue's ``name_en`` in English)."""
    from app.core.i18n import pick
    return pick(item.name, item.name_en) if item is not None else ""
