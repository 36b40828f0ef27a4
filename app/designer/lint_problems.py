"""What the policy linter reports: one ``LintProblem`` per finding, naming the file, the element (id and
name) and the rule (see app.designer.linter for the rules)."""
from __future__ import annotations

from dataclasses import dataclass

from app.bpmn.model import Process
from app.engine.definitions import Problem


@dataclass(frozen=True)
class LintProblem:
    rule: str
    message: str
    element_id: str | None = None
    element_name: str | None = None
    file: str | None = None

    def to_dict(self) -> dict:
        return {"element_id": self.element_id, "element_name": self.element_name, "message": self.message,
                "file": self.file, "rule": self.rule}

    def line(self) -> str:
        where = self.element_id or "-"
        if self.element_name and self.element_name != self.element_id:
            where += f" “{self.element_name}”"
        return f"{self.file or '-'}: {where}: [{self.rule}] {self.message}"


def from_definition_problem(p: Problem, names: dict[str, str]) -> LintProblem:
    """The compiler's finding as a lint finding, under the rule its message is about."""
    rule = "definition"
    if "lane" in p.message and "role" in p.message:
        rule = "lane-role"
    elif "form" in p.message and "declares no form" in p.message:
        rule = "form"
    elif "must match everything" in p.message:
        rule = "catch-all"
    return LintProblem(rule, p.message, p.element_id, names.get(p.element_id or "") or None, p.file)


def problem(rule: str, message: str, proc_or_file, element_id: str | None, name: str | None = None) -> LintProblem:
    """A finding about ``element_id`` of a process (named from the process) or of a file."""
    file = proc_or_file.file if isinstance(proc_or_file, Process) else proc_or_file
    if name is None and isinstance(proc_or_file, Process) and element_id:
        node = proc_or_file.nodes.get(element_id) or proc_or_file.flows.get(element_id)
        name = node.name if node is not None else None
    return LintProblem(rule, message, element_id, name or None, file)
