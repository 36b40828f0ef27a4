"""Serving the application in production: errors that escape Flask still answer (JSON under /api/), a
dropped database connection is retried once when nothing was written yet, the database connections are
never shared across a fork, a health check, gunicorn's JSON access log, and the supervisor ``make run``
starts (gunicorn and the scheduler). See docs/deployment.md."""
