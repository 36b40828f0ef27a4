"""The script engine every workflow runs with: expressions only, through our own evaluator."""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import (
    BasePythonScriptEngineEnvironment,
)

from app.engine.expressions import compile_expression


class ScriptsNotAllowed(WorkflowTaskException):
    pass


class SafeEnvironment(BasePythonScriptEngineEnvironment):
    """Some Spiff features call the engine's environment directly (ad-hoc subprocess conditions, message
    correlations). Those are refused at deploy; this makes sure that even then no plain ``eval`` runs."""

    def evaluate(self, expression, context, external_context=None):
        return compile_expression(expression)({**context, **(external_context or {})})

    def execute(self, script, context, external_context=None):
        raise PermissionError("不允许执行脚本 / scripts are not allowed in this system")

    def call_service(self, context, **kwargs):
        raise PermissionError("不允许调用服务 / service calls are not allowed in this system")


class SafeScriptEngine(PythonScriptEngine):
    """Evaluates conditions, DMN cells and timer expressions; refuses to execute scripts."""

    def __init__(self):
        super().__init__(environment=SafeEnvironment())

    def validate(self, expression: str) -> None:
        # Spiff's DMN engine calls validate() and expects SyntaxError for cells like ">= 10000".
        compile_expression(expression)

    def evaluate(self, task, expression: str, external_context: dict | None = None) -> Any:
        try:
            evaluator = compile_expression(expression)
            if external_context:
                context = dict(task.data)
                context.update(external_context)
            else:
                context = task.data
            return evaluator(context)
        except WorkflowTaskException:
            raise
        except Exception as exc:  # NameError, TypeError, ForbiddenExpression ...
            raise WorkflowTaskException(
                f"表达式求值失败 / error evaluating expression '{expression}': {exc}", task=task, exception=exc)

    def execute(self, task, script: str, external_context: dict | None = None) -> bool:
        raise ScriptsNotAllowed("不允许执行脚本 / scripts are not allowed in this system", task=task)

    def call_service(self, task, **kwargs):
        raise ScriptsNotAllowed("不允许调用服务 / service calls are not allowed in this system", task=task)


SAFE_SCRIPT_ENGINE = SafeScriptEngine()
