from flask import g, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.api import bp
from app.api.helpers import load_json, login_required
from app.cases import access as case_access
from app.cases import service as case_service
from app.cases.models import TaskItem
from app.core.errors import Forbidden
from app.extensions import db
from app.schemas import (
    CompleteSchema,
    CompletionSchema,
    TaskDetailSchema,
    TaskListQuerySchema,
    TaskSchema,
)


@bp.get("/tasks")
@login_required
def list_tasks():
    """Open tasks from the projection (never the engine state): claimed by me, or open to my roles."""
    query = TaskListQuerySchema().load(request.args.to_dict())
    stmt = select(TaskItem).options(joinedload(TaskItem.case)).where(TaskItem.state == "READY")
    if query["scope"] == "mine":
        stmt = stmt.where(TaskItem.claimed_by == g.user.username)
    else:
        stmt = stmt.where(TaskItem.role.in_(sorted(g.user.roles)), TaskItem.claimed_by.is_(None))
    stmt = stmt.order_by(TaskItem.created_at, TaskItem.case_id).limit(query["limit"]).offset(query["offset"])
    return jsonify({"tasks": TaskSchema(many=True).dump(db.session.scalars(stmt))})


@bp.get("/tasks/<task_id>")
@login_required
def show_task(task_id: str):
    task = case_access.get_task(task_id)
    if not case_access.may_view_case(g.user, task.case):
        raise Forbidden.of("permission_denied")
    meta = case_access.task_meta(task)
    task.instructions = meta.instructions
    task.form = meta.form.to_dict()
    task.values = task.draft or {k: v for k, v in task.case.facts.items() if k in meta.form.by_name}
    return jsonify(TaskDetailSchema().dump(task))


@bp.post("/tasks/<task_id>/claim")
@login_required
def claim(task_id: str):
    return jsonify(TaskSchema().dump(case_service.claim_task(g.user, task_id)))


@bp.post("/tasks/<task_id>/release")
@login_required
def release(task_id: str):
    return jsonify(TaskSchema().dump(case_service.release_task(g.user, task_id)))


@bp.post("/tasks/<task_id>/complete")
@login_required
def complete(task_id: str):
    body = load_json(CompleteSchema())
    result = case_service.complete_task(g.user, task_id, body["data"])
    result.case.open_tasks = case_access.open_tasks(result.case)
    return jsonify(CompletionSchema().dump({
        "case": result.case, "task": result.task, "next_tasks": result.next_tasks,
        "message": result.message()}))
