"""Where a notice goes besides the inbox. ``INBOX_NOTIFIER`` names a function ``notify(outgoing)``
(``package.module:function``; ``outgoing`` is an ``app.inbox.service.Outgoing``, after the commit); an SMS gateway or a mail relay is one such function. The default writes a line
to the log: no mail server is assumed."""
from __future__ import annotations

import logging

log = logging.getLogger("app.inbox")


def log_notifier(outgoing) -> None:
    log.info("notice to %s (%s): %s", outgoing.username, outgoing.kind, outgoing.text)
