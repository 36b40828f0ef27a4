"""An expression-only evaluator for everything an uploaded diagram can make the server evaluate.

Gateway conditions, DMN cells, form ``requiredIf`` rules and timer expressions come from diagrams that
designers upload, so they are untrusted. Python's ``eval`` with emptied builtins is escapable
(``().__class__.__base__.__subclasses__()``), so we never hand their text to ``eval``: we parse it with
``ast``, refuse every node type that is not on a short allow-list, and interpret the tree ourselves.
Compiled expressions are cached by their text, which makes this faster than ``eval`` (which compiles on
every call).
"""
from __future__ import annotations

import ast
import keyword
import operator
from functools import lru_cache
from typing import Any, Callable, Mapping

MAX_EXPRESSION_LENGTH = 2000
MAX_POWER_EXPONENT = 64  # 10 ** 10 ** 10 would keep the process busy for ever
MAX_SEQUENCE_REPEAT = 10_000
MAX_SEQUENCE_SIZE = 100_000  # elements (counting nested ones) or characters a repetition may produce
MAX_POWER_RESULT_BITS = 100_000  # ((10 ** 64) ** 64) ** 64 ... grows without any large exponent
MAX_NESTING_DEPTH = 100  # deeper trees would exhaust Python's recursion limit (RecursionError)


class ForbiddenExpression(ValueError):
    """The expression uses a construct the evaluator does not allow."""


def _safe_sum(values: Any, start: Any = 0) -> Any:
    # sum(lists, []) concatenates in quadratic time; only numbers may be summed.
    if not isinstance(start, (int, float)):
        raise ForbiddenExpression("sum() 只能对数字求和 / sum() only adds numbers")
    return sum(values, start)


SAFE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len, "min": min, "max": max, "abs": abs, "round": round, "int": int, "float": float,
    "str": str, "bool": bool, "sum": _safe_sum, "any": any, "all": all,
}

_BINARY = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
}
_UNARY = {ast.Not: operator.not_, ast.USub: operator.neg, ast.UAdd: operator.pos}
_COMPARE = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b, ast.Is: operator.is_, ast.IsNot: operator.is_not,
}

Evaluator = Callable[[Mapping[str, Any]], Any]


def check_identifier(name: str) -> None:
    if name.startswith("_"):
        raise ForbiddenExpression(f"名称不能以下划线开头 / names may not start with '_': {name}")


def _guarded_pow(base: Any, exponent: Any) -> Any:
    if isinstance(exponent, (int, float)) and abs(exponent) > MAX_POWER_EXPONENT:
        raise ForbiddenExpression(f"指数过大 / exponent too large: {exponent}")
    if isinstance(base, int) and isinstance(exponent, int) and abs(base) > 1 \
            and base.bit_length() * exponent > MAX_POWER_RESULT_BITS:
        raise ForbiddenExpression("乘方结果过大 / power result too large")
    return operator.pow(base, exponent)


