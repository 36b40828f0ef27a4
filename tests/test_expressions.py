"""The expression-only evaluator and the script engine built on it: what evaluates, what is refused."""
from __future__ import annotations

import signal
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.util.task import TaskState

from app.engine.definitions import compile_bundle, read_source
from app.engine.expressions import (
    MAX_EXPRESSION_LENGTH,
    ForbiddenExpression,
    compile_expression,
    evaluate,
    is_safe_variable_name,
)
from app.engine.runtime import new_workflow
from app.engine.script_engine import (
    SAFE_SCRIPT_ENGINE,
    SafeScriptEngine,
    ScriptsNotAllowed,
)

ROOT = Path(__file__).resolve().parents[1]
REFUSED = (ForbiddenExpression, SyntaxError)


@contextmanager
def time_limit(seconds: float):
    """Fail (instead of hanging the suite) when the body runs longer than ``seconds``."""
    def on_alarm(signum, frame):
        raise TimeoutError(f"took longer than {seconds}s")
    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class Tripwire:
    """A context value that records any attempt to use it: proves a refused expression never ran."""

    def __init__(self):
        self.touched = []

    def __call__(self, *args, **kwargs):
        self.touched.append(("call", args, kwargs))
        return 0

    def __getattr__(self, name):
        self.touched.append(("getattr", name))
        return self

    def __getitem__(self, key):
        self.touched.append(("getitem", key))
        return self


# ------------------------------------------------------------------------------------------ evaluates

CONTEXT = {
    "outcome": "accept", "investment": 12000.5, "n": 7, "flag": True, "none": None,
    "items": [3, 1, 2], "facts": {"category": "general", "scores": [1, 2]}, "text": "abc",
}


@pytest.mark.parametrize("expression, expected", [
    ("outcome == 'accept'", True),
    ("outcome != 'accept'", False),
    ("investment >= 10000", True),
    ("investment < 10000", False),
    ("0 < n <= 7", True),
    ("0 < n < 7", False),
    ("1 < 2 > 3", False),  # chained: 1 < 2 and 2 > 3
    ("flag and n > 5", True),
    ("flag and n > 10", False),
    ("not flag or n == 7", True),
    ("n and 'yes'", "yes"),  # and/or return an operand, as in Python
    ("0 or none or 'fallback'", "fallback"),
    ("outcome in ['accept', 'correct']", True),
    ("outcome not in ('reject',)", True),
    ("'b' in text", True),
    ("'category' in facts", True),
    ("none is None", True),
    ("none is not None", False),
    ("'big' if investment >= 10000 else 'small'", "big"),
    ("'big' if investment >= 1e9 else 'small'", "small"),
    ("1 + 2 * 3 - 4 / 2", 5.0),
    ("(1 + 2) * 3", 9),
    ("7 // 2", 3),
    ("7 % 3", 1),
    ("2 ** 10", 1024),
    ("-n + +3", -4),
    ("'ab' + 'cd'", "abcd"),
    ("'ab' * 3", "ababab"),
    ("[1, n, 'x']", [1, 7, "x"]),
    ("(1, 2)", (1, 2)),
    ("{1, 2, 2}", {1, 2}),
    ("{'a': n, 'b': [1]}", {"a": 7, "b": [1]}),
    ("items[0]", 3),
    ("items[-1]", 2),
    ("facts['category']", "general"),
    ("facts['scores'][1]", 2),
    ("text[1]", "b"),
    ("len(items)", 3),
    ("min(items)", 1),
    ("max(items)", 3),
    ("min(4, 9)", 4),
    ("abs(-2.5)", 2.5),
    ("round(2.567, 2)", 2.57),
    ("int('42') + int(2.9)", 44),
    ("float('1.5')", 1.5),
    ("str(n)", "7"),
    ("bool(0)", False),
    ("sum(items)", 6),
    ("sum([0.5, 0.5], 1)", 2.0),
    ("any([0, none, n])", True),
    ("all([1, flag, none])", False),
    ("True", True),
    ("None", None),
    ("  investment > 1  ", True),  # surrounding whitespace (as in XML text) is ignored
])
def test_allowed_expressions_evaluate_like_python(expression, expected):
    assert evaluate(expression, CONTEXT) == expected


