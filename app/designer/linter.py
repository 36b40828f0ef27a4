"""The policy linter: rules a diagram must follow before the server stores it (see docs/designer-guide.md,
"Policy checks").

It runs on every deployment (``app.designer.deploy``; a finding refuses the deployment with 422)
and from the command line (``flask definitions lint FILE...``). Every finding names the file and the
element (id and name) and says what to change.

Rules (``LintProblem.rule``):

* ``major-path``   every way a major case can take from the rule task that classifies it (or from the start
                   when the process serves a catalogue-major item) to a ``decide`` task passes a
                   ``legal_review`` task and a ``committee`` task, also inside called processes;
* ``revocation-review``   in a revocation process (key ``revocation``, or one a catalogue item with the
                   licence procedure "revocation" runs on) every way to a ``decide`` task passes a
                   ``legal_review`` task, also inside called processes (行政许可法 第六十九条: a major decision);
* ``lane-role``, ``form``   every user task sits in a lane named after a role and declares a form;
* ``kind``         a user task's ``appr:task kind`` is a task kind some feature declared;
* ``gateway``      an exclusive (or inclusive) gateway has a default flow or conditions covering every case;
* ``dead-end``     every node but an end event has an outgoing sequence flow;
* ``unreachable``  every flow node can be reached from a start event;
* ``decision-ref``, ``catch-all``   a business rule task names an existing decision; a decision table ends
                   with a catch-all row;
* ``di-shape``, ``di-edge``   every flow node has a BPMNShape and every sequence flow a BPMNEdge;
* ``unsupported``  vendor extensions (Camunda, Zeebe, Activiti, Flowable) and JUEL ``${…}`` expressions;
* ``definition``   everything the definition compiler refuses (unsafe expressions, scripts, …).

The graph checks read the diagram (app.bpmn.model), not SpiffWorkflow's specs, so they also work on files
the engine's parser refuses, and they see the diagram exactly as the designer drew it. The rules live in
lint_rules (per element), lint_paths (reachability and the major path) and lint_conditions (reading
conditions); findings are ``LintProblem``s (lint_problems).
"""
from __future__ import annotations

from typing import Iterable

from app.bpmn.model import element_names, read_process
from app.designer.lint_paths import major_paths, revocation_paths, unreachable
from app.designer.lint_problems import LintProblem, from_definition_problem
from app.designer.lint_rules import (
    catch_all,
    dead_ends,
    decision_references,
    diagram_interchange,
    gateways,
    lanes_and_forms,
    vendor_extensions,
)
from app.engine.definitions import (
    DefinitionError,
    SourceFile,
    compile_bundle,
    read_source,
)

__all__ = ["LintProblem", "lint", "lint_files"]


def lint_files(files: Iterable[tuple[str, bytes]], stored: Iterable[SourceFile] = (),
               major_processes: set[str] | None = None,
               revocation_processes: set[str] | None = None) -> list[LintProblem]:
    """Lint ``files`` (name, content) together with ``stored`` sources of other keys (e.g. the latest
    deployed versions), so that called processes and decisions resolve. Only ``files`` get the per-file
    checks; files that cannot be read at all are reported as such."""
    problems: list[LintProblem] = []
    sources: list[SourceFile] = []
    for filename, content in files:
        try:
            sources.append(read_source(filename, content))
        except DefinitionError as exc:
            problems.extend(from_definition_problem(p, {}) for p in exc.problems)
    seen: dict[str, str] = {}
    for src in sources:
        if src.key in seen:
            problems.append(LintProblem("definition", f"与 {seen[src.key]} 定义了同一个 {src.key} / defines the same "
                                        f"{src.kind} id as {seen[src.key]}", src.key, src.name, src.filename))
        seen.setdefault(src.key, src.filename)
    if problems:
        return problems
    keys = {s.key for s in sources}
    candidate = {s.key: s for s in stored if s.key not in keys}
    candidate.update({s.key: s for s in sources})
    return lint(list(candidate.values()), changed=keys, major_processes=major_processes,
                revocation_processes=revocation_processes)


REVOCATION_PROCESSES = frozenset({"revocation"})


def lint(sources: Iterable[SourceFile], changed: set[str] | None = None,
         major_processes: set[str] | None = None, revocation_processes: set[str] | None = None) -> list[LintProblem]:
    """Every problem of ``sources`` compiled together.

    changed: keys whose files get the per-file checks (all when None); the major-path rule runs for every
    process whose expanded graph includes a changed key. major_processes: process keys that serve a
    catalogue-major service item (checked from their start); None means "assume every process may".
    revocation_processes: process keys that revoke licences (``revocation`` always is one).
    """
    sources = list(sources)
    names = {s.filename: element_names(s.root) for s in sources}
    compile_problems: list[LintProblem] = []
    try:
        compile_bundle(sources)
    except DefinitionError as exc:
        compile_problems = [from_definition_problem(p, names.get(p.file or "", {})) for p in exc.problems]

    focus = [s for s in sources if changed is None or s.key in changed]
    procs = {s.key: p for s in sources if s.kind == "bpmn"
             and (p := read_process(s.root, s.key, s.name, s.filename)) is not None}
    decisions = {s.key: s for s in sources if s.kind == "dmn"}
    own: list[LintProblem] = []
    for src in focus:
        if src.kind == "bpmn":
            own.extend(vendor_extensions(src, names[src.filename]))
            proc = procs.get(src.key)
            if proc is None:
                continue
            own.extend(lanes_and_forms(proc))
            own.extend(decision_references(proc, decisions))
            own.extend(gateways(proc))
            own.extend(dead_ends(proc))
            own.extend(unreachable(proc))
            own.extend(diagram_interchange(src, proc))
        else:
            own.extend(catch_all(src))
    own.extend(major_paths(procs, decisions, changed, major_processes))
    own.extend(revocation_paths(procs, changed, REVOCATION_PROCESSES | (revocation_processes or set())))

    # The compiler already names some of these elements (lanes, forms, decisions, catch-all rows): keep
    # its message and drop ours for the same element.
    reported = {(p.file, p.element_id) for p in compile_problems}
    own = [p for p in own if not (p.rule in ("lane-role", "form", "catch-all")
                                  and (p.file, p.element_id) in reported)]
    result, seen = [], set()
    for p in compile_problems + own:
        if (p.file, p.element_id, p.message) not in seen:
            seen.add((p.file, p.element_id, p.message))
            result.append(p)
    return result
