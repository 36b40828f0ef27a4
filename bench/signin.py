"""Sign-in and the per-request session check: the figures docs/security.md speaks of.

    .venv/bin/python bench/signin.py [--rounds 20]

Prints the median time of ``POST /api/auth/token`` with the production hash (scrypt) for a real user with
a wrong password, an unknown user (the dummy hash) and the right password — the first two must be alike —
and the median cost of checking a bearer token (one indexed look-up) against an unauthenticated request.
Each attempt comes from its own address and the account is unlocked as it goes, so the throttle stays out of
the way. A scratch SQLite file (or BENCH_DATABASE_URL, whose schema ``public`` is dropped and rebuilt).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def median_ms(run, rounds: int) -> float:
    times = []
    for i in range(rounds):
        start = time.perf_counter()
        run(i)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from app import create_app
    from app.demo.service import load_demo_users
    from app.extensions import db
    from app.users.models import LoginAttempt

    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/signin.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "LOGIN_ACCOUNT_MAX_FAILURES": 10 ** 6},
                     instance_path=tempfile.mkdtemp())
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        upgrade(directory=str(ROOT / "migrations"))
        load_demo_users()  # with the configured hash: scrypt
    client = app.test_client()

    def attempt(username, password):
        return lambda i: client.post("/api/auth/token", json={"username": username, "password": password},
                                     environ_base={"REMOTE_ADDR": f"10.1.{i // 250}.{i % 250}"})

    print(f"sign-in, median of {args.rounds} ({url.split(':')[0]}, {app.config['PASSWORD_HASH_METHOD']}):")
    # interleaved, so that a busy machine slows all three alike
    runs = {"wrong": attempt("reviewer", "not the password"), "unknown": attempt("no-such-user", "not the password"),
            "right": attempt("legal", "demo")}
    times: dict[str, list[float]] = {name: [] for name in runs}
    for i in range(args.rounds):
        for name, run in runs.items():
            start = time.perf_counter()
            run(i * 3 + len(times[name]) % 3)
            times[name].append((time.perf_counter() - start) * 1000)
    wrong, unknown, right = (statistics.median(times[name]) for name in ("wrong", "unknown", "right"))
    print(f"  wrong password   {wrong:7.1f} ms")
    print(f"  unknown user     {unknown:7.1f} ms   (ratio to wrong password {unknown / wrong:.2f})")
    print(f"  right password   {right:7.1f} ms")
    with app.app_context():
        print(f"  attempts recorded: {db.session.query(LoginAttempt).count()}")

    token = client.post("/api/auth/token", json={"username": "clerk", "password": "demo"}).get_json()["token"]
    rounds = args.rounds * 10
    anonymous = median_ms(lambda i: client.get("/api/service-items"), rounds)
    signed = median_ms(lambda i: client.get("/api/service-items", headers={"Authorization": f"Bearer {token}"}),
                       rounds)
    print(f"request, median of {rounds}: without a token {anonymous:.2f} ms (401), with one {signed:.2f} ms "
          f"(200: the token check and the page)")
    from app.users.auth import API, session_user
    with app.app_context():
        def check(i):
            db.session.remove()  # like a request: a fresh session, nothing cached
            assert session_user(token, API) is not None
        print(f"the token check alone (one indexed look-up, the user and roles): {median_ms(check, rounds):.2f} ms")


if __name__ == "__main__":
    main()