def test_boolean_operators_short_circuit():
    # the right-hand sides would raise if they were evaluated
    assert evaluate("False and 1 / 0", {}) is False
    assert evaluate("True or 1 / 0", {}) is True
    assert evaluate("0 and missing", {}) == 0
    assert evaluate("'x' or missing", {}) == "x"
    assert evaluate("1 if True else 1 / 0", {}) == 1
    assert evaluate("missing if False else 2", {}) == 2
    with pytest.raises(ZeroDivisionError):
        evaluate("True and 1 / 0", {})
    with pytest.raises(NameError):
        evaluate("False or missing", {})


def test_a_chained_comparison_stops_at_the_first_false_step():
    assert evaluate("1 > 2 < missing", {}) is False
    with pytest.raises(NameError):
        evaluate("1 < 2 < missing", {})


def test_context_variables_shadow_function_names_but_calls_use_the_allowed_function():
    assert evaluate("len", {"len": 5}) == 5
    assert evaluate("len([1, 2])", {"len": Tripwire()}) == 2


def test_unknown_variables_raise_name_error():
    with pytest.raises(NameError):
        evaluate("no_such_variable == 1", {})


def test_compiled_expressions_are_cached_by_text():
    assert compile_expression("n + 1") is compile_expression("n + 1")


# ------------------------------------------------------------------------------------------ refused

WRAP_CLOSE_ESCAPE = (
    "[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == '_wrap_close'][0]"
    ".__init__.__globals__['system']('touch /tmp/pwned')"
)
WRAP_CLOSE_ESCAPE_NO_COMPREHENSION = (
    "().__class__.__base__.__subclasses__()[0].__init__.__globals__['getcwd']()"
)


@pytest.mark.parametrize("expression", [
    "__import__('os').getcwd()",
    "__import__",
    "().__class__.__base__.__subclasses__()",
    "().__class__",
    WRAP_CLOSE_ESCAPE,
    WRAP_CLOSE_ESCAPE_NO_COMPREHENSION,
    "x.upper()",
    "x.upper",
    "facts.keys",
    "(1).real",
    "'{0.__class__}'.format(1)",
    "_x",
    "_",
    "__builtins__",
    "__builtins__['eval']('1')",
    "lambda: 1",
    "(lambda x: x)(1)",
    "[i for i in [1, 2]]",
    "{i for i in [1, 2]}",
    "{i: i for i in [1, 2]}",
    "(i for i in [1, 2])",
    "any(i for i in [1])",
    "(y := 1)",
    "[y := 1, y]",
    "f'{open(\"/etc/passwd\")}'",
    "f'{x}'",
    "open('/etc/passwd')",
    "eval('1')",
    "exec('1')",
    "compile('1', 'f', 'eval')",
    "getattr(x, 'upper')",
    "setattr(x, 'a', 1)",
    "globals()",
    "vars()",
    "type(1)",
    "items[1:2]",
    "items[::2]",
    "items[1, 2:3]",
    "len(x=1)",
    "max(items, key=abs)",
    "max(*items)",
    "len(**facts)",
    "{**facts}",
    "items()",
    "[len][0](items)",
    "b'bytes'",
    "1j",
    "...",
    "x @ y",
    "1 << 2",
    "1 | 2",
    "~1",
    "x = 1",
    "import os",
    "await x",
    "yield",
    "",
    "1 +",
    "outcome == = 'accept'",
])
def test_attacks_and_unsupported_constructs_are_refused_at_compile_time(expression):
    with pytest.raises(REFUSED):
        compile_expression(expression)


