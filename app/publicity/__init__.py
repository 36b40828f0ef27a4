"""Publicity (行政执法公示): the public portal (service guide, enforcement staff list, progress query,
published decisions) and the publication of licensing decisions (双公示) with its review by staff."""
from app.publicity import models  # noqa: F401  (registers the publication table)


def init_app(app) -> None:
    from app.core.i18n import register_messages
    from app.publicity.messages import MESSAGES
    register_messages(MESSAGES)
    from app.publicity import steps
    steps.register()
    from app.scheduler.jobs import Job, register
    register(Job("publication", "app.publicity.scans:scan_publication", 600,
                 "record decisions not published in time"))
    from app.publicity import api, api_staff, web, web_public  # noqa: F401  (routes register on import)
    web.register_pages(app)
    # The portal also carries other features' public pages (annual report, contact form): those features
    # add their routes first, which is why they come before publicity in app.FEATURES.
    web_public.register_portal(app)
