"""Demo data for trying the system out and for the tests: one user per role, the catalogue and the
diagrams (``flask demo load``). Never in production."""


def init_app(app) -> None:
    from app.demo.cli import demo_cli
    app.cli.add_command(demo_cli)
