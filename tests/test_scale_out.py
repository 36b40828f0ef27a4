"""Scale-out: two app servers (gunicorn, as `make run` starts them) and two schedulers on one PostgreSQL.
Clients alternate between the servers request by request, the database drops every connection halfway;
every completion is recorded exactly once and only one scheduler runs the jobs."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, func, select

from app.cases.models import Case
from app.extensions import db
from app.records.models import ExecutionRecord
from app.scheduler.jobs import JOBS
from app.scheduler.models import SchedulerLease, SchedulerRun
from tests.support import forms as f
from tests.support.processes import (
    call,
    free_port,
    healthy,
    sign_in,
    start_supervisor,
    stop,
    terminate_backends,
    wait_for,
)

pytestmark = pytest.mark.postgres_only

FORMS = {"receive": f.ACCEPT, "review": f.review(), "decide": f.DECIDE_GRANT, "deliver": f.deliver(),
         "publish": f.PUBLISH, "archive": f.ARCHIVE}
ROLES = ("clerk", "reviewer", "leader")  # who does the tasks of FORMS
APPLICANT = {"name": "鞍山示例食品有限公司", "type": "legal_person", "code": "91210300MA0QC4XB9B"}
CLIENTS, CASES_PER_CLIENT = 4, 2


class Desk:
    """One client: sends each request to the next server in turn; keeps every status it got."""

    def __init__(self, ports, tokens, halfway):
        self.ports, self.tokens, self.halfway = ports, tokens, halfway
        self.turn = 0
        self.statuses: list[tuple[str, int]] = []
        self.case_nos: list[str] = []

    def call(self, kind, method, path, user, body=None):
        self.turn += 1
        status, answer = call(self.ports[self.turn % 2], method, path, self.tokens[user], body)
        self.statuses.append((kind, status))
        assert status < 500, (kind, status, answer)
        return status, answer

    def run(self):
        for _ in range(CASES_PER_CLIENT):
            status, case = self.call("create", "POST", "/api/cases", "clerk",
                                     {"item": "XK-002", "applicant": APPLICANT, "facts": {}})
            assert status == 201, case
            self.case_nos.append(case["case_no"])
            tasks = case["tasks"]
            while tasks:
                task = tasks[0]
                if task["name"] == "publish":  # 公示 completes from the publication desk's action
                    status, now = self.call("complete", "POST", f"/api/cases/{case['case_no']}/publication/publish",
                                            "clerk", {})
                    assert status == 200, now
                    tasks = now["case"]["tasks"]
                    continue
                assert self.call("claim", "POST", f"/api/tasks/{task['id']}/claim", task["role"])[0] == 200
                status, done = self.call("complete", "POST", f"/api/tasks/{task['id']}/complete", task["role"],
                                         {"data": FORMS[task["name"]]})
                assert status == 200, done
                tasks = done["next_tasks"]
            self.halfway()


def test_two_app_servers_and_two_schedulers_on_one_postgresql(app, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        db.session.execute(delete(SchedulerRun))
        db.session.execute(delete(SchedulerLease))
        db.session.commit()
    ports = [free_port(), free_port()]
    logs = [tmp_path / f"node{n}.log" for n in (1, 2)]
    nodes = [start_supervisor(url, port, log) for port, log in zip(ports, logs)]
    try:
        for port, node, log in zip(ports, nodes, logs):
            wait_for(lambda: healthy(port) or node.poll() is not None, timeout=60, what=f"a server: {log}")
            assert node.poll() is None, log.read_text()
        tokens = {role: sign_in(ports[0], role) for role in ROLES}
        desks = drive(ports, tokens, url)
        wait_for(lambda: len(_runs(app)) >= len(JOBS), timeout=30, what="the jobs' first runs")
        while_both_ran = _runs(app)  # taken before a node stops: a stopping scheduler hands its lease over
    finally:
        statuses = [stop(node) for node in nodes]
    output = "\n".join(log.read_text() for log in logs)
    assert statuses == [0, 0], output
    assert "Traceback" not in output
    case_nos = [no for desk in desks for no in desk.case_nos]
    assert len(case_nos) == CLIENTS * CASES_PER_CLIENT
    assert all(status < 500 for desk in desks for _, status in desk.statuses)
    with app.app_context():
        for case_no in case_nos:
            case = db.session.scalar(select(Case).where(Case.case_no == case_no))
            completed = db.session.execute(select(ExecutionRecord.task_name, func.count()).where(
                ExecutionRecord.case_id == case.id, ExecutionRecord.action == "task_completed")
                .group_by(ExecutionRecord.task_name)).all()
            assert case.status == "completed" and dict(completed) == {name: 1 for name in FORMS}, (case_no, completed)
    assert len({run.holder for run in while_both_ran}) == 1, [(r.job, r.holder) for r in while_both_ran]
    assert {run.job for run in while_both_ran} >= set(JOBS)
    runs = sorted(_runs(app), key=lambda run: run.started_at)  # all of them, the hand-over at the stop included
    assert all(later.started_at >= earlier.finished_at for earlier, later in zip(runs, runs[1:])), \
        [(r.holder, r.job, r.started_at, r.finished_at) for r in runs]  # one at a time, never two at once


def drive(ports, tokens, url) -> list[Desk]:
    """CLIENTS desks at once. After each desk's first case they all pause, and the database drops every
    connection — idle in the pools of both servers' workers and of both schedulers. (A drop in the middle
    of an action that has written is a 503 the client cannot tell from a failure: that needs an
    idempotency key, not a retry.)"""
    dropped = []
    pause = threading.Barrier(CLIENTS, action=lambda: dropped.append(terminate_backends(url)))
    first_case_done = set()

    def halfway():
        if threading.get_ident() not in first_case_done:
            first_case_done.add(threading.get_ident())
            pause.wait(60)

    desks = [Desk(ports, tokens, halfway) for _ in range(CLIENTS)]
    errors: list[BaseException] = []

    def run(desk):
        try:
            desk.run()
        except BaseException as exc:  # noqa: BLE001 — reported by the test thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(desk,)) for desk in desks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    assert dropped and dropped[0] >= 2, dropped  # both servers' and both schedulers' connections were there
    return desks


def _runs(app) -> list[SchedulerRun]:
    with app.app_context():
        runs = list(db.session.scalars(select(SchedulerRun).where(SchedulerRun.finished_at.is_not(None))))
        db.session.expunge_all()
        return runs
