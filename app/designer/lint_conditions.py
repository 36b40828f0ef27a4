"""Reading a gateway's conditions without running them: which values of one variable a condition covers,
and what it evaluates to when only some variables are known (``UNKNOWN`` for the others). The linter's
gateway rule and its major-path rule use these; the real evaluation is the engine's (app.engine.expressions).
"""
from __future__ import annotations

import ast

from app.engine.expressions import ForbiddenExpression, compile_expression


class _Unknown:
    def __repr__(self):
        return "UNKNOWN"


UNKNOWN = _Unknown()


def parse_condition(text: str | None):
    """The condition's expression tree; None when there is no condition or it is not an expression."""
    if not text:
        return None
    try:
        return ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError):
        return None


def peval(node, env: dict):
    """Evaluate what can be evaluated: names in ``env`` are known, every other name is UNKNOWN."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return env.get(node.id, UNKNOWN)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        values = [peval(e, env) for e in node.elts]
        return UNKNOWN if any(v is UNKNOWN for v in values) else tuple(values)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        value = peval(node.operand, env)
        return UNKNOWN if value is UNKNOWN else not value
    if isinstance(node, ast.BoolOp):
        values = [peval(v, env) for v in node.values]
        known = [v for v in values if v is not UNKNOWN]
        if isinstance(node.op, ast.And):
            if any(not v for v in known):
                return False
            return True if len(known) == len(values) else UNKNOWN
        if any(bool(v) for v in known):
            return True
        return False if len(known) == len(values) else UNKNOWN
    if isinstance(node, ast.Compare):
        left = peval(node.left, env)
        for op, comparator in zip(node.ops, node.comparators):
            right = peval(comparator, env)
            if left is UNKNOWN or right is UNKNOWN:
                return UNKNOWN
            try:
                ok = {ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b, ast.Is: lambda a, b: a is b,
                      ast.IsNot: lambda a, b: a is not b, ast.In: lambda a, b: a in b,
                      ast.NotIn: lambda a, b: a not in b}[type(op)](left, right)
            except (KeyError, TypeError):
                return UNKNOWN
            if not ok:
                return False
            left = right
        return True
    return UNKNOWN


def compiles(text: str) -> bool:
    try:
        compile_expression(text)
    except (SyntaxError, ForbiddenExpression, ValueError, RecursionError):
        return False
    return True


def names_in(text: str | None) -> set[str]:
    tree = parse_condition(text)
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} if tree is not None else set()


def covered_values(node) -> tuple[str, set] | None:
    """(variable, values) when the condition is true exactly for these values of one variable."""
    if isinstance(node, ast.Name):
        return node.id, {True}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) and isinstance(node.operand, ast.Name):
        return node.operand.id, {False}
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        left, op, right = node.left, node.ops[0], node.comparators[0]
        if isinstance(op, (ast.Eq, ast.Is)):
            if isinstance(right, ast.Name) and isinstance(left, ast.Constant):
                left, right = right, left
            if isinstance(left, ast.Name) and isinstance(right, ast.Constant):
                return left.id, {right.value}
        if isinstance(op, ast.In) and isinstance(left, ast.Name) and isinstance(right, (ast.List, ast.Tuple, ast.Set)) \
                and all(isinstance(e, ast.Constant) for e in right.elts):
            return left.id, {e.value for e in right.elts}
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
        parts = [covered_values(v) for v in node.values]
        if all(parts) and len({p[0] for p in parts}) == 1:
            return parts[0][0], set().union(*(p[1] for p in parts))
    return None
