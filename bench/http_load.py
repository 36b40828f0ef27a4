"""HTTP load on a running server: create cases and claim and complete every task, at 1, 8 and 16 clients.

    # starts the server the way `make run` does (gunicorn + scheduler under the supervisor) on a scratch
    # PostgreSQL database: its schema ``public`` is DROPPED and rebuilt, then migrated and demo-loaded
    BENCH_DATABASE_URL=postgresql+psycopg://root@127.0.0.1:5432/test_serve .venv/bin/python bench/http_load.py

    # or against a server that is already running (with the demo users, password ``demo``)
    .venv/bin/python bench/http_load.py --url http://127.0.0.1:8000 [--clients 1,8,16] [--seconds 20]

Each client is a thread that drives its own cases along the minor path of XK-002 (standard_permit:
receive, review, decide, deliver, publish, archive). For every task it lists the tasks available to the
role (``GET /api/tasks?scope=available``), claims the task and completes it with the form data the tests
use; after the last task it reads the case. So a case is 1 create + 6 × (list, claim, complete) + 1 read.
Every request opens a new connection (gunicorn's sync workers close it after each response, as behind a
reverse proxy they would not: this is the slower, honest case).

Printed per client count: task completions/s over the measuring window, requests/s, p50/p99 latency per
request kind, and where the CPU went (the server's processes, the database's PostgreSQL backends, this
client: cores busy and CPU ms per completion; with --url only what --server-pid and --database name);
then the scaling ratios. Sign-in happens before the window (scrypt is slow on purpose).
"""
from __future__ import annotations

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys
import threading  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import forms as f  # noqa: E402  (the same valid form data the tests use)

ROLES = ("clerk", "reviewer", "legal", "counsel", "secretary", "leader")  # demo user name == role
FORMS = {"receive": f.ACCEPT, "review": f.review(), "decide": f.DECIDE_GRANT, "deliver": f.deliver(),
         "publish": f.PUBLISH, "archive": f.ARCHIVE}
KINDS = ("create", "list", "claim", "complete", "read")
TARGETS = {1: 40, 8: 120}  # completions/s, issue 14 (complete p99 < 100 ms at 8)
APPLICANT = {"name": "鞍山示例食品有限公司", "type": "legal_person", "code": "91210300MA0QC4XB9B"}


class BenchError(RuntimeError):
    pass


@dataclass
class Sample:
    kind: str
    finished: float  # time.monotonic() when the answer arrived
    ms: float
    status: int
    step: str = ""  # the task's name, for a completion


@dataclass
class Client:
    """One simulated desk: its own tokens, its own samples (merged after the run, no lock per request)."""
    base: urllib.parse.SplitResult
    tokens: dict[str, str]
    samples: list[Sample] = field(default_factory=list)

    def call(self, kind: str, method: str, path: str, user: str, body: dict | None = None,
             step: str = "") -> tuple[int, dict]:
        headers = {"Authorization": f"Bearer {self.tokens[user]}"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        start = time.perf_counter()
        conn = http.client.HTTPConnection(self.base.hostname, self.base.port or 80, timeout=60)
        try:
            conn.request(method, path, payload, headers)
            res = conn.getresponse()
            raw = res.read()
        finally:
            conn.close()
        ms = (time.perf_counter() - start) * 1000
        self.samples.append(Sample(kind, time.monotonic(), ms, res.status, step))
        try:
            return res.status, json.loads(raw)
        except ValueError:
            return res.status, {"raw": raw[:200].decode(errors="replace")}

    def run_case(self) -> None:
        status, case = self.call("create", "POST", "/api/cases", "clerk",
                                 {"item": "XK-002", "applicant": APPLICANT, "facts": {}})
        if status != 201:
            raise BenchError(f"create: {status} {case}")
        tasks = case["tasks"]
        while tasks:
            tasks = self.work(tasks[0])
        self.call("read", "GET", f"/api/cases/{case['case_no']}", "clerk")

    def work(self, task: dict) -> list[dict]:
        """List, claim and complete one task; return the case's next open tasks."""
        user = task["role"]
        self.call("list", "GET", "/api/tasks?scope=available&limit=50", user)
        status, body = self.call("claim", "POST", f"/api/tasks/{task['id']}/claim", user)
        if status != 200:
            raise BenchError(f"claim {task['name']}: {status} {body}")
        if task["name"] == "publish":  # 公示 completes from the publication desk's action on the record
            status, body = self.call("complete", "POST", f"/api/cases/{task['case_no']}/publication/publish", user, {},
                                     step="publish")
            if status != 200:
                raise BenchError(f"publish {task['case_no']}: {status} {body}")
            return body["case"]["tasks"]
        status, body = self.call("complete", "POST", f"/api/tasks/{task['id']}/complete", user,
                                 {"data": FORMS[task["name"]]}, step=task["name"])
        if status != 200:
            raise BenchError(f"complete {task['name']}: {status} {body}")
        return body["next_tasks"]


def sign_in(base: urllib.parse.SplitResult, username: str) -> str:
    conn = http.client.HTTPConnection(base.hostname, base.port or 80, timeout=60)
    try:
        conn.request("POST", "/api/auth/token", json.dumps({"username": username, "password": "demo"}),
                     {"Content-Type": "application/json"})
        res = conn.getresponse()
        body = res.read()
    finally:
        conn.close()
    if res.status != 200:
        raise BenchError(f"sign-in as {username}: {res.status} {body[:200]!r}")
    return json.loads(body)["token"]


# ------------------------------------------------------------------------------- where the CPU goes (Linux)

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2:].split()  # the fields after "pid (comm)"


