"""The kernel on the JSON API: a case, its records and their check; the task lists, a task with its form,
claiming, releasing and completing it."""
from flask import g, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.api import bp
from app.api.helpers import load_json, login_required
from app.api.openapi import register_openapi
from app.cases import access as case_access
from app.cases import service as case_service
from app.cases.models import TaskItem
from app.cases.schemas import (
    CaseSchema,
    CompleteSchema,
    CompletionSchema,
    RecordListSchema,
    RecordSchema,
    RecordsQuerySchema,
    TaskDetailSchema,
    TaskListQuerySchema,
    TaskListSchema,
    TaskSchema,
    VerifySchema,
    dump_case,
)
from app.extensions import db
from app.cases.verify import verify_case_fully
from app.records.models import ExecutionRecord


# One instance of each schema for every request (building one costs more than a dump: measured in the
# profile of docs/performance.md); marshmallow schemas keep no state between dumps.
_TASK, _TASK_DETAIL, _TASK_LIST, _COMPLETION = TaskSchema(), TaskDetailSchema(), TaskListSchema(), CompletionSchema()
_COMPLETE = CompleteSchema()


@bp.get("/cases/<case_no>")
@login_required
def show_case(case_no: str):
    return jsonify(dump_case(case_access.case_for_viewer(g.user, case_no)))


@bp.get("/cases/<case_no>/records")
@login_required
def case_records(case_no: str):
    case = case_access.case_for_viewer(g.user, case_no)
    after = RecordsQuerySchema().load(request.args.to_dict())["after_seq"]
    records = db.session.scalars(select(ExecutionRecord).where(
        ExecutionRecord.case_id == case.id, ExecutionRecord.seq > after).order_by(ExecutionRecord.seq))
    return jsonify(RecordListSchema().dump({"case_no": case.case_no, "records": records}))


@bp.get("/cases/<case_no>/records/verify")
@login_required
def verify_case_records(case_no: str):
    return jsonify(VerifySchema().dump(verify_case_fully(case_access.case_for_viewer(g.user, case_no)).to_dict()))


@bp.get("/tasks")
@login_required
def list_tasks():
    """Open tasks from the projection (never the engine state): claimed by me, or open to my roles."""
    query = TaskListQuerySchema().load(request.args.to_dict())
    stmt = case_access.scoped_tasks(select(TaskItem).options(joinedload(TaskItem.case)), query["scope"], g.user)
    stmt = stmt.order_by(TaskItem.created_at, TaskItem.case_id).limit(query["limit"]).offset(query["offset"])
    return jsonify(_TASK_LIST.dump({"tasks": db.session.scalars(stmt)}))


@bp.get("/tasks/<task_id>")
@login_required
def show_task(task_id: str):
    task = case_access.task_for_viewer(g.user, task_id)
    meta = case_access.task_meta(task)
    task.instructions = meta.instructions
    task.form = meta.form.to_dict()
    task.values = task.draft or {k: v for k, v in task.case.facts.items() if k in meta.form.by_name}
    return jsonify(_TASK_DETAIL.dump(task))


@bp.post("/tasks/<task_id>/claim")
@login_required
def claim(task_id: str):
    return jsonify(_TASK.dump(case_service.claim_task(g.user, task_id)))


@bp.post("/tasks/<task_id>/release")
@login_required
def release(task_id: str):
    return jsonify(_TASK.dump(case_service.release_task(g.user, task_id)))


@bp.post("/tasks/<task_id>/complete")
@login_required
def complete(task_id: str):
    body = load_json(_COMPLETE)
    result = case_service.complete_task(g.user, task_id, body["data"])
    result.case.open_tasks = case_access.open_tasks(result.case)
    return jsonify(_COMPLETION.dump({
        "case": result.case, "task": result.task, "next_tasks": result.next_tasks,
        "message": result.message()}))


SCHEMAS = (CaseSchema, TaskSchema, TaskDetailSchema, CompleteSchema, CompletionSchema, RecordSchema, VerifySchema,
           RecordListSchema, TaskListSchema)


def openapi_parts(op, component, path_param) -> tuple[dict, dict]:
    task, case = [path_param("task_id")], [path_param("case_no")]
    paths = {
        "/api/cases/{case_no}": {"get": op("A case with its open tasks", CaseSchema, params=case)},
        "/api/cases/{case_no}/records": {"get": op("The case's execution records", RecordListSchema, params=case,
                                                   query=RecordsQuerySchema)},
        "/api/cases/{case_no}/records/verify": {"get": op("Recompute the case's hash chain", VerifySchema,
                                                          params=case)},
        "/api/tasks": {"get": op("Open tasks: scope=mine (claimed by me) or available (open to my roles)",
                                 TaskListSchema, query=TaskListQuerySchema)},
        "/api/tasks/{task_id}": {"get": op("A task with its form", TaskDetailSchema, params=task)},
        "/api/tasks/{task_id}/claim": {"post": op("Claim a task", TaskSchema, params=task)},
        "/api/tasks/{task_id}/release": {"post": op("Release a claimed task", TaskSchema, params=task)},
        "/api/tasks/{task_id}/complete": {"post": op("Complete a task with its form data", CompletionSchema,
                                                     body=CompleteSchema, params=task)},
    }
    return paths, {cls.__name__.removesuffix("Schema"): component(cls) for cls in SCHEMAS}


register_openapi(openapi_parts)
