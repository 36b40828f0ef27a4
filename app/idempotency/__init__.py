"""The one commit of an API action, and Idempotency-Key on the API's POST actions.

Every POST under /api/ (but /api/auth/) holds its transaction (app.extensions.HoldingSession): the action's
own commits become savepoints, the answer is made inside the transaction, and the one real commit comes
after it — so nothing runs on the database after the commit that could turn a done action into an error.

Idempotency-Key: a client that lost the answer (a timeout, a dropped
connection, a crash of its own) sends the same request again with the same key and gets the original answer
instead of a second case, a second completion, or a 409 it cannot interpret.

    Idempotency-Key: <1–200 printable ASCII characters, e.g. a UUID>

* the key belongs to the signed-in user; the first request with it acts, and its answer (status, body) is
  stored **in the same transaction as the action** (the session is held, app.extensions.HoldingSession);
* the same key with the same request (method, path, query and body bytes) → the stored answer again, with
  ``Idempotent-Replayed: true``, and nothing is done again;
* the same key with a different request → 422 ``idempotency_key_reused``, nothing done;
* two requests with the same key at once: the second waits for the first (the key's unique index) and
  then replays its answer;
* a request that changed nothing (bad input, a conflict) keeps no key: it may be sent again;
* keys expire after ``IDEMPOTENCY_KEY_HOURS`` (24 h); the scheduler job ``idempotency_purge`` deletes them.
"""


def init_app(app) -> None:
    from app.core.i18n import register_messages
    from app.idempotency import api, models  # noqa: F401  (the table; the request hooks register on import)
    from app.idempotency.messages import MESSAGES
    from app.scheduler.jobs import Job, register
    register_messages(MESSAGES)
    app.config.setdefault("IDEMPOTENCY_KEY_HOURS", 24)
    register(Job("idempotency_purge", "app.idempotency.service:purge_expired", 3600,
                 "delete the Idempotency-Keys older than their time to live (24 h)", "now"))
