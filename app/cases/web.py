"""The task list (home page), the task page with its form, claiming and releasing."""
from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import func, or_, select

from app.calendar.service import calendar
from app.cases import access as case_access
from app.cases import service as case_service
from app.cases.access import TASK_SCOPES, scoped_tasks
from app.cases.confidentiality import CONFIDENTIALITY_LABELS
from app.cases.models import Case, TaskItem
from app.cases.timeline import facts_for_display
from app.cases.web_forms import form_values, user_choices
from app.cases.web_panels import TASK_MAIN, TASK_PAGE, panels
from app.catalogue.models import ServiceItem
from app.core.clock import utcnow
from app.core.errors import InvalidData, ServiceError
from app.core.inputs import page_number
from app.core.vocabulary import status_label
from app.definitions.service import bundle_key, get_bundle, latest_versions
from app.extensions import db
from app.records.models import ExecutionRecord
from app.web import bp, current_user, login_required, register_templates, roles_required, safe_next

# The roles that work on cases (and so claim tasks).
WORKING_ROLES = ("clerk", "reviewer", "legal", "counsel", "secretary", "leader")

PAGE_SIZE = 25
COUNT_CAP = 1000  # a filtered list counts this many at most ("more than 1,000")
SORTS = {  # each order is total (no ties), and the default one is read straight from the index
    "waited": (TaskItem.created_at.asc(), TaskItem.case_id.asc()),
    "newest": (TaskItem.created_at.desc(), TaskItem.case_id.desc()),
    "due": (TaskItem.due_at.asc().nulls_last(), TaskItem.created_at.asc(), TaskItem.case_id.asc()),
    "case": (TaskItem.case_id.asc(),),  # case numbers are issued in id order (XK-<year>-<id>)
}


def init_app(app) -> None:
    register_templates(app, __name__)  # the task list, the task and case pages and their partials
    from app.engine.visibility import show_rule
    app.jinja_env.filters["show_rule"] = show_rule  # when a form field shows (app/static/staff.js)


def days_left(due: dt.date | None) -> int | None:
    """Working days from today to ``due`` (negative when past)."""
    return None if due is None else calendar().workdays_between(dt.date.today(), due)


@bp.get("/")
@login_required
def task_list():
    """Reads the task projection only (never the engine state), so it stays fast with many open cases."""
    user = current_user()
    args = request.args
    # count(*) and case_id: both answered from the (partial) indexes alone, without reading the rows
    counts = {s: db.session.scalar(scoped_tasks(select(func.count()).select_from(TaskItem), s, user))
              for s in TASK_SCOPES}
    # Without a choice: my claimed tasks first; when I hold none, what I can take.
    scope = args.get("scope") if args.get("scope") in TASK_SCOPES else ("mine" if counts["mine"] else "available")
    sort = args.get("sort") if args.get("sort") in SORTS else "waited"
    page = args.get("page", 1, type=page_number)
    step, item, q = args.get("step", ""), args.get("item", ""), args.get("q", "").strip()
    major = args.get("major", "")

    items = db.session.scalars(select(ServiceItem).order_by(ServiceItem.code)).all()
    conditions = [TaskItem.name == step] if step else []
    if item:  # by the case's own column: the count then joins no third table
        conditions.append(Case.item_id == next((i.id for i in items if i.code == item), None))
    if major in ("1", "0"):
        conditions.append(Case.is_major.is_(major == "1"))
    if q:
        # a state-secret case's applicant is not listed, so not searchable either
        conditions.append(or_(_contains(Case.case_no, q), (Case.confidentiality != "state_secret")
                              & _contains(Case.applicant_name, q)))
    joined = scoped_tasks(select(TaskItem, Case, ServiceItem).join(Case, TaskItem.case_id == Case.id)
                          .join(ServiceItem, Case.item_id == ServiceItem.id), scope, user).where(*conditions)
    offset = (page - 1) * PAGE_SIZE
    rows = db.session.execute(joined.order_by(*SORTS[sort]).limit(PAGE_SIZE).offset(offset)).all()
    if len(rows) == PAGE_SIZE or (page > 1 and not rows):
        total = _total(joined, conditions, step, scope, user, counts[scope])
        capped = bool(conditions) and total > COUNT_CAP
    else:  # a short page is the last one: no count needed
        total, capped = offset + len(rows), False
    return render_template(
        "tasks.html", rows=rows, total=total, page=page, pages=_pages(total, capped, page, len(rows)), capped=capped,
        count_cap=COUNT_CAP,
        scope=scope, sort=sort, step=step, item=item, q=q, major=major, counts=counts, now=utcnow(),
        steps=_steps_for(user), items=items,
        days_left=days_left, listed_applicant=case_access.listed_applicant)


def _pages(total: int, capped: bool, page: int, listed: int) -> int:
    """How many pages; past a capped count, as far as there is a next page."""
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    if capped:
        pages = max(pages, page + 1 if listed == PAGE_SIZE else page)
    return pages


def _contains(column, text: str):
    """``column`` contains ``text`` (``%`` and ``_`` in it taken literally), ignoring case. On PostgreSQL ILIKE,
    which the trigram indexes answer; on SQLite LIKE, which already ignores ASCII case (its ILIKE wraps both
    sides in lower(): a third slower)."""
    if db.engine.dialect.name == "sqlite":
        return column.contains(text, autoescape=True)
    return column.icontains(text, autoescape=True)


