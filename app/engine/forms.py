"""Task forms declared in the diagrams (``appr:form``) and the validation of submitted data.

A form is part of its process definition version, so a running case always sees the form of its own
version. Submitted data is validated with a marshmallow schema built from the declaration; the cleaned
values are plain JSON (dates as ISO strings) because they become process variables.
"""
from __future__ import annotations

import ast
import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, Iterable, Mapping

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from app.bpmn.model import APPR_NS
from app.core.i18n import pick, t
from app.engine.expressions import (
    SAFE_FUNCTIONS,
    ForbiddenExpression,
    compile_expression,
    is_safe_variable_name,
)

FIELD_TYPES = ("text", "longtext", "number", "integer", "date", "boolean", "choice", "multichoice",
               "users", "checklist")
CHECKLIST_RESULTS = ("pass", "fail", "na")
# Variables the system itself sets in every workflow; a form may not overwrite them.
# hearing_held: derived from the hearing record (app.hearing), never a form field.
RESERVED_VARIABLES = frozenset({"is_major", "major_reason", "item_major", "item_code", "case_no", "hearing_held"})

UsersLookup = Callable[[Iterable[str]], Mapping[str, set[str]]]


class FormDeclarationError(ValueError):
    pass


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    label_en: str | None = None

    def to_dict(self) -> dict:
        return {"value": self.value, "label": pick(self.label, self.label_en)}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    label: str
    label_en: str | None = None
    required: bool = False
    required_if: str | None = None
    visible_if: str | None = None  # shown only when this holds (else when required_if holds, if any)
    help: str | None = None
    help_en: str | None = None
    min: float | None = None
    max: float | None = None
    default: Any = None
    role: str | None = None
    must_include_role: str | None = None
    options: tuple[Option, ...] = ()
    items: tuple[Option, ...] = ()  # checklist items: value = key

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"name": self.name, "type": self.type, "label": pick(self.label, self.label_en),
                               "required": self.required}
        for key in ("required_if", "visible_if", "min", "max", "default", "role", "must_include_role"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.help:
            out["help"] = pick(self.help, self.help_en)
        if self.options:
            out["options"] = [o.to_dict() for o in self.options]
        if self.items:
            out["items"] = [{"key": i.value, "label": pick(i.label, i.label_en)} for i in self.items]
        return out


@dataclass(frozen=True)
class FormSpec:
    fields: tuple[FieldSpec, ...] = field(default_factory=tuple)

    @cached_property
    def by_name(self) -> dict[str, FieldSpec]:
        return {f.name: f for f in self.fields}

    def to_dict(self) -> dict:
        return {"fields": [f.to_dict() for f in self.fields]}

    @cached_property
    def schema(self) -> Schema:
        return _build_schema(self)

    def validate(self, data: Any, users_lookup: UsersLookup | None = None) -> dict[str, Any]:
        """Return cleaned data or raise ValidationError with per-field messages (in the user's language)."""
        if not isinstance(data, Mapping):
            raise ValidationError({"data": [t("not_an_object")]})
        errors: dict[str, list[str]] = {}
        cleaned_input: dict[str, Any] = {}
        for key, value in data.items():
            if key not in self.by_name:
                errors.setdefault(str(key), []).append(t("unknown_field"))
            elif not _is_blank(value):
                cleaned_input[key] = value.strip() if isinstance(value, str) else value
        try:
            loaded = self.schema.load(cleaned_input)
        except ValidationError as exc:
            for key, messages in exc.normalized_messages().items():
                errors.setdefault(key, []).extend(_flatten(messages))
            loaded = {}
        if not errors:
            self._drop_hidden(loaded)
            self._check_rules(loaded, errors, users_lookup)
        if errors:
            raise ValidationError(errors)
        # Every declared field exists in the task data (None when left empty), so a gateway condition
        # on an optional field never fails for a missing variable.
        return {f.name: _to_json(loaded.get(f.name)) for f in self.fields}

    def _drop_hidden(self, values: dict) -> None:
        """A field the form did not show (its visibleIf false) keeps no value: switching 补正 back to 受理
        leaves no stale correction list behind."""
        context = {f.name: values.get(f.name) for f in self.fields}
        for f in self.fields:
            if f.visible_if and f.name in values and not compile_expression(f.visible_if)(context):
                del values[f.name]

    def _check_rules(self, values: dict, errors: dict, users_lookup: UsersLookup | None) -> None:
        context = {f.name: values.get(f.name) for f in self.fields}
        for f in self.fields:
            if f.required_if and values.get(f.name) is None and compile_expression(f.required_if)(context):
                errors.setdefault(f.name, []).append(t("required"))
            if f.type == "users" and values.get(f.name):
                _check_users(f, values[f.name], errors, users_lookup)
            if f.type == "checklist" and values.get(f.name) is not None:
                _check_checklist(f, values[f.name], errors)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == [] or value == {}


def _flatten(messages: Any) -> list[str]:
    if isinstance(messages, list):
        return [m for item in messages for m in _flatten(item)]
    if isinstance(messages, dict):
        return [m for item in messages.values() for m in _flatten(item)]
    return [str(messages)]


def _to_json(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _check_users(f: FieldSpec, usernames: list[str], errors: dict, users_lookup: UsersLookup | None) -> None:
    if users_lookup is None:
        return
    known = users_lookup(usernames)
    for username in usernames:
        if username not in known:
            errors.setdefault(f.name, []).append(t("unknown_user", value=username))
        elif f.role and f.role not in known[username]:
            errors.setdefault(f.name, []).append(t("user_lacks_role", value=username, role=_role_label(f.role)))
    if f.must_include_role and not any(f.must_include_role in known.get(u, ()) for u in usernames):
        errors.setdefault(f.name, []).append(t("must_include_role", role=_role_label(f.must_include_role)))


def _role_label(code: str) -> str:
    from app.core.roles import role_label
    return role_label(code)


def _check_checklist(f: FieldSpec, answers: dict, errors: dict) -> None:
    for item in f.items:
        answer = answers.get(item.value)
        if not isinstance(answer, Mapping) or answer.get("result") not in CHECKLIST_RESULTS:
            errors.setdefault(f.name, []).append(t("checklist_incomplete"))
            return
        if answer["result"] == "fail" and not str(answer.get("comment") or "").strip():
            errors.setdefault(f.name, []).append(t("checklist_fail_comment"))
            return
    for key in answers:
        if key not in {i.value for i in f.items}:
            errors.setdefault(f.name, []).append(t("bad_choice", value=key))
            return


def _build_schema(form: FormSpec) -> Schema:
    return Schema.from_dict({f.name: _marshmallow_field(f) for f in form.fields}, name="TaskForm")(unknown=EXCLUDE)


class _Localized:
    """Error messages resolved at validation time, so each request gets its own language."""

    def __init__(self, key: str, **params):
        self.key, self.params = key, params

    def __str__(self) -> str:
        return t(self.key, **self.params)

    def format(self, **kwargs) -> str:  # marshmallow formats messages with the failing input
        return str(self)


def _messages(invalid_key: str) -> dict:
    return {"required": _Localized("required"), "null": _Localized("required"),
            "invalid": _Localized(invalid_key)}


class _LocalizedRange(validate.Range):
    def _format_error(self, value, message):
        key, bound = ("too_small", {"min": self.min}) if self.min is not None and value < self.min \
            else ("too_large", {"max": self.max})
        return t(key, **bound)


class _LocalizedLength(validate.Length):
    def __init__(self, *args, items: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items

    def _format_error(self, value, message):
        if self.min is not None and len(value) < self.min:
            return t("too_few_items" if self.items else "too_short", min=self.min)
        return t("too_many_items" if self.items else "too_long", max=self.max)


class _LocalizedOneOf(validate.OneOf):
    def _format_error(self, value) -> str:
        return t("bad_choice", value=value)


def _marshmallow_field(f: FieldSpec) -> fields.Field:
    kwargs: dict[str, Any] = {"required": f.required}
    int_bounds = {k: (int(v) if v is not None else None) for k, v in (("min", f.min), ("max", f.max))}
    has_bounds = f.min is not None or f.max is not None
    if f.type in ("text", "longtext"):
        validators = [_LocalizedLength(**int_bounds)] if has_bounds else []
        return fields.String(validate=validators, error_messages=_messages("not_text"), **kwargs)
    if f.type == "number":
        validators = [_LocalizedRange(min=f.min, max=f.max)] if has_bounds else []
        return fields.Float(allow_nan=False, validate=validators, error_messages=_messages("not_a_number"), **kwargs)
    if f.type == "integer":
        validators = [_LocalizedRange(min=f.min, max=f.max)] if has_bounds else []
        return fields.Integer(strict=False, validate=validators, error_messages=_messages("not_an_integer"), **kwargs)
    if f.type == "date":
        return fields.Date(error_messages=_messages("not_a_date"), **kwargs)
    if f.type == "boolean":
        return fields.Boolean(error_messages=_messages("not_a_boolean"), **kwargs)
    if f.type == "choice":
        return fields.String(validate=_LocalizedOneOf([o.value for o in f.options]),
                             error_messages=_messages("not_text"), **kwargs)
    if f.type in ("multichoice", "users"):
        inner = fields.String(validate=_LocalizedOneOf([o.value for o in f.options])) if f.type == "multichoice" \
            else fields.String(error_messages=_messages("not_text"))
        validators = [_LocalizedLength(**int_bounds, items=True)] if has_bounds else []
        return fields.List(inner, validate=validators, error_messages=_messages("not_a_list"), **kwargs)
    if f.type == "checklist":
        return fields.Dict(keys=fields.String(), values=fields.Dict(), error_messages=_messages("not_an_object"),
                           **kwargs)
    raise FormDeclarationError(f"unknown field type {f.type}")


# ---------------------------------------------------------------------------------------------- parsing

def _attr_bool(element, name: str) -> bool:
    return (element.get(name) or "").strip().lower() in ("true", "1", "yes")


def _attr_number(element, name: str, field_name: str) -> float | None:
    raw = element.get(name)
    if raw is None or raw.strip() == "":
        return None
    try:
        return float(raw)
    except ValueError:
        raise FormDeclarationError(f"字段 {field_name} 的 {name} 不是数字 / {name} of {field_name} is not a number")


def _options(element, tag: str) -> tuple[Option, ...]:
    result = []
    for child in element.findall(f"{{{APPR_NS}}}{tag}"):
        value = child.get("value") if tag == "option" else child.get("key")
        if not value or not child.get("label"):
            raise FormDeclarationError(f"{tag} 需要 value/key 与 label / an {tag} needs a value (key) and a label")
        result.append(Option(value, child.get("label"), child.get("labelEn")))
    return tuple(result)


def parse_form(form_element, known_roles: Iterable[str]) -> FormSpec:
    """Read an ``appr:form`` element; raise FormDeclarationError with a message naming the field."""
    known_roles = set(known_roles)
    specs: list[FieldSpec] = []
    for el in form_element.findall(f"{{{APPR_NS}}}field"):
        name = (el.get("name") or "").strip()
        if not is_safe_variable_name(name) or name in RESERVED_VARIABLES:
            raise FormDeclarationError(
                f"字段名 '{name}' 不安全：须为小写标识符，不能以下划线开头，不能是关键字、内置名或系统变量 / "
                f"unsafe field name '{name}'")
        if any(s.name == name for s in specs):
            raise FormDeclarationError(f"字段名重复 / duplicate field name: {name}")
        ftype = el.get("type")
        if ftype not in FIELD_TYPES:
            raise FormDeclarationError(f"字段 {name} 的类型未知 / unknown type of field {name}: {ftype}")
        if not el.get("label"):
            raise FormDeclarationError(f"字段 {name} 缺少 label / field {name} has no label")
        spec = FieldSpec(
            name=name, type=ftype, label=el.get("label"), label_en=el.get("labelEn"),
            required=_attr_bool(el, "required"), required_if=el.get("requiredIf"),
            visible_if=el.get("visibleIf"), help=el.get("help"), help_en=el.get("helpEn"),
            min=_attr_number(el, "min", name), max=_attr_number(el, "max", name), default=el.get("default"),
            role=el.get("role"), must_include_role=el.get("mustIncludeRole"),
            options=_options(el, "option"), items=_options(el, "item"))
        _check_field(spec, known_roles)
        specs.append(spec)
    if not specs:
        raise FormDeclarationError("表单没有字段 / the form has no fields")
    known = {s.name for s in specs} | set(SAFE_FUNCTIONS) | {"True", "False", "None"}
    for spec in specs:
        for attr, text in (("requiredIf", spec.required_if), ("visibleIf", spec.visible_if)):
            if not text:  # already compiled by _check_field; an unknown name would fail every submission
                continue
            tree = ast.parse(text.strip(), mode="eval")
            names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
            if names - known:
                raise FormDeclarationError(
                    f"字段 {spec.name} 的 {attr} 引用了表单中没有的字段 / {attr} of {spec.name} names fields "
                    f"not in this form: {', '.join(sorted(names - known))}")
    return FormSpec(tuple(specs))


def _check_field(spec: FieldSpec, known_roles: set[str]) -> None:
    if spec.type in ("choice", "multichoice") and not spec.options:
        raise FormDeclarationError(f"选择字段 {spec.name} 没有选项 / choice field {spec.name} has no options")
    if spec.type == "checklist" and not spec.items:
        raise FormDeclarationError(f"审核要点字段 {spec.name} 没有要点 / checklist {spec.name} has no items")
    for role in (spec.role, spec.must_include_role):
        if role is not None and role not in known_roles:
            raise FormDeclarationError(f"字段 {spec.name} 引用了未知角色 / field {spec.name} names an unknown role: {role}")
    for attr, text in (("requiredIf", spec.required_if), ("visibleIf", spec.visible_if)):
        if not text:
            continue
        try:
            compile_expression(text)
        except (SyntaxError, ForbiddenExpression) as exc:
            raise FormDeclarationError(f"字段 {spec.name} 的 {attr} 无效 / invalid {attr} of {spec.name}: {exc}")
