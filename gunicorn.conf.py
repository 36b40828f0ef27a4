"""gunicorn's settings for this application (gunicorn reads ./gunicorn.conf.py by itself; make run and
deploy/approval-web.service pass it explicitly). Every value can be overridden from the environment or
the command line; docs/deployment.md explains the choices.

    gunicorn --config gunicorn.conf.py 'app:create_app()'
"""
import multiprocessing
import os

# Where to listen: BIND wins, else HOST:PORT (127.0.0.1:5000 like the development server; a reverse proxy
# on the same host forwards to it).
bind = os.environ.get("BIND") or f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"

# Sync workers: one request at a time each, so a request's work is plain blocking code. 2 x cores + 1 keeps
# the cores busy while some workers wait on PostgreSQL. WEB_CONCURRENCY overrides (gunicorn's convention).
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"

# A request still running after `timeout` seconds gets its worker killed and restarted (the reverse proxy
# buffers uploads, so a slow client never holds a worker this long). On SIGTERM, workers finish their
# current request within `graceful_timeout`.
timeout = int(os.environ.get("WEB_TIMEOUT", 120))
graceful_timeout = 30
keepalive = 5

# Recycle each worker after a few thousand requests (jitter: not all at once) so that slow memory growth in
# a long-lived process never matters.
max_requests = 5000
max_requests_jitter = 500

# Load the app once in the master and fork the workers from it: they share the compiled code and
# catalogues, and a broken app fails at start, not in every worker. Safe because creating the app opens no
# database connection and starts no thread; app.serve.database disposes any pooled connection in a forked
# child all the same (os.register_at_fork), and SpiffWorkflow keeps no state outside a request.
preload_app = True

# Logs on stdout/stderr (journald or the supervisor collects them); the access log as one JSON object per
# line (app.serve.accesslog) for whatever ships and parses logs.
accesslog = os.environ.get("ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
logger_class = "app.serve.accesslog.JsonAccessLogger"

# The heartbeat files of the workers: in memory rather than on a disk that may stall.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

proc_name = "approval-web"

# gunicorn 24+ opens a control socket at one fixed path per user ($XDG_RUNTIME_DIR or ~/.gunicorn): two
# servers on one host would fight over it, and nothing here uses it.
control_socket_disable = True


def post_worker_init(worker):
    """Each worker makes its document renderer (fontconfig, Pango, the CJK font files) and lays out one page
    before it takes requests, so that the first document after a start or a recycle does not cost a clerk
    ~0.5-1 s more (bench/http_load.py showed the first 受理 and 送达 of each worker at ~1 s). Not in the master:
    the renderer's font folder is removed when the process that made it exits, and workers are recycled."""
    try:
        from app.documents.pdf import warm_up
        with worker.wsgi.app_context():
            warm_up()
    except Exception:  # noqa: BLE001 — a worker that cannot warm up still serves; its first document pays
        worker.log.exception("document renderer warm-up failed")
