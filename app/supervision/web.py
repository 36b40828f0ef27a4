"""The supervisor's desk (督办台): late, nearly late, stuck and broken work; the per-step picture with
charts and diagrams; the monthly on-time rate; and the supervisor's actions on a case. Supervisors only."""
from __future__ import annotations

import datetime as dt
import json

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from app.bpmn.svg import render_svg
from app.calendar.service import calendar
from app.cases import access as case_access
from app.cases.models import TaskItem
from app.catalogue.models import ServiceItem
from app.core.clock import china_time_text, china_today, utcnow
from app.core.errors import ServiceError
from app.core.exports import csv_bytes
from app.core.inputs import page_number
from app.core.vocabulary import TERMINAL_STATUSES, status_label
from app.extensions import db
from app.records.models import ExecutionRecord
from app.supervision import actions, lists, stats
from app.supervision.charts import on_time_chart, steps_chart, wait_text
from app.web import bp, current_user, register_templates, roles_required

PAGE_SIZE = 50
VIEWS = {"overdue": "overdue", "due-soon": "due_soon", "stuck": "stuck", "broken": "broken", "open": "open"}
PICTURES = ("steps", "on-time")


def init_app(app) -> None:
    register_templates(app, __name__)  # supervision.html, supervision_case.html


def _view_titles() -> dict[str, str]:
    return {"overdue": _("已超期"), "due-soon": _("两个工作日内到期"), "stuck": _("停滞案件"),
            "broken": _("流程异常"), "open": _("全部在办"), "steps": _("环节分析"), "on-time": _("按时办结率")}


def _problem_label(problem: str | None) -> str:
    return {"engine_error": _("流程执行出错"), "no_open_task": _("无待办任务且无定时器")}.get(problem or "", "")


# ------------------------------------------------------------------------------------------ the desk

