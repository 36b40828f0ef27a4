"""The annual statistics report (统计年报, domain.md §5): generated from the case data, published as locked
versions by supervisors, shown on the public portal, exported as CSV or JSON (see docs/annual-report.md)."""
from app.annual import models  # noqa: F401  (registers the report tables)


def init_app(app) -> None:
    from app.annual.messages import MESSAGES
    from app.core.i18n import register_messages
    register_messages(MESSAGES)
    from app.scheduler.jobs import Job, register
    register(Job("annual_report", "app.annual.scans:annual_report_reminder", 6 * 3600,
                 "remind of the annual report"))
    from app.annual.cli import annual_cli
    app.cli.add_command(annual_cli)
    from app.annual import api, web, web_public  # noqa: F401  (routes register on import)
    web.register_pages(app)