@pytest.mark.parametrize("expression", [
    "obj.fire()", "obj.fire", "obj['x']()", "open('/etc/passwd')", "eval('1')", "exec('1')",
    "getattr(obj, 'fire')()", "obj(1)", "[obj][0]()", "len(obj())", "any([obj(1) for i in [1]])",
    "(lambda: obj())()", "f'{obj()}'",
])
def test_refused_expressions_never_touch_the_context(expression):
    tripwire = Tripwire()
    context = {"obj": tripwire, "open": tripwire, "eval": tripwire, "exec": tripwire, "getattr": tripwire}
    with pytest.raises(REFUSED):
        evaluate(expression, context)
    assert tripwire.touched == []


def test_import_attack_does_not_import_anything():
    marker = "expression_attack_marker_module"
    sys.modules.pop(marker, None)
    with pytest.raises(REFUSED):
        evaluate(f"__import__('sys').modules.setdefault('{marker}', 1)", {})
    assert marker not in sys.modules


def test_subscript_only_works_on_plain_containers():
    # indexing an arbitrary object could reach __getitem__ of anything put into the data
    tripwire = Tripwire()
    with pytest.raises(ForbiddenExpression):
        evaluate("obj['x']", {"obj": tripwire})
    assert tripwire.touched == []


@pytest.mark.parametrize("expression", [
    "10 ** 10 ** 10",
    "2 ** 100000",
    "2 ** -100",
    "((10 ** 64) ** 64) ** 64",
    "((((10 ** 64) ** 64) ** 64) ** 64) ** 64",
    "'a' * 10 ** 9",
    "10 ** 9 * 'a'",
    "[0] * 10 ** 9",
    "'a' * 10000 * 10000 * 10000",
    "[[0] * 10000] * 10000",
    "str([[[0] * 1000] * 1000] * 1000)",
    "sum([[0] * 1000] * 100, [])",
])
def test_resource_exhaustion_is_refused_quickly(expression):
    started = time.monotonic()
    with time_limit(5):
        with pytest.raises(ForbiddenExpression):
            evaluate(expression, {})
    assert time.monotonic() - started < 1


@pytest.mark.parametrize("expression", [
    "-" * (MAX_EXPRESSION_LENGTH - 1) + "1",
    "not " * 490 + "x",
    "+".join(["1"] * 900),
    "x" + "[0]" * 600,
    "[" * 150 + "]" * 150,
])
def test_deeply_nested_expressions_are_refused_not_a_recursion_error(expression):
    assert len(expression) <= MAX_EXPRESSION_LENGTH
    with pytest.raises(ForbiddenExpression):
        evaluate(expression, {"x": [[0]]})


