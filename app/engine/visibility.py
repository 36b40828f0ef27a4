"""When a form field is shown: its ``visibleIf`` (else its ``requiredIf``) as a small JSON rule the page's
script evaluates while the user fills the form (app/static/staff.js), e.g. ``outcome == 'correct'`` →
``{"field": "outcome", "in": ["correct"]}``.

Only simple conditions translate (comparisons of a field with constants, ``in``, ``and``/``or``/``not``, a
field's truth); anything else gives None and the field is always shown — the server's check still applies.
Values are compared as the browser holds them: text, with booleans as ``true``/``false``.
"""
from __future__ import annotations

import ast
from typing import Any


class _Untranslatable(ValueError):
    pass


def show_rule(expression: str | None) -> dict | None:
    if not expression:
        return None
    try:
        return _rule(ast.parse(expression.strip(), mode="eval").body)
    except (SyntaxError, _Untranslatable):
        return None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or isinstance(value, (int, float, str)):
        return "" if value is None else str(value)
    raise _Untranslatable(repr(value))


def _constants(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant):
        return [_text(node.value)]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [c for element in node.elts for c in _constants(element)]
    raise _Untranslatable(ast.dump(node))


def _rule(node: ast.AST) -> dict:
    if isinstance(node, ast.BoolOp):
        return {"all" if isinstance(node.op, ast.And) else "any": [_rule(v) for v in node.values]}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return {"not": _rule(node.operand)}
    if isinstance(node, ast.Name):
        return {"field": node.id, "truthy": True}
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        left, op, right = node.left, node.ops[0], node.comparators[0]
        if isinstance(right, ast.Name) and isinstance(left, ast.Constant) and isinstance(op, (ast.Eq, ast.NotEq)):
            left, right = right, left
        if not isinstance(left, ast.Name):
            raise _Untranslatable(ast.dump(node))
        if isinstance(op, (ast.Eq, ast.In)):
            return {"field": left.id, "in": _constants(right)}
        if isinstance(op, (ast.NotEq, ast.NotIn)):
            return {"not": {"field": left.id, "in": _constants(right)}}
    raise _Untranslatable(ast.dump(node))