def _cpu_seconds(pid: int) -> float:
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / TICK if fields else 0.0  # utime + stime


def _all_pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]


def _descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for pid in _all_pids():
        fields = _stat(pid)
        if fields:
            children[int(fields[1])].append(pid)
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        found.add(pid)
        todo.extend(children.get(pid, []))
    return found


def _backends_of(database: str) -> set[int]:
    """PostgreSQL backends serving ``database`` (their command line names it; shared background
    processes and other databases on the same server are left out)."""
    found = set()
    for pid in _all_pids():
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if cmdline.startswith("postgres: ") and f" {database} " in cmdline:
            found.add(pid)
    return found


@dataclass
class CpuProbe:
    """CPU seconds used by the server's processes, the database's backends and this client."""
    server_pid: int | None
    database: str | None

    def snapshot(self) -> dict[str, dict[int, float]]:
        groups = {"client": {os.getpid()}}
        if self.server_pid:
            groups["app"] = _descendants(self.server_pid)
        if self.database:
            groups["postgres"] = _backends_of(self.database)
        return {name: {pid: _cpu_seconds(pid) for pid in pids} for name, pids in groups.items()}

    @staticmethod
    def used(before: dict, after: dict) -> dict[str, float]:
        return {name: sum(t - before.get(name, {}).get(pid, 0.0) for pid, t in pids.items())
                for name, pids in after.items()}


def run_level(base, tokens: dict[str, str], clients: int, seconds: float, warmup: float,
              probe: CpuProbe) -> dict:
    """``clients`` threads for warmup + seconds; figures over the last ``seconds`` only."""
    stop = threading.Event()
    desks = [Client(base, tokens) for _ in range(clients)]
    errors: list[str] = []

    def loop(desk: Client) -> None:
        while not stop.is_set():
            try:
                desk.run_case()
            except (BenchError, OSError) as exc:
                errors.append(str(exc))
                time.sleep(0.2)  # do not spin on a broken server

    threads = [threading.Thread(target=loop, args=(d,), daemon=True) for d in desks]
    for t in threads:
        t.start()
    time.sleep(warmup)
    cpu_before, window_start = probe.snapshot(), time.monotonic()
    time.sleep(seconds)
    cpu_after, window_end = probe.snapshot(), time.monotonic()
    stop.set()
    for t in threads:
        t.join(120)
    samples = [s for d in desks for s in d.samples if window_start <= s.finished < window_end]
    result = summarize(samples, window_end - window_start, errors)
    result["cpu"] = CpuProbe.used(cpu_before, cpu_after)
    return result


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def summarize(samples: list[Sample], elapsed: float, errors: list[str]) -> dict:
    by_kind: dict[str, list[float]] = defaultdict(list)
    by_step: dict[str, list[float]] = defaultdict(list)
    statuses: Counter = Counter()
    for s in samples:
        by_kind[s.kind].append(s.ms)
        if s.step:
            by_step[s.step].append(s.ms)
        statuses[s.status] += 1
    done = sum(1 for s in samples if s.kind == "complete" and s.status == 200)
    return {"completions_per_s": done / elapsed, "requests_per_s": len(samples) / elapsed, "elapsed": elapsed,
            "latency": {k: (percentile(v, 0.50), percentile(v, 0.99), len(v)) for k, v in by_kind.items()},
            "steps": {k: (percentile(v, 0.50), max(v)) for k, v in by_step.items()},
            "statuses": dict(statuses), "errors": errors[:5], "error_count": len(errors)}