def _size(value: Any) -> int:
    """Characters of a string, or elements of a container counting the elements of nested containers."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple, set)):
        return len(value) + sum(_size(v) for v in value if isinstance(v, (list, tuple, set, dict)))
    return 0


def _guarded_mult(left: Any, right: Any) -> Any:
    for seq, count in ((left, right), (right, left)):
        if isinstance(seq, (str, list, tuple)) and isinstance(count, int) and (
                count > MAX_SEQUENCE_REPEAT or _size(seq) * count > MAX_SEQUENCE_SIZE):
            raise ForbiddenExpression("序列重复次数过大 / sequence repeat too large")
    return operator.mul(left, right)


class _Compiler:
    """Turns an allowed AST into nested closures; raises ForbiddenExpression for anything else."""

    depth = 0

    def compile(self, node: ast.AST) -> Evaluator:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise ForbiddenExpression(f"不允许的表达式结构 / construct not allowed: {type(node).__name__}")
        self.depth += 1
        try:
            if self.depth > MAX_NESTING_DEPTH:
                raise ForbiddenExpression(f"表达式嵌套过深 / expression nested deeper than {MAX_NESTING_DEPTH}")
            return method(node)
        finally:
            self.depth -= 1

    def _Expression(self, node: ast.Expression) -> Evaluator:
        return self.compile(node.body)

    def _Constant(self, node: ast.Constant) -> Evaluator:
        value = node.value
        if not isinstance(value, (str, int, float, bool, type(None))):
            raise ForbiddenExpression(f"不允许的常量 / constant not allowed: {value!r}")
        return lambda ctx: value

    def _Name(self, node: ast.Name) -> Evaluator:
        name = node.id
        check_identifier(name)
        if name in ("True", "False", "None"):
            value = {"True": True, "False": False, "None": None}[name]
            return lambda ctx: value

        def lookup(ctx: Mapping[str, Any]) -> Any:
            if name in ctx:
                return ctx[name]
            if name in SAFE_FUNCTIONS:
                return SAFE_FUNCTIONS[name]
            raise NameError(f"name '{name}' is not defined")
        return lookup

    def _BoolOp(self, node: ast.BoolOp) -> Evaluator:
        parts = [self.compile(v) for v in node.values]
        if isinstance(node.op, ast.And):
            def and_(ctx):
                result = True
                for part in parts:
                    result = part(ctx)
                    if not result:
                        return result
                return result
            return and_

        def or_(ctx):
            result = False
            for part in parts:
                result = part(ctx)
                if result:
                    return result
            return result
        return or_

    def _BinOp(self, node: ast.BinOp) -> Evaluator:
        op_type = type(node.op)
        if op_type not in _BINARY:
            raise ForbiddenExpression(f"不允许的运算符 / operator not allowed: {op_type.__name__}")
        func = {ast.Pow: _guarded_pow, ast.Mult: _guarded_mult}.get(op_type, _BINARY[op_type])
        left, right = self.compile(node.left), self.compile(node.right)
        return lambda ctx: func(left(ctx), right(ctx))

    def _UnaryOp(self, node: ast.UnaryOp) -> Evaluator:
        op_type = type(node.op)
        if op_type not in _UNARY:
            raise ForbiddenExpression(f"不允许的运算符 / operator not allowed: {op_type.__name__}")
        func, operand = _UNARY[op_type], self.compile(node.operand)
        return lambda ctx: func(operand(ctx))

    def _Compare(self, node: ast.Compare) -> Evaluator:
        left = self.compile(node.left)
        steps = []
        for op, comparator in zip(node.ops, node.comparators):
            if type(op) not in _COMPARE:
                raise ForbiddenExpression(f"不允许的比较 / comparison not allowed: {type(op).__name__}")
            steps.append((_COMPARE[type(op)], self.compile(comparator)))

        def compare(ctx):
            current = left(ctx)
            for func, right in steps:
                value = right(ctx)
                if not func(current, value):
                    return False
                current = value
            return True
        return compare

    def _IfExp(self, node: ast.IfExp) -> Evaluator:
        test, body, orelse = self.compile(node.test), self.compile(node.body), self.compile(node.orelse)
        return lambda ctx: body(ctx) if test(ctx) else orelse(ctx)

    def _List(self, node: ast.List) -> Evaluator:
        items = [self.compile(e) for e in node.elts]
        return lambda ctx: [item(ctx) for item in items]

    def _Tuple(self, node: ast.Tuple) -> Evaluator:
        items = [self.compile(e) for e in node.elts]
        return lambda ctx: tuple(item(ctx) for item in items)

    def _Set(self, node: ast.Set) -> Evaluator:
        items = [self.compile(e) for e in node.elts]
        return lambda ctx: {item(ctx) for item in items}

    def _Dict(self, node: ast.Dict) -> Evaluator:
        if any(k is None for k in node.keys):
            raise ForbiddenExpression("不允许字典展开 / dict unpacking not allowed")
        pairs = [(self.compile(k), self.compile(v)) for k, v in zip(node.keys, node.values)]
        return lambda ctx: {k(ctx): v(ctx) for k, v in pairs}

    def _Subscript(self, node: ast.Subscript) -> Evaluator:
        if isinstance(node.slice, ast.Slice):
            raise ForbiddenExpression("不允许切片 / slices not allowed")
        value, index = self.compile(node.value), self.compile(node.slice)

        def subscript(ctx):
            container = value(ctx)
            if not isinstance(container, (dict, list, tuple, str)):
                raise ForbiddenExpression("只能对字典、列表和字符串取下标 / only dicts, lists and strings can be indexed")
            return container[index(ctx)]
        return subscript

    def _Call(self, node: ast.Call) -> Evaluator:
        if not isinstance(node.func, ast.Name) or node.func.id not in SAFE_FUNCTIONS:
            raise ForbiddenExpression(
                "只允许调用 / only these functions may be called: " + ", ".join(sorted(SAFE_FUNCTIONS)))
        if node.keywords:
            raise ForbiddenExpression("不允许关键字参数 / keyword arguments not allowed")
        func = SAFE_FUNCTIONS[node.func.id]
        args = [self.compile(a) for a in node.args]
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise ForbiddenExpression("不允许参数展开 / argument unpacking not allowed")
        return lambda ctx: func(*(arg(ctx) for arg in args))


@lru_cache(maxsize=4096)
def compile_expression(text: str) -> Evaluator:
    """Parse and compile ``text``; SyntaxError for bad syntax, ForbiddenExpression for bad constructs."""
    if not isinstance(text, str):
        raise ForbiddenExpression("表达式必须是文本 / expression must be text")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ForbiddenExpression(f"表达式过长 / expression longer than {MAX_EXPRESSION_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (RecursionError, MemoryError):
        raise ForbiddenExpression(f"表达式嵌套过深 / expression nested deeper than {MAX_NESTING_DEPTH}")
    return _Compiler().compile(tree)


def evaluate(text: str, context: Mapping[str, Any]) -> Any:
    return compile_expression(text)(context)


def is_safe_variable_name(name: str) -> bool:
    """A form key becomes a process variable; keep it a plain identifier that shadows nothing.

    Python builtins other than SAFE_FUNCTIONS are harmless (``complex`` is a valid fact): no expression
    is ever given to Python's own ``eval``, so only the names our evaluator resolves are reserved.
    """
    return (
        name.isidentifier() and name.isascii() and not name.startswith("_")
        and not keyword.iskeyword(name) and name not in SAFE_FUNCTIONS and name == name.lower()
        and name not in ("true", "false", "none")
    )