@bp.get("/supervision")
@roles_required("supervisor")
def supervision():
    view = request.args.get("view", "overdue")
    if view not in VIEWS and view not in PICTURES:
        view = "overdue"
    today = china_today()
    counts = lists.counts(today)
    common = {"view": view, "titles": _view_titles(), "counts": {k: counts[v] for k, v in VIEWS.items()},
              "today": today}
    if view == "steps":
        return render_template("supervision.html", **common, **_steps_context())
    if view == "on-time":
        months = stats.on_time_rates(today)
        return render_template("supervision.html", **common, months=months, chart=on_time_chart(months))

    filters = lists.Filters.from_args(request.args)
    rows = lists.LIST_FUNCTIONS[VIEWS[view]](filters, today)
    if request.args.get("format") == "csv":
        return _csv(view, rows, today)
    page = request.args.get("page", 1, type=page_number)
    pages = max((len(rows) + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render_template(
        "supervision.html", **common, rows=rows[(page - 1) * PAGE_SIZE:page * PAGE_SIZE], total=len(rows),
        page=page, pages=pages, cut=len(rows) >= lists.MAX_ROWS, filters=filters,
        filter_args={"item": filters.item or "", "step": filters.step or "", "major": request.args.get("major", "")},
        steps=lists.step_choices(), items=db.session.scalars(select(ServiceItem).order_by(ServiceItem.code)).all(),
        status_label=status_label, problem_label=_problem_label, wait_text=wait_text, now=utcnow(),
        stuck_workdays=lists.stuck_workdays())


def _steps_context() -> dict:
    groups = stats.step_stats()
    diagrams = []
    for d in stats.diagram_counts():
        try:
            svg = render_svg(stats.diagram_content(d.version_id), counts=d.counts,
                             link=lambda el, c=d.counts: url_for("web.supervision", view="open", step=el)
                             if el in c else None,
                             title=f"{d.name} v{d.version}")
        except ValueError:  # a diagram without layout: the table above still has its numbers
            continue
        diagrams.append((d, Markup(svg)))
    return {"groups": [(g, steps_chart(g)) for g in groups], "diagrams": diagrams, "wait_text": wait_text}


# ------------------------------------------------------------------------------------------ CSV

def _yes_no(value: bool) -> str:
    return _("是") if value else _("否")


def _csv_columns(view: str) -> list[tuple[str, object]]:
    columns = [
        (_("类型"), lambda r: _("任务") if r.kind == "task" else _("案件")),
        (_("案件编号"), lambda r: r.case_no),
        (_("事项编码"), lambda r: r.item),
        (_("事项"), lambda r: r.item_name),
        (_("重大"), lambda r: _yes_no(r.is_major)),
        (_("状态"), lambda r: status_label(r.status) + (f"（{_('已中止')}）" if r.suspended else "")),
        (_("环节"), lambda r: r.step_title or ""),
        (_("办理人"), lambda r: r.assignee or ""),
        (_("到期日"), lambda r: r.due.isoformat() if r.due else ""),
        (_("期限已确认"), lambda r: _yes_no(r.due_confirmed) if r.due else ""),
    ]
    if view in ("overdue", "open"):
        columns.append((_("超期工作日"), lambda r: "" if r.days_overdue is None else r.days_overdue))
    if view in ("due-soon", "open"):
        columns.append((_("剩余工作日"), lambda r: "" if r.days_left is None else r.days_left))
    if view == "stuck":
        columns += [(_("停滞工作日"), lambda r: r.idle_workdays),
                    (_("最后变动"), lambda r: china_time_text(r.last_change))]
    if view == "broken":
        columns += [(_("问题"), lambda r: _problem_label(r.problem)), (_("错误信息"), lambda r: r.engine_error or "")]
    return columns


def _csv(view: str, rows: list[lists.Row], today: dt.date) -> Response:
    columns = _csv_columns(view)
    body = csv_bytes([[title for title, _get in columns]] + [[get(row) for _title, get in columns] for row in rows])
    name = f"supervision-{view}-{today.isoformat()}.csv"
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


# ------------------------------------------------------------------------------------------ one case

def _render_case(case_no: str, status: int = 200, errors: dict | None = None, values: dict | None = None):
    case = case_access.case_for_viewer(current_user(), case_no)  # a state-secret case needs a leader's grant
    tasks = case_access.open_tasks(case)
    records = db.session.scalars(select(ExecutionRecord).where(
        ExecutionRecord.case_id == case.id, ExecutionRecord.action.in_(actions.SUPERVISION_ACTIONS))
        .order_by(ExecutionRecord.seq.desc())).all()
    stalled = case.status not in TERMINAL_STATUSES and case.next_timer_at is None and not tasks
    return render_template(
        "supervision_case.html", case=case, tasks=tasks, errors=errors or {}, values=values or {},
        users={task.role: actions.assignable_users(task.role) for task in tasks}, today=china_today(),
        records=[(r, json.loads(r.payload)) for r in records], may_retry=bool(case.engine_error) or stalled,
        stalled=stalled, status_label=status_label, days_between=_days_between,
        terminal=TERMINAL_STATUSES), status


def _days_between(a: dt.date | None, b: dt.date | None) -> int | None:
    if a is None or b is None:
        return None
    return calendar().workdays_between(a, b)


@bp.get("/supervision/cases/<case_no>")
@roles_required("supervisor")
def supervision_case(case_no: str):
    return _render_case(case_no)


def _act(case_no: str, form_name: str, run, done):
    """Run a supervisor action; on success back to the case's desk page, else the page with the error.
    (Not the shared adapter: the form is shown again with its field errors and what was typed.)"""
    try:
        result = run()
    except ServiceError as exc:
        db.session.rollback()
        errors = dict(exc.fields or {})
        if "reason" not in errors:  # a reason error shows beside the field; anything else above the form
            errors["_"] = [exc.message]
        return _render_case(case_no, exc.status, {form_name: errors}, {form_name: dict(request.form)})
    message, category = done(result)
    flash(message, category)
    return redirect(url_for("web.supervision_case", case_no=case_no))


@bp.post("/supervision/tasks/<task_id>/reassign")
@roles_required("supervisor")
def supervision_reassign(task_id: str):
    task = db.session.get(TaskItem, task_id)
    if task is None:
        abort(404)
    case_no = task.case.case_no
    to = request.form.get("to", "")
    return _act(case_no, f"reassign-{task_id}",
                lambda: actions.reassign_task(current_user(), task_id, to, request.form.get("reason", "")),
                lambda t: (_("已将“%(step)s”改派给 %(user)s", step=t.title, user=t.claimed_by), "success"))


@bp.post("/supervision/cases/<case_no>/note")
@roles_required("supervisor")
def supervision_note(case_no: str):
    return _act(case_no, "note", lambda: actions.add_note(current_user(), case_no, request.form.get("reason", "")),
                lambda c: (_("督办意见已记录"), "success"))


@bp.post("/supervision/cases/<case_no>/suspend")
@roles_required("supervisor")
def supervision_suspend(case_no: str):
    reason = request.form.get("reason", "")
    return _act(case_no, "suspend", lambda: actions.suspend_case(current_user(), case_no, reason),
                lambda c: (_("案件已中止办理"), "success"))


@bp.post("/supervision/cases/<case_no>/resume")
@roles_required("supervisor")
def supervision_resume(case_no: str):
    reason = request.form.get("reason", "")
    return _act(case_no, "suspend", lambda: actions.resume_case(current_user(), case_no, reason),
                lambda c: (_("案件已恢复办理"), "success"))


@bp.post("/supervision/cases/<case_no>/retry")
@roles_required("supervisor")
def supervision_retry(case_no: str):
    def done(result):
        if result["error"]:
            return _("重试后流程仍然出错：%(e)s", e=result["error"]), "error"
        return _("已重试，流程推进了 %(n)d 步", n=result["transitions"]), "success"
    return _act(case_no, "retry", lambda: actions.retry_case(current_user(), case_no, request.form.get("reason", "")),
                done)