def print_level(clients: int, result: dict) -> None:
    print(f"\n{clients} client(s): {result['completions_per_s']:.1f} completions/s, "
          f"{result['requests_per_s']:.1f} requests/s, statuses {result['statuses']}")
    for kind in KINDS:
        if kind in result["latency"]:
            p50, p99, n = result["latency"][kind]
            print(f"  {kind:9} p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   n={n}")
    if result["steps"]:  # which steps the completions' time goes to (those issuing signed documents, mostly)
        print("  complete by step, p50/max ms: " + ", ".join(
            f"{step} {p50:.0f}/{top:.0f}" for step, (p50, top) in result["steps"].items()))
    cpu, done = result["cpu"], result["completions_per_s"] * result["elapsed"]
    print("  CPU " + ", ".join(f"{name} {t / result['elapsed']:.2f} cores ({t * 1000 / done:.1f} ms per completion)"
                               if done else f"{name} {t / result['elapsed']:.2f} cores" for name, t in cpu.items()))
    if result["error_count"]:
        print(f"  {result['error_count']} error(s), first: {result['errors']}")


# ------------------------------------------------------------------------------- a server of our own

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reset_database(url: str) -> None:
    """Drop and rebuild schema public of the scratch database, then migrate and load the demo data."""
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    env = server_env(url, 0)
    for args in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run([str(ROOT / ".venv/bin/flask"), *args], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)


def server_env(url: str, port: int) -> dict:
    return dict(os.environ, FLASK_APP="app", DATABASE_URL=url, PORT=str(port))


def start_server(url: str) -> tuple[subprocess.Popen, str]:
    """The command `make run` ends with: gunicorn and the scheduler under the supervisor."""
    port = free_port()
    proc = subprocess.Popen([str(ROOT / ".venv/bin/python"), "-m", "app.serve.supervise"], cwd=ROOT,
                            env=server_env(url, port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"the server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, base
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise BenchError("the server did not start within 60 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running server (else one is started on BENCH_DATABASE_URL)")
    parser.add_argument("--clients", default="1,8,16", help="comma-separated client counts")
    parser.add_argument("--seconds", type=float, default=20, help="measuring window per client count")
    parser.add_argument("--warmup", type=float, default=3, help="seconds before each window")
    parser.add_argument("--server-pid", type=int, help="with --url: the server's pid, to count its CPU")
    parser.add_argument("--database", help="with --url: the database's name, to count its backends' CPU")
    args = parser.parse_args()
    server = None
    if args.url:
        base_url = args.url
        probe = CpuProbe(args.server_pid, args.database)
    else:
        db_url = os.environ.get("BENCH_DATABASE_URL")
        if not db_url or not db_url.startswith("postgresql"):
            sys.exit("set BENCH_DATABASE_URL to a scratch PostgreSQL database (it is dropped), or pass --url")
        reset_database(db_url)
        server, base_url = start_server(db_url)
        probe = CpuProbe(server.pid, urllib.parse.urlsplit(db_url).path.lstrip("/"))
    try:
        base = urllib.parse.urlsplit(base_url)
        tokens = {role: sign_in(base, role) for role in ROLES}
        results = {}
        for n in (int(c) for c in args.clients.split(",")):
            results[n] = run_level(base, tokens, n, args.seconds, args.warmup, probe)
            print_level(n, results[n])
        report_ratios(results)
    finally:
        if server is not None:
            server.terminate()
            server.wait(60)


def report_ratios(results: dict[int, dict]) -> None:
    """Scaling against one client, and the figures beside issue 14's targets."""
    print()
    one = results.get(1, {}).get("completions_per_s")
    for n, result in results.items():
        if n != 1 and one:
            print(f"{n} clients / 1 client: {result['completions_per_s'] / one:.2f}x the completions/s")
    for n, target in TARGETS.items():
        if n in results:
            got = results[n]["completions_per_s"]
            p99 = results[n]["latency"].get("complete", (0, float("nan"), 0))[1]
            print(f"{n} client(s): {got:.1f} completions/s = {got / target:.2f}x the target of {target}/s"
                  f" (complete p99 {p99:.0f} ms)")


if __name__ == "__main__":
    main()
