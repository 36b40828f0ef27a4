"""``make run``: the web server (gunicorn) and the scheduler under one supervisor.

    python -m app.serve.supervise        # make run: honours PORT, HOST, DATABASE_URL, WEB_CONCURRENCY, ...
    python -m app.serve.supervise --dev  # make dev: Flask's development server with its reloader instead

* gunicorn is the service: when it exits, the supervisor stops the scheduler and exits with its status.
* The scheduler is restarted whenever it dies (after 1 s, doubling up to 30 s while it keeps dying at
  once). Several schedulers may run against one database; the lease lets one of them work.
* SIGTERM or SIGINT (Ctrl-C) stop both gracefully: SIGTERM to each (gunicorn finishes its requests, the
  scheduler its running job and releases the lease), SIGKILL after the grace period.

The children run in their own sessions, so a Ctrl-C in the terminal reaches only the supervisor, which
stops them in order instead of both getting SIGINT at once. In production systemd supervises instead
(deploy/*.service): this is the one-command form for a single machine. A library was weighed: honcho
stops everything when one process exits (no restart), supervisord is a daemon with its own config file,
control socket and log files — both more than these hundred lines.
"""
from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from app.config import serving_address

ROOT = Path(__file__).resolve().parent.parent.parent
POLL_SECONDS = 0.2
STABLE_SECONDS = 60  # a scheduler that ran this long before dying is restarted after the shortest delay
MAX_BACKOFF_SECONDS = 30
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


@dataclass
class Child:
    name: str
    argv: list[str]
    restart: bool  # False: the service itself — its exit ends the supervisor
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    start_after: float = 0.0
    backoff: float = 1.0


def default_children(dev: bool = False) -> list[Child]:
    python = sys.executable
    if dev:
        host, port = serving_address()
        web = [python, "-m", "flask", "--app", "app", "run", "--debug", "--host", host, "--port", port]
    else:
        web = [python, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"), "app:create_app()"]
    return [Child("web", web, restart=False),
            Child("scheduler", [python, "-m", "flask", "--app", "app", "scheduler", "run"], restart=True)]


class Supervisor:
    def __init__(self, children: list[Child], grace_seconds: float = 35.0, cwd: Path = ROOT):
        self.children = children
        self.grace_seconds = grace_seconds
        self.cwd = cwd
        self.stop_signal: int | None = None
        self.exit_status: int | None = None

    def say(self, message: str) -> None:
        print(f"supervisor: {message}", file=sys.stderr, flush=True)

    def run(self) -> int:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)
        while self.stop_signal is None and self.exit_status is None:
            for child in self.children:
                self._tend(child)
            time.sleep(POLL_SECONDS)
        if self.stop_signal is not None:
            self.say(f"{signal.Signals(self.stop_signal).name}: stopping")
        self.stop_all()
        return self.exit_status or 0

    def _on_signal(self, signum, _frame) -> None:
        self.stop_signal = signum  # only a flag: the loop does the work, outside the signal handler

    def _tend(self, child: Child) -> None:
        if child.proc is None:
            if time.monotonic() >= child.start_after:
                self._start(child)
            return
        status = child.proc.poll()
        if status is None:
            return
        child.proc = None
        if not child.restart:
            self.say(f"{child.name} exited with status {status}: stopping")
            self.exit_status = status
            return
        ran = time.monotonic() - child.started_at
        delay = 1.0 if ran >= STABLE_SECONDS else child.backoff
        child.backoff = min(delay * 2, MAX_BACKOFF_SECONDS)
        child.start_after = time.monotonic() + delay
        self.say(f"{child.name} exited with status {status} after {ran:.0f} s: restarting in {delay:.0f} s")

    def _start(self, child: Child) -> None:
        child.proc = subprocess.Popen(child.argv, cwd=self.cwd, start_new_session=True, preexec_fn=_die_with_parent)
        child.started_at = time.monotonic()
        self.say(f"{child.name} started (pid {child.proc.pid})")

    def stop_all(self) -> None:
        running = [c for c in self.children if c.proc is not None and c.proc.poll() is None]
        for child in running:
            child.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.grace_seconds
        for child in running:
            try:
                child.proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(f"{child.name} did not stop within {self.grace_seconds:.0f} s: killing it")
                child.proc.kill()
                child.proc.wait()
            _end_group(child.proc.pid)
            self.say(f"{child.name} stopped")


def _die_with_parent() -> None:
    """In the child, before exec (Linux): SIGTERM when the supervisor dies without stopping it (kill -9),
    instead of living on as an orphan that holds the port or the lease."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: a supervisor killed with -9 leaves its children behind
        pass


def _end_group(pgid: int) -> None:
    """Whatever the child left running in its process group (the reloader's server process)."""
    try:
        os.killpg(pgid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass


def main() -> None:
    sys.exit(Supervisor(default_children(dev="--dev" in sys.argv[1:])).run())


if __name__ == "__main__":
    main()