def test_expressions_longer_than_the_maximum_are_refused():
    at_limit = "1" + " + 1" * ((MAX_EXPRESSION_LENGTH - 1) // 4)
    assert len(at_limit) <= MAX_EXPRESSION_LENGTH
    with pytest.raises(ForbiddenExpression):  # too deeply nested, but not too long
        compile_expression(at_limit)
    long_literal = "'" + "a" * (MAX_EXPRESSION_LENGTH - 2) + "'"
    assert evaluate(long_literal, {}) == "a" * (MAX_EXPRESSION_LENGTH - 2)
    with pytest.raises(ForbiddenExpression, match="longer than"):
        compile_expression(long_literal + " ")
    with pytest.raises(ForbiddenExpression, match="longer than"):
        compile_expression("x == '" + "a" * 5000 + "'")


def test_non_text_is_refused():
    with pytest.raises(ForbiddenExpression):
        compile_expression(b"1 + 1")
    with pytest.raises(ForbiddenExpression):
        compile_expression(None)


# ------------------------------------------------------------------------------------------ engine

@pytest.fixture(scope="module")
def receive_task():
    """A real READY task of the shipped standard process, as Spiff hands it to the script engine."""
    paths = sorted((ROOT / "bpmn").glob("*.bpmn")) + sorted((ROOT / "rules").glob("*.dmn"))
    bundle = compile_bundle([read_source(p.name, p.read_bytes()) for p in paths])
    workflow = new_workflow(bundle, "standard_permit", {"case_no": "XK-TEST", "item_major": False})
    workflow.do_engine_steps()
    [task] = workflow.get_tasks(state=TaskState.READY, manual=True)
    assert task.task_spec.bpmn_id == "receive"
    return task


def test_engine_evaluates_against_task_data_and_external_context(receive_task):
    engine = SafeScriptEngine()
    assert engine.evaluate(receive_task, "case_no == 'XK-TEST' and not item_major") is True
    assert engine.evaluate(receive_task, "outcome == 'accept'", external_context={"outcome": "accept"}) is True
    assert "outcome" not in receive_task.data  # the external context is not written into the task


def test_engine_wraps_name_errors_in_workflow_task_exception(receive_task):
    with pytest.raises(WorkflowTaskException) as exc:
        SAFE_SCRIPT_ENGINE.evaluate(receive_task, "outcome == 'accept'")
    assert exc.value.error_type == "NameError"
    assert exc.value.task is receive_task
    assert "outcome == 'accept'" in str(exc.value)


@pytest.mark.parametrize("expression", [
    "__import__('os').getcwd()", WRAP_CLOSE_ESCAPE, "10 ** 10 ** 10", "case_no.upper()", "outcome ==",
])
def test_engine_refuses_attacks_as_workflow_task_exceptions(receive_task, expression):
    with time_limit(5):
        with pytest.raises(WorkflowTaskException) as exc:
            SAFE_SCRIPT_ENGINE.evaluate(receive_task, expression)
    assert exc.value.error_type in ("ForbiddenExpression", "SyntaxError")


def test_engine_refuses_to_execute_scripts(receive_task):
    marker = "script_attack_marker_module"
    sys.modules.pop(marker, None)
    before = dict(receive_task.data)
    with pytest.raises(ScriptsNotAllowed):
        SAFE_SCRIPT_ENGINE.execute(receive_task, f"import sys\nsys.modules['{marker}'] = 1\nx = 1")
    with pytest.raises(ScriptsNotAllowed):
        SAFE_SCRIPT_ENGINE.execute(receive_task, "x = 1", external_context={"y": 2})
    with pytest.raises(ScriptsNotAllowed):
        SAFE_SCRIPT_ENGINE.call_service(receive_task, operation_name="http", operation_params={})
    assert marker not in sys.modules
    assert receive_task.data == before
    assert issubclass(ScriptsNotAllowed, WorkflowTaskException)


def test_engine_validate_raises_syntax_error_for_dmn_comparison_cells():
    # Spiff's DMN engine relies on this to turn ">= 10000" into "investment >= 10000"
    with pytest.raises(SyntaxError):
        SAFE_SCRIPT_ENGINE.validate(">= 10000")
    SAFE_SCRIPT_ENGINE.validate("investment >= 10000")
    with pytest.raises(ForbiddenExpression):
        SAFE_SCRIPT_ENGINE.validate("__import__('os')")


# ------------------------------------------------------------------------------------------ names

@pytest.mark.parametrize("name", ["complex", "investment", "public_concern", "x1", "list", "type", "id"])
def test_safe_variable_names(name):
    assert is_safe_variable_name(name)


@pytest.mark.parametrize("name", [
    "_x", "__class__", "_", "class", "lambda", "import", "if", "len", "min", "max", "sum", "str", "bool",
    "Name", "camelCase", "a-b", "a b", "1abc", "", "True", "False", "None", "true", "false", "none",
    "名称", "ｘ",
])
def test_unsafe_variable_names(name):
    assert not is_safe_variable_name(name)


def test_the_engine_environment_itself_never_uses_plain_eval():
    from app.engine.script_engine import SAFE_SCRIPT_ENGINE
    env = SAFE_SCRIPT_ENGINE.environment
    assert env.evaluate("a + 1", {"a": 1}) == 2
    with pytest.raises(ForbiddenExpression):
        env.evaluate("__import__('os').getcwd()", {})
    with pytest.raises(PermissionError):
        env.execute("x = 1", {})