def _total(joined, conditions: list, step: str, scope: str, user, scope_count: int) -> int:
    """The number of listed tasks: the scope's count when nothing filters, else counted up to
    ``COUNT_CAP`` + 1 (a filter matching thousands would join and count them all on every page, the most of
    the page's time at 100,000 open cases; "more than 1,000" serves the reader as well) — from the projection's
    index alone when only the step filters."""
    if not conditions:
        return scope_count
    counted = joined.with_only_columns(TaskItem.case_id) if len(conditions) > bool(step) else \
        scoped_tasks(select(TaskItem.case_id), scope, user).where(*conditions)
    return db.session.scalar(select(func.count()).select_from(counted.order_by(None).limit(COUNT_CAP + 1).subquery()))


def _steps_for(user) -> list[tuple[str, str]]:
    """The user tasks of the deployed diagrams that the user's roles work on (for the step filter)."""
    latest = latest_versions()
    if not latest:
        return []
    bundle = get_bundle(bundle_key(v.id for v in latest.values()))
    seen = {}
    for meta in bundle.tasks.values():
        if meta.role in user.roles or user.has_role("supervisor"):
            seen.setdefault(meta.task_id, meta.title)
    return sorted(seen.items(), key=lambda kv: kv[1])


def _render_task(task: TaskItem, values: dict, errors: dict | None = None, status: int = 200):
    meta = case_access.task_meta(task)
    user = current_user()
    return render_template(
        "task.html", task=task, case=task.case, meta=meta, form=meta.form, values=values, errors=errors or {},
        users=user_choices(meta.form), may_act=user.has_role(task.role),
        facts=facts_for_display(task.case.facts, get_bundle(task.case.bundle)),
        status_label=status_label, class_labels=CONFIDENTIALITY_LABELS, held_since=_held_since(task),
        **panels(TASK_PAGE, task, user),
        **panels(TASK_MAIN, task, user)), status


def _held_since(task: TaskItem) -> dt.datetime | None:
    """When the task's holder got it: their claim, or the reassignment that gave it to them."""
    if not task.claimed_by:
        return None
    return db.session.scalar(select(ExecutionRecord.ts).where(
        ExecutionRecord.case_id == task.case_id, ExecutionRecord.task_id == task.id,
        ExecutionRecord.action.in_(("task_claimed", "task_reassigned"))).order_by(ExecutionRecord.seq.desc()).limit(1))


@bp.get("/tasks/<task_id>")
@login_required
def task_page(task_id: str):
    task = case_access.task_for_viewer(current_user(), task_id)
    if task.state != "READY":
        flash(_("该任务已办结"), "info")
        return redirect(url_for("web.case_page", case_no=task.case.case_no))
    meta = case_access.task_meta(task)
    values = task.draft or {k: v for k, v in task.case.facts.items() if k in meta.form.by_name}
    for f in meta.form.fields:
        if f.default is not None and f.name not in values:
            values[f.name] = f.default
    return _render_task(task, values)


@bp.post("/tasks/<task_id>")
@login_required
def submit_task(task_id: str):
    """A refused submission shows the form again, with what was typed and why (the field errors)."""
    user = current_user()
    task = case_access.task_for_viewer(user, task_id)
    values = form_values(case_access.task_meta(task).form, request.form)
    try:
        if request.form.get("action") == "draft":
            case_service.save_draft(user, task_id, values)
            flash(_("草稿已保存"), "success")
            return redirect(url_for("web.task_page", task_id=task_id))
        result = case_service.complete_task(user, task_id, values)
    except InvalidData as exc:
        db.session.rollback()
        return _render_task(case_access.task_for_viewer(user, task_id), values,
                            exc.fields or {"_": [exc.message]}, 422)
    except ValidationError as exc:
        db.session.rollback()
        return _render_task(case_access.task_for_viewer(user, task_id), values, exc.messages, 422)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        task = case_access.task_for_viewer(user, task_id)
        if task.state != "READY":
            return redirect(url_for("web.task_list"))
        return _render_task(task, values, None, exc.status)
    flash(result.message(), "success")
    if request.form.get("action") == "submit_next" and (following := _next_task(user, task_id)):
        return redirect(url_for("web.task_page", task_id=following))
    return redirect(url_for("web.task_list"))


def _next_task(user, done_id: str) -> str | None:
    """提交并办理下一件: my oldest claimed task, else the oldest I may claim (the list's default order)."""
    for scope in TASK_SCOPES:
        following = db.session.scalar(scoped_tasks(select(TaskItem.id), scope, user)
                                      .where(TaskItem.id != done_id).order_by(*SORTS["waited"]).limit(1))
        if following:
            return following
    return None


@bp.post("/tasks/<task_id>/claim")
@login_required
def claim(task_id: str):
    case_service.claim_task(current_user(), task_id)
    flash(_("已认领任务"), "success")
    return redirect(safe_next(request.form.get("next")))


@bp.post("/tasks/claim")
@roles_required(*WORKING_ROLES)
def claim_batch():
    """认领所选: each chosen task claimed in its own action (one taken meanwhile does not undo the others)."""
    ids = request.form.getlist("task_id")[:PAGE_SIZE]
    if not ids:
        flash(_("请先勾选要认领的任务"), "error")
        return redirect(url_for("web.task_list", scope="available"))
    claimed, refused = 0, []
    for task_id in ids:
        try:
            case_service.claim_task(current_user(), task_id)
            claimed += 1
        except ServiceError as exc:
            db.session.rollback()
            refused.append(exc.message)
    flash(_("已认领 %(n)d 件", n=claimed), "success" if claimed else "error")
    if refused:
        flash(_("%(n)d 件未能认领：%(why)s", n=len(refused), why="；".join(sorted(set(refused)))), "warning")
    return redirect(url_for("web.task_list", scope="mine"))


@bp.post("/tasks/<task_id>/release")
@login_required
def release(task_id: str):
    case_service.release_task(current_user(), task_id)
    flash(_("已释放任务"), "success")
    return redirect(safe_next(request.form.get("next")))
