"""The service-item catalogue (政务服务事项目录): what can be applied for, under which process and time
limits, loaded from rules/service_items.json."""


def init_app(app) -> None:
    # the table, and the routes (which register on import)
    from app.catalogue import api, models  # noqa: F401
    from app.catalogue.cli import catalogue_cli
    app.cli.add_command(catalogue_cli)
